"""Deadline reminders and stage announcements, with the clock moved (ManualClock).

The reminder job's function (``delivery.reminders.remind``) is called directly after the
clock moves, as the JobQueue would at that moment; the JobQueue itself gets a test that the
jobs are registered for the right moments.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import event

from handlers import reminders
from handlers.reminders import remind
from storage.db import transaction
from storage.models import Case, Person
from tests.conftest import BEIJING
from tests.delivery.world import COMPLETE, CaseSpec, add_unit, bot_texts, services, worker


def at(month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(2024, month, day, hour, minute, tzinfo=BEIJING)


GAPPY = {"category": "development", "title": "打造全国首创的服务模式"}


async def units(harness):
    """Write one unit per situation; return their contacts' Telegram ids."""
    await add_unit(
        harness, party_org="缺项单位", contacts=[3001], cases=[CaseSpec(GAPPY, lead=False)]
    )
    await add_unit(harness, party_org="待提交单位", contacts=[3002], cases=[CaseSpec()])
    await add_unit(
        harness,
        party_org="已提交单位",
        contacts=[3003],
        cases=[CaseSpec(submitted=True, official=True)],
    )
    await add_unit(harness, party_org="无案例单位", contacts=[3004])
    await add_unit(harness, party_org="静音单位", contacts=[3005], cases=[CaseSpec()], muted=[3005])
    made = await add_unit(harness, party_org="失联单位", contacts=[3006], cases=[CaseSpec()])
    async with transaction(services(harness).sessions) as session:
        person = await session.get(Person, made.person_ids[0])
        assert person is not None
        person.unreachable = True
        session.add(person)


async def run(harness, moment: datetime) -> int:
    """Move the clock, fire the reminder job, deliver; return how many rows it wrote."""
    harness.at(moment)
    written = (await remind(services(harness))).written
    await worker(harness).drain()
    return written


async def test_reminders_fire_at_their_moments_with_personal_content(harness):
    await units(harness)
    assert await run(harness, at(7, 8, 9, 59)) == 0
    assert await run(harness, at(7, 8)) == 4  # 3001-3004; muted and unreachable skipped

    gappy = bot_texts(harness, 3001)[-1]
    assert "「文本申报」截止提醒" in gappy
    assert "截止时间：2024年7月15日（周一）23:59（还有 7 天 13 小时）" in gappy
    assert "《打造全国首创的服务模式》" in gappy
    assert "· 未填写：推荐单位、牵头人姓名" in gappy
    assert "· 用词未提供依据：“首创”、“服务模式”" in gappy
    assert "· 团队：尚未添加团队成员" in gappy
    assert "内容已齐全，尚未提交" in bot_texts(harness, 3002)[-1]
    assert "已提交单位的案例均已提交" in bot_texts(harness, 3003)[-1]
    assert "尚未创建参赛案例" in bot_texts(harness, 3004)[-1]
    assert bot_texts(harness, 3005) == [] and bot_texts(harness, 3006) == []
    user = harness.user(3001)
    await user.refresh()
    assert user.last_reply.button_labels() == ["📋 我的案例", "🔕 不再提醒"]

    # A second fire of the same job, and a restart (which catches up), send nothing again.
    assert await run(harness, at(7, 8, 10, 5)) == 0
    await harness.restart()
    await worker(harness).drain()
    assert [len(bot_texts(harness, uid)) for uid in (3001, 3002, 3003, 3004)] == [1, 1, 1, 1]

    # Three days before: the units still lacking something hear again; the done one does not.
    assert await run(harness, at(7, 12)) == 3
    assert "还有 3 天 13 小时" in bot_texts(harness, 3001)[-1]
    assert len(bot_texts(harness, 3003)) == 1


async def test_missed_reminders_are_caught_up_on_start_if_the_deadline_is_ahead(harness):
    await add_unit(harness, contacts=[3101], cases=[CaseSpec()])
    harness.at(at(7, 13, 15))  # the bot was down on 7月8日 and 7月12日
    await harness.restart()
    await worker(harness).drain()
    texts = bot_texts(harness, 3101)
    assert len(texts) == 1  # only the latest (3d); the 7d one is superseded
    assert "还有 2 天 8 小时" in texts[0]

    harness.at(at(7, 16, 11))  # after the deadline: dropped; the review opening is news
    await harness.restart()
    await worker(harness).drain()
    texts = bot_texts(harness, 3101)
    assert len(texts) == 2 and "「文本评审」阶段已开始" in texts[-1]


async def test_nothing_in_quiet_hours_unless_the_deadline_is_tonight(harness):
    await add_unit(harness, contacts=[3201], cases=[CaseSpec()])
    harness.at(at(7, 14, 23))
    run_ = await remind(services(harness))
    assert run_.written == 0 and run_.deferred_until == at(7, 15, 8)
    assert await run(harness, at(7, 15, 8)) == 1
    assert "还有 15 小时 59 分钟" in bot_texts(harness, 3201)[-1]
    assert await run(harness, at(7, 15, 23, 30)) == 1  # 3h: the deadline is tonight
    assert "还有 29 分钟" in bot_texts(harness, 3201)[-1]


async def test_a_person_mutes_and_unmutes_reminders(harness):
    await add_unit(harness, contacts=[3301, 3302], cases=[CaseSpec()])
    await run(harness, at(7, 8))
    user = harness.user(3301)
    await user.refresh()
    reminder = user.last_reply
    toast = await user.press("🔕 不再提醒", reminder)
    assert toast and "已关闭" in toast["text"]
    assert "截止提醒已关闭" in user.last_reply.text
    assert "截止提醒" in reminder.text  # the reminder itself stays
    assert await run(harness, at(7, 12)) == 1  # only 3302
    await user.send("/reminders")
    assert "截止提醒已关闭" in user.last_reply.text
    await user.press("🔔 开启提醒")
    assert "截止提醒已开启" in user.last_reply.text
    assert "下一次提醒：2024年7月14日（周日）10:00" in user.last_reply.text
    assert await run(harness, at(7, 14)) == 2


async def test_coaching_is_announced_to_advancing_units_only(harness):
    going = CaseSpec(dict(COMPLETE, title="晋级的案例"), submitted=True, advancing_at=("review",))
    await add_unit(harness, contacts=[3401], cases=[going])
    await add_unit(harness, contacts=[3402], cases=[CaseSpec(submitted=True)])
    assert await run(harness, at(8, 9, 10)) == 1
    text = bot_texts(harness, 3401)[-1]
    assert "「专家辅导」阶段已开始" in text and "《晋级的案例》" in text
    assert "本阶段截止：2024年8月16日（周五）23:59" in text
    assert bot_texts(harness, 3402) == []
    # Its case stands submitted: at the coaching deadline it gets one confirmation.
    assert await run(harness, at(8, 13)) == 1
    assert "均已提交" in bot_texts(harness, 3401)[-1]


async def test_jobs_are_registered_for_each_moment_to_come(harness):
    job_queue = harness.app.job_queue
    jobs = {job.name: job for job in job_queue.jobs()}
    expected = {
        "reminders:submission:7d": at(7, 8),
        "reminders:submission:3d": at(7, 12),
        "reminders:submission:1d": at(7, 14),
        "reminders:submission:3h": datetime(2024, 7, 15, 20, 59, 59, tzinfo=BEIJING),
        "reminders:open:review": at(7, 16),
        "reminders:coaching:3d": at(8, 13),
        "reminders:open:final": at(9, 1),
    }
    for name, moment in expected.items():
        job = jobs[name]
        assert job.data == moment
        # Placed relative to the bot's clock: the scheduler runs on the wall clock.
        wall = datetime.now(UTC) + (moment - harness.clock.now())
        assert abs(job.job.trigger.run_date - wall) < timedelta(minutes=1)
    assert str(job_queue.scheduler.timezone) == "Asia/Shanghai"
    assert not any(name.endswith(":7d") and "coaching" in name for name in jobs)

    harness.at(at(7, 8))
    await jobs["reminders:submission:7d"].run(harness.app)  # what APScheduler will call
    assert await worker(harness).drain() == 0  # nobody registered yet


async def test_where_the_bot_only_drafts_a_submitted_case_is_reminded_until_marked(harness):
    """The 2024 notice has cases entered in its 网络报名系统: submitting here is not enough."""
    made = await add_unit(harness, contacts=[3501], cases=[CaseSpec(submitted=True)])
    assert await run(harness, at(7, 8)) == 1
    text = bot_texts(harness, 3501)[-1]
    assert "「文本申报」截止提醒" in text
    assert "还没有标记“已在官网提交”" in text and "网络报名系统" in text
    async with transaction(services(harness).sessions) as session:
        case = await session.get(Case, made.case_ids[0])
        assert case is not None
        case.official_at = at(7, 9)
        session.add(case)
    assert await run(harness, at(7, 12)) == 1
    assert "案例均已提交" in bot_texts(harness, 3501)[-1]


async def test_a_second_fire_reads_no_case_text_but_a_changed_unit_hears_its_news(
    harness, monkeypatch
):
    """Planning tells from SQL which units already have their row: their drafts stay unread."""
    monkeypatch.setattr(reminders, "BATCH", 1)  # a batch per unit: what is read, unit by unit
    await units(harness)
    changing = await add_unit(harness, contacts=[3007], cases=[CaseSpec()])
    assert await run(harness, at(7, 8)) == 5
    assert "内容已齐全，尚未提交" in bot_texts(harness, 3007)[-1]
    async with transaction(services(harness).sessions) as session:
        case = await session.get(Case, changing.case_ids[0])
        assert case is not None
        case.status, case.official_at = "submitted", at(7, 8, 10, 2)
        session.add(case)

    statements: list[str] = []
    engine = services(harness).engine.sync_engine

    def note(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        assert await run(harness, at(7, 8, 10, 5)) == 1  # the same slot fires again
    finally:
        event.remove(engine, "before_cursor_execute", note)
    assert "案例均已提交" in bot_texts(harness, 3007)[-1]
    texts = re.compile(r'contest_case\."?values"?[ ,]')  # quoted on SQLite, bare on PostgreSQL
    read_texts = [s for s in statements if texts.search(s) and "SELECT" in s]
    assert len(read_texts) == 1  # the changed unit's cases only, not every unit's
