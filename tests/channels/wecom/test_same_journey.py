"""One journey, the same steps and checks, on Telegram and on 企业微信 (issue 15).

A contact person joins with an invite code, registers the unit and themself, fills in a
case (a choice, one-line fields, long text in two messages, lists, yes/no), builds its
team, gives the 依据 for a restricted word, exports the .docx and imports it again, asks a
question, gets a deadline reminder, submits, and gets an organizer's notice and
acknowledges it. Everything goes through the person's chat (the organizer's notice through
the organizer's, on Telegram). Each channel's sandbox plays its messenger: the Telegram
Bot API sandbox, and the 企业微信 sandbox posting encrypted callbacks to the bot's callback
URL.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Protocol

import aiohttp
import pytest
from sqlmodel import select

from contest.document import parse_document
from handlers.reminders import remind
from sandbox.client import SandboxUser
from sandbox.wecom.client import WecomUser
from storage.db import transaction
from storage.invites import create_invite
from storage.models import Acknowledgement, Case, CaseStatus, InviteKind, TeamMember
from storage.people import get_person
from tests.channels.wecom.bot import WecomBot, press, say, texts, wecom_settings
from tests.conftest import BEIJING
from tests.delivery.world import services, worker
from tests.harness import Harness

pytestmark = pytest.mark.database

TITLE = "首创一网通办新机制"
EVIDENCE = "经市政务服务数据管理局认定，本市首次推行。"


class Person(Protocol):
    """A contact person on one channel: types, presses, reads what came back."""

    channel: str
    external_id: str

    async def join(self, code: str) -> str: ...
    async def say(self, text: str) -> str: ...
    async def press(self, label: str) -> str: ...
    async def refresh(self) -> None: ...
    async def menu(self) -> str: ...
    async def upload(self, file_name: str, data: bytes) -> str: ...
    async def newest_file(self) -> tuple[str, bytes]: ...
    def received(self) -> str: ...


class OnTelegram:
    """The person in the Telegram sandbox: an invite is /start CODE, as its t.me link sends."""

    channel = "telegram"

    def __init__(self, user: SandboxUser) -> None:
        self.user = user
        self.external_id = str(user.user_id)

    async def join(self, code: str) -> str:
        return await self.say(f"/start {code}")

    async def say(self, text: str) -> str:
        mark = self.user.mark()
        await self.user.send(text)
        return self._since(mark)

    async def press(self, label: str) -> str:
        target = next(
            m for m in reversed(self.user.messages())
            if m.from_bot and label in m.button_labels()
        )  # fmt: skip
        mark = self.user.mark()
        await self.user.press(label, target)
        edited = next(m for m in self.user.messages() if m.message_id == target.message_id)
        since = self._since(mark)  # new messages; a press may also edit its message in place
        return "\n".join(t for t in (edited.text if edited.html != target.html else "", since) if t)

    async def refresh(self) -> None:
        await self.user.refresh()

    async def menu(self) -> str:
        return await self.say("/start")

    async def upload(self, file_name: str, data: bytes) -> str:
        mark = self.user.mark()
        await self.user.upload(file_name, data)
        return self._since(mark)

    async def newest_file(self) -> tuple[str, bytes]:
        message = next(
            m for m in reversed(self.user.messages()) if m.from_bot and m.document is not None
        )
        assert message.document is not None
        return str(message.document["file_name"]), await self.user.download(message)

    def received(self) -> str:
        return "\n".join(m.text for m in self.user.messages() if m.from_bot)

    def _since(self, mark: int) -> str:
        return "\n".join(m.text for m in self.user.replies_since(mark))


class OnWecom:
    """The person in the 企业微信 sandbox: an invite code is typed into the app's chat."""

    channel = "wecom"

    def __init__(self, user: WecomUser) -> None:
        self.user = user
        self.external_id = user.user_id

    async def join(self, code: str) -> str:
        return await say(self.user, code)

    async def say(self, text: str) -> str:
        return await say(self.user, text)

    async def press(self, label: str) -> str:
        return await press(self.user, label)

    async def refresh(self) -> None:
        await self.user.refresh()

    async def menu(self) -> str:
        return await say(self.user, "菜单")

    async def upload(self, file_name: str, data: bytes) -> str:
        mark = self.user.mark()
        await self.user.upload(file_name, data)
        return texts(self.user.replies_since(mark))

    async def newest_file(self) -> tuple[str, bytes]:
        message = next(m for m in reversed(self.user.messages()) if m.kind == "file")
        return message.file_name, await self.user.download(message)

    def received(self) -> str:
        return texts(self.user.messages())


@pytest.fixture(params=["telegram", "wecom"])
def channel(request: pytest.FixtureRequest) -> str:
    """Run each test once per channel."""
    return str(request.param)


@pytest.fixture
def harness_options(channel: str, request: pytest.FixtureRequest) -> dict[str, object]:
    """Turn the bot's 企业微信 channel on, on the sandbox, when the journey runs there."""
    return wecom_settings(request.getfixturevalue("wecom")) if channel == "wecom" else {}


@pytest.fixture
async def person(
    channel: str, harness: Harness, request: pytest.FixtureRequest
) -> AsyncIterator[Person]:
    """Return the contact person on this test's channel."""
    if channel == "telegram":
        yield OnTelegram(harness.user(1002))
        return
    async with aiohttp.ClientSession() as http:
        yield OnWecom(WecomBot(harness, request.getfixturevalue("wecom"), http).user())


async def _invite(harness: Harness) -> str:
    sv = services(harness)
    now = sv.clock.now()
    async with transaction(sv.sessions) as session:
        invite = await create_invite(
            session, kind=InviteKind.UNIT, label="深圳市某某局", created_by=None,
            expires_at=now + timedelta(days=30), now=now,
        )  # fmt: skip
    return invite.code


async def test_the_whole_journey_of_a_contact_person(
    harness: Harness, person: Person
) -> None:
    sv = services(harness)
    # Join and register: the unit form (a choice by button), the contact form.
    assert "参赛单位登记 · 第 1/3 项" in await person.join(await _invite(harness))
    await person.say("中共深圳市某某局机关委员会")
    await person.say("深圳市某某局")
    assert "请核对" in await person.press("市直机关工委")
    assert "联系人信息" in await person.press("✅ 确认")
    await person.say("张三")
    await person.say("办公室副主任")
    answer = await person.say("88134325")  # no area code: the contest's is added, kept
    assert "补全为 0755-88134325" in answer
    await person.press("保留原内容")
    await person.say("13800138000")
    assert "登记完成" in await person.press("✅ 确认")

    # The case form: category, title, the lead, long text in two messages, two lists, yes/no.
    assert "参赛案例说明书 · 第 1/15 项" in await person.press("➕ 新建案例")
    await person.press("发展提质")
    await person.say(TITLE)  # 首创: a restricted word, to be backed by 依据
    for value in ("李四", "二级主任科员", "0755-88134324", "13800138002"):
        await person.say(value)
    await person.say("面对群众办事多头跑的问题，我们从流程再造入手，")
    await person.say("推动政务服务提速增效。")
    await person.press("✅ 完成")
    for item in ("流程再造，一窗受理", "数据共享，免交材料", "党员先锋岗，全程帮办"):
        await person.say(item)
    for item in ("办理时限压缩一半", "群众满意度明显提升", "做法在全市推开"):
        await person.say(item)
    assert "请核对" in await person.press("否")
    assert TITLE in await person.press("✅ 确认")
    async with sv.sessions() as session:
        case = (await session.exec(select(Case))).one()
    assert case.values["background"] == (
        "面对群众办事多头跑的问题，我们从流程再造入手，\n推动政务服务提速增效。"
    )
    assert case.values["innovations"][2] == "党员先锋岗，全程帮办"

    # The team: the 牵头人 typed in the 说明书 is its lead; the member form adds 用工性质.
    assert "待补充：用工性质" in await person.press("👥 项目团队")
    await person.press("📝 补全李四的信息")
    await person.press("在编")
    assert "已更新李四的信息" in await person.press("✅ 确认")
    async with sv.sessions() as session:
        (lead,) = (await session.exec(select(TeamMember))).all()
    assert (lead.name, lead.is_lead, lead.case_id) == ("李四", True, case.id)

    # The restricted word and its 依据, the next message.
    await person.press("↩️ 返回案例")
    assert "首创" in await person.press("⚠️ 处理用词（1）")
    assert "请发送「首创」的依据" in await person.press("📎 第 1 处：补充依据")
    assert "已记录「首创」的依据" in await person.say(EVIDENCE)
    async with sv.sessions() as session:
        stored = await session.get(Case, case.id)
    assert stored is not None and list(stored.evidence.values()) == [EVIDENCE]

    # The .docx out, and back in.
    await open_case(person)
    await person.press("📄 导出 Word")
    file_name, data = await person.newest_file()
    assert file_name.endswith(".docx") and TITLE in file_name
    exported = parse_document(sv.contest, data, today=sv.clock.now().date())
    assert exported.values["title"] == TITLE
    await open_case(person)
    assert "Word 文件" in await person.press("📥 上传 Word")
    answer = await person.upload("改过的.docx", data)
    assert "从文件中读到" in answer and f"案例名称：{TITLE}" in answer

    assert TITLE in await person.press("✅ 确认")

    # Questions, answered from the contest: inside a form (the field asked again) and not.
    await open_case(person)
    await person.press("✏️ 填写/修改")
    answer = await person.say("？字数要求")
    assert "3000" in answer and "请核对" in answer
    await person.press("✅ 确认")
    assert "截止" in await person.say("文本申报几号截止")

    # A deadline reminder: the case is not submitted yet.
    harness.at(datetime(2024, 7, 8, 10, 0, tzinfo=BEIJING))  # seven days before
    assert (await remind(sv)).written == 1
    await worker(harness).drain()
    await person.refresh()
    assert "「文本申报」截止提醒" in person.received()

    # Submit.
    await open_case(person)
    assert "已提交" in await person.press("✅ 提交案例")
    async with sv.sessions() as session:
        stored = await session.get(Case, case.id)
    assert stored is not None and stored.status == CaseStatus.SUBMITTED

    # The organizer's notice through the outbox, acknowledged with its button.
    organizer = harness.organizer()
    await organizer.send("/broadcast")
    await organizer.send("请于周五前核对案例。")
    await organizer.press("👥 全体用户")
    await organizer.press("✅ 确认发送")
    await worker(harness).drain()
    await person.refresh()
    assert "请于周五前核对案例。" in person.received()
    await person.press("✅ 已知悉")
    async with transaction(sv.sessions) as session:
        me = await get_person(session, channel=person.channel, external_id=person.external_id)
        acks = (await session.exec(select(Acknowledgement))).all()
    assert me is not None and [a.person_id for a in acks] == [me.id]


async def open_case(person: Person) -> str:
    """Open the case's card from the main menu."""
    await person.menu()
    await person.press("📋 我的案例")
    return await person.press(f"📄 {TITLE}")
