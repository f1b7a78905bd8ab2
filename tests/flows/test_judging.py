"""Judging through the sandbox: judge codes, assignments, scoring on the phone, refusals,
the lock at the stage's end, blind review, ranking, the top N confirmed and told once."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlmodel import select
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from config.services import services_of
from contest.definition import load_contest
from storage.models import Advancement, AuditEvent, Judge, JudgeScore
from tests.conftest import BEIJING, CONTESTS
from tests.delivery.world import COMPLETE, CaseSpec, add_unit, bot_texts, worker

DURING_REVIEW = datetime(2024, 7, 20, 10, 0, tzinfo=BEIJING)
CODE = re.compile(r"邀请码：([A-Z0-9]{8})")


def case(title: str, category: str = "development") -> CaseSpec:
    return CaseSpec(dict(COMPLETE, title=title, category=category), submitted=True)


async def world(harness):
    """Three units with submitted cases; the third unit's contact is also a judge."""
    a = await add_unit(
        harness, party_org="甲局", contacts=[4001], cases=[case("甲一"), case("甲二")]
    )
    b = await add_unit(
        harness,
        party_org="乙局",
        contacts=[4002],
        cases=[case("乙一"), case("乙二"), case("乙三", "conduct")],
    )
    c = await add_unit(harness, party_org="丙局", contacts=[5003], cases=[case("丙一")])
    return a, b, c


async def invite(harness, category: str = "发展提质", stage: str = "文本评审") -> str:
    organizer = harness.organizer()
    await organizer.send("/judging")
    await organizer.press(stage)
    await organizer.press(f"🎟 邀请{harness.contest.terms.judge}")
    await organizer.press(category)
    match = CODE.search(organizer.last_reply.text)
    assert match, organizer.last_reply.text
    return match.group(1)


async def rows(harness, model, *where):
    async with services_of(harness.app).sessions() as session:
        return list((await session.exec(select(model).where(*where))).all())


async def forge(harness, user, data: str):
    """Put a button with ``data`` in the user's chat (as a forged or old message would)."""
    await harness.app.bot.send_message(
        user.user_id,
        "按钮",
        reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("按钮", callback_data=data)]]),
    )
    await user.refresh()
    return await user.press(data)


async def score_in_bot(user, value: str, *, typed: bool = False, comment: str | None = None):
    """Score the case the judge's last message offers: start, one score, comment, confirm."""
    await user.press("📝 开始评分")
    assert "满分 100" in user.last_reply.text
    if typed:
        await user.send(value)
    else:
        await user.press(value)
    assert "评语" in user.last_reply.text
    if comment is None:
        await user.press("⏭ 不写评语")
    else:
        await user.send(comment)
    assert "请核对评分" in user.last_reply.text
    await user.press("✅ 确认提交")
    assert "已提交" in user.last_reply.text


async def test_three_judges_score_rank_and_the_top_n_advances_once(harness):
    harness.at(DURING_REVIEW)
    a, b, c = await world(harness)
    judges = {}
    for uid in (5001, 5002, 5003):
        code = await invite(harness)
        user = harness.user(uid)
        await user.send(f"/start {code}")
        assert "您已成为「文本评审」评委" in user.last_reply.text
        judges[uid] = user
    assert "分配给您的案例：4 个" in judges[5003].replies_since(0)[-1].text  # not 丙一
    assert "分配给您的案例：5 个" in judges[5001].last_reply.text
    organizer = harness.organizer()
    await organizer.press("↩️ 返回")
    assert "评委1：已评 0/5" in organizer.last_reply.text
    await organizer.press("🗂 分配案例")
    assert "评委1 5 个" in organizer.replies_since(0)[-2].text
    assert "评委3 4 个" in organizer.replies_since(0)[-2].text

    # 5001 scores every case with buttons, 5002 by typing; 乙二 ties 甲一 in the mean.
    plan = {5001: ["90", "80", "80", "60", "70"], 5002: ["70", "80", "70", "80.5", "90"]}
    for uid, values in plan.items():
        user = judges[uid]
        await user.send("/judge")
        assert "已评 0/5 个案例" in user.last_reply.text
        await user.press("📝 去评分")
        for index, value in enumerate(values):
            if index:
                await user.press("➡️ 下一个")
            await score_in_bot(
                user, value, typed=uid == 5002, comment="思路清晰" if index else None
            )
        assert "已全部评完" in user.last_reply.text

    # A typed score out of range is explained and the judge stays on that criterion.
    judge3 = judges[5003]
    await judge3.send("/judge")
    await judge3.press("📝 去评分")
    await judge3.press("📝 开始评分")
    await judge3.send("120")
    assert "分数要在 0 到 100 之间" in judge3.last_reply.text
    await judge3.send("75")
    assert "评语" in judge3.last_reply.text

    # A case of the judge's own unit, and one not assigned (5003 judges only 发展提质 … all
    # of them are assigned except their own; a conduct case is nobody's here).
    (j3,) = await rows(harness, Judge, Judge.person_id.is_not(None), Judge.label == "评委3")
    await forge(harness, judge3, f"jdg:c:{j3.id}:{c.case_ids[0]}")
    assert "本单位的案例" in judge3.last_reply.text and "丙一" not in judge3.last_reply.text
    (j1,) = await rows(harness, Judge, Judge.label == "评委1")
    await forge(harness, judges[5001], f"jdg:c:{j1.id}:{b.case_ids[2]}")  # 正风增效: not theirs
    assert "没有分配给您评审" in judges[5001].last_reply.text
    assert "乙三" not in judges[5001].last_reply.text
    await forge(harness, judge3, f"jdg:s:{j1.id}:{a.case_ids[0]}")  # another judge's id
    assert "不是这个阶段的评委" in judge3.last_reply.text
    refused = await rows(harness, AuditEvent, AuditEvent.action == "judge_refused")
    assert [e.detail["why"] for e in refused] == ["own_unit", "not_assigned", "not_judge"]

    # The organizer reminds the judges who lag: only 5003, through the outbox.
    await organizer.press("⏰ 提醒未完成的评委")
    assert "已提醒 1 位尚未评完的评委" in organizer.last_reply.text
    await worker(harness).drain()
    assert any("评分提醒" in t and "还有 4 个案例" in t for t in bot_texts(harness, 5003))
    assert not any("评分提醒" in t for t in bot_texts(harness, 5001))

    # Change a score before the end: 5001 gives 乙二 80 instead of 60.
    judge1 = judges[5001]
    await forge(harness, judge1, f"jdg:c:{j1.id}:{b.case_ids[1]}")
    assert "您已提交评分：60 分" in judge1.last_reply.text
    await judge1.press("✏️ 修改评分")
    await judge1.press("80")
    await judge1.press("⏭ 不写评语")
    await judge1.press("✅ 确认提交")

    # Ranking by hand (mean of 2 judges): 甲一 (90+70)/2=80, 甲二 80, 乙一 75,
    # 乙二 (80+80.5)/2=80.25, 丙一 (70+90)/2=80 → 乙二 1st; 甲一, 甲二, 丙一 tie at 2nd; 乙一 5th.
    await organizer.send("/judging")
    await organizer.press("文本评审")
    await organizer.press("📊 排名")
    text = organizer.last_reply.text
    assert "1. 《乙二》 80.25 分（2 位）" in text
    for title in ("甲一", "甲二", "丙一"):
        assert f"2. 《{title}》 80 分（2 位） 并列" in text
    assert "5. 《乙一》 75 分（2 位）" in text

    # The quota of 10 takes everyone; with a quota of 2 the tie at the cut is left open.
    await organizer.press("💡 按排名生成建议名单")
    assert text.count("→ 晋级") == 0 and organizer.last_reply.text.count("→ 晋级") == 5
    await organizer.press(f"jud:review:t:{b.case_ids[0]}")  # take 乙一 out
    assert organizer.last_reply.text.count("→ 晋级") == 4

    await organizer.press("✅ 确认结果并通知单位")
    assert "已确认「文本评审」结果：4 个案例，已通知 3 个单位" in organizer.last_reply.text
    marked = {
        m.case_id for m in await rows(harness, Advancement, Advancement.stage_key == "review")
    }
    assert marked == {a.case_ids[0], a.case_ids[1], b.case_ids[1], c.case_ids[0]}
    await worker(harness).drain()
    for uid in (4001, 4002, 5003):
        assert sum("晋级通知" in t for t in bot_texts(harness, uid)) == 1
    assert "《乙二》" in next(t for t in bot_texts(harness, 4002) if "晋级通知" in t)
    assert "《乙一》" not in next(t for t in bot_texts(harness, 4002) if "晋级通知" in t)
    await organizer.press("✅ 确认结果并通知单位")  # again: nothing changed, nobody told twice
    await worker(harness).drain()
    assert sum("晋级通知" in t for t in bot_texts(harness, 4001)) == 1

    # After the stage's end scores are locked.
    harness.at(
        load_contest(CONTESTS / "jianbing-2024.toml").stage("review").end + timedelta(seconds=1)
    )
    await forge(harness, judge1, f"jdg:s:{j1.id}:{a.case_ids[0]}")
    assert "评分已于 2024年8月8日" in judge1.last_reply.text and "已锁定" in judge1.last_reply.text
    (score,) = await rows(
        harness, JudgeScore, JudgeScore.judge_id == j1.id, JudgeScore.case_id == a.case_ids[0]
    )
    assert score.scores == {"score": "90"} and score.confirmed_at is not None
    actions = {e.action for e in await rows(harness, AuditEvent)}
    assert {
        "judge_invite",
        "judge_joined",
        "judge_score",
        "judge_confirm",
        "judging_confirm",
    } <= actions


async def test_live_final_judges_score_each_case_as_the_organizer_opens_it(harness):
    harness.at(DURING_REVIEW)
    finalist = CaseSpec(dict(COMPLETE, title="决赛案例"), submitted=True, advancing_at=("review",))
    other = CaseSpec(dict(COMPLETE, title="未晋级案例"), submitted=True)
    made = await add_unit(harness, party_org="甲局", contacts=[4001], cases=[finalist, other])
    code = await invite(harness, stage="综合评选")
    judge = harness.user(5001)
    await judge.send(f"/start {code}")
    assert "分配给您的案例：1 个" in judge.last_reply.text  # only the case that went on
    harness.at(datetime(2024, 9, 5, 14, 0, tzinfo=BEIJING))
    await judge.send("/judge")
    assert "请等组织者开放" in judge.last_reply.text
    organizer = harness.organizer()
    await organizer.press("↩️ 返回")
    await organizer.press("🎤 开放下一个案例评分")
    assert "已开放《决赛案例》现场评分，已通知 1 位评委" in organizer.replies_since(0)[-2].text
    await worker(harness).drain()
    await judge.refresh()
    assert "现场评分开始" in judge.last_reply.text and "决赛案例" in judge.last_reply.text
    await judge.press("📝 开始评分")
    await judge.press("90")
    await judge.press("⏭ 不写评语")
    await judge.press("✅ 确认提交")
    assert "已提交《决赛案例》的评分：90 分" in judge.last_reply.text
    await organizer.press("🎤 开放下一个案例评分")
    assert "已没有待开放的案例" in organizer.last_reply.text
    await organizer.send("/judging")
    await organizer.press("综合评选")
    await organizer.press("📊 排名")
    await organizer.press("💡 按排名生成建议名单")
    assert "1. 《决赛案例》 90 分（1 位） → 一等奖" in organizer.last_reply.text
    await organizer.press("✅ 确认结果并通知单位")
    await worker(harness).drain()
    (award,) = [t for t in bot_texts(harness, 4001) if "获奖通知" in t]
    assert "《决赛案例》：一等奖" in award and made.case_ids
