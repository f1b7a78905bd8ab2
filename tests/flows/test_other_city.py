"""A made-up contest of another city (contests/donghu-2026.toml), walked through the bot.

Register through a 镇街 invite, the team, the 申报书, submission, export, the schedule and ten
questions: every word the bot says must be this contest's. A word that belongs only to
another shipped contest (its name, stages, categories, submitting bodies, city, area code,
field labels, its terms such as 案例 and 牵头人) fails the test; the list is built from the
other files.
"""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlmodel import select

from config.clock import ManualClock
from config.services import services_of
from contest.definition import Contest, load_contest
from sandbox.client import SandboxUser
from storage.models import InviteKind, TeamMember, Unit
from tests.conftest import BEIJING, CONTESTS
from tests.db import telegram_person
from tests.flows.test_registration import make_invite
from tests.other_city import OTHER_CITY, foreign_words

FOREIGN = foreign_words()


@pytest.fixture(scope="module")
def contest() -> Contest:
    """Return the made-up contest."""
    return load_contest(CONTESTS / f"{OTHER_CITY}.toml")


@pytest.fixture
def clock() -> ManualClock:
    """Return a clock during 项目评审初选, the stage that takes the 申报书."""
    return ManualClock(datetime(2026, 4, 10, 10, 0, tzinfo=BEIJING))


def said(user: SandboxUser) -> list[str]:
    """Return everything the bot showed this user: texts, buttons and file names."""
    shown = []
    for message in user.messages():
        if not message.from_bot:
            continue
        shown.append(message.text or "")
        shown.extend(message.button_labels())
        if message.document:
            shown.append(message.document.get("file_name", ""))
    return shown


def assert_own_words(user: SandboxUser) -> None:
    """Fail if the bot said a word of another shipped contest."""
    shown = said(user)
    assert len(shown) > 10 and any("项目" in text for text in shown)  # it sees the replies
    found = sorted({(word, text) for text in said(user) for word in FOREIGN if word in text})
    assert not found, "\n".join(f"{word!r} in: {text}" for word, text in found)


async def register(harness) -> SandboxUser:
    """Register a 镇街 unit and its contact person through a district-level invite."""
    code = await make_invite(
        harness, InviteKind.DISTRICT, label="青石镇党委", submitter_key="qingshi"
    )
    user = harness.user(1001)
    await user.send(f"/start {code}")
    assert "报送单位已预先选好：青石镇党委" in user.replies_since(0)[0].text
    await user.send("中共江川市东湖区青石镇某村委员会")
    await user.press("镇街")
    await user.send("36")
    await user.press("✅ 确认")
    for answer in ("王明", "党建办主任", "0739-5123457", "13900139000", "wangming"):
        await user.send(answer)
    await user.press("✅ 确认")
    assert "登记完成" in user.last_reply.text
    return user


async def test_the_whole_contest_speaks_its_own_words(harness):
    user = await register(harness)

    # /me: every field of the unit and contact forms, the added ones too
    await user.send("/me")
    me = user.last_reply.text
    assert "单位类型：镇街" in me and "党员人数：36" in me
    assert "企业微信号：wangming" in me and "报送单位：青石镇党委" in me

    # a new 项目 and its 申报书, field by field; no word limit: counted, never a limit
    await user.send("/start")
    await user.press("menu:cases")
    await user.press("case:new")
    await user.press("服务民生")
    await user.send("“红色驿站”进小区 服务群众零距离")
    await user.send("赵六")
    await user.send("13900139001")
    await user.send("小区居民办事难、议事难，我们在小区设立红色驿站，把服务送到家门口。")
    await user.press("✅ 完成")
    for item in ("设立驿站", "党员轮值", "议事协商"):
        await user.send(item)
    await user.send("驿站运行半年，为居民办实事两百多件，群众满意度明显提升。")
    await user.press("✅ 完成")
    await user.press("情景剧")
    review = user.last_reply.text
    assert "拟采用的展示形式：情景剧" in review
    assert "全文 " in review and "/" not in review.split("全文 ")[1].split("字")[0]
    await user.press("✅ 确认")

    # the team: the 负责人 the 申报书 names (赵六, 13900139001), the member fields it lacks
    # 待补充 and asked one after another, then shown in the team list
    await user.press("👥 项目团队")
    assert "待补充：职务、政治面貌、项目分工" in user.last_reply.text
    await user.press("📝 补全赵六的信息")
    await user.send("组织委员")
    await user.press("中共党员")
    await user.send("方案策划")
    await user.press("✅ 确认")
    view = user.last_reply.text
    assert "1. 赵六（负责人） · 组织委员 · 政治面貌：中共党员 · 项目分工：方案策划" in view
    assert "成员 1/6 人" in view
    async with services_of(harness.app).sessions() as session:
        (member,) = (await session.exec(select(TeamMember))).all()
        assert member.extra == {"political_status": "party", "duty": "方案策划"}

    # submit, export
    await user.press("↩️ 返回项目")
    await user.press("✅ 提交项目")
    assert "已提交" in user.last_reply.text
    await user.press("📄 导出 Word")
    assert user.last_reply.document["file_name"].endswith("项目申报书.docx")

    # the schedule: two stages, the overall quota, the show forms without minutes
    await user.send("/schedule")
    schedule = user.last_reply.text
    assert "项目评审初选" in schedule and "现场选拔比拼" in schedule
    assert (
        "共选取 26 个项目晋级" in schedule and "展示形式：小品、情景剧、视频、PPT均可" in schedule
    )

    # ten questions answered from this file
    for question, expected in QUESTIONS:
        mark = user.mark()
        await user.send(question)
        answer = "\n".join(m.text for m in user.replies_since(mark))
        assert all(e in answer for e in expected), (question, answer)
        assert "不太确定" not in answer and "3. " not in answer, (question, answer)

    assert_own_words(user)


QUESTIONS = [
    ("什么时候截止", ["项目评审初选截止时间", "2026年4月30日"]),
    ("比赛分几个环节", ["1. 项目评审初选", "2. 现场选拔比拼"]),
    ("多少个项目能晋级", ["26 个", "不按类别"]),
    ("现场展示什么形式", ["小品、情景剧、视频、PPT均可", "没有规定展示时长"]),
    ("市级展评是什么", ["江川市基层党建创新项目展评", "15 个"]),
    ("镇街的单位怎么报", ["镇街报送单位：青石镇党委、柳湾街道党工委、桃源街道党工委"]),
    ("负责人能换吗", ["负责人可以变更", "备案后更换"]),
    ("字数有限制吗", ["没有规定《项目申报书》的字数上限"]),
    ("有什么奖", ["优秀项目", "共 15 个", "最佳创意奖"]),
    ("有哪些类别", ["强基固本", "服务民生", "赋能发展"]),
    ("谁能参加", ["镇（街道）"]),
]


async def test_extra_fields_are_stored_for_the_unit_and_the_contact(harness):
    user = await register(harness)
    async with services_of(harness.app).sessions() as session:
        (unit,) = (await session.exec(select(Unit))).all()
        person = await telegram_person(session, 1001)
    assert unit.extra == {"unit_type": "town", "party_members": "36"}
    assert person.extra == {"wecom": "wangming"}
    assert_own_words(user)
