"""One journey, the same steps and checks, on Telegram and on 企业微信 (issue 15).

A contact person joins with an invite code, registers the unit and themself, fills in a
case (a choice, one-line fields, long text in two messages, lists, yes/no), submits it and
acknowledges a notice. Each channel's sandbox plays its messenger: the Telegram Bot API
sandbox, and the 企业微信 sandbox posting encrypted callbacks to the bot's callback URL.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Protocol

import aiohttp
import pytest
from sqlmodel import select

from handlers.notices import notice_rows
from sandbox.client import SandboxUser
from sandbox.wecom.client import WecomUser
from storage.db import transaction
from storage.invites import create_invite
from storage.models import Acknowledgement, Broadcast, Case, CaseStatus, InviteKind, TeamMember
from storage.outbox import enqueue_many
from storage.people import get_person
from tests.channels.wecom.bot import WecomBot, press, say, wecom_settings
from tests.delivery.world import services, worker
from tests.harness import Harness

pytestmark = pytest.mark.database


class Person(Protocol):
    """A contact person on one channel: types, presses, reads what came back."""

    channel: str
    external_id: str

    async def join(self, code: str) -> str: ...
    async def say(self, text: str) -> str: ...
    async def press(self, label: str) -> str: ...
    async def refresh(self) -> None: ...


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
        return self._since(mark)

    async def refresh(self) -> None:
        await self.user.refresh()

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


async def test_register_fill_a_case_submit_and_acknowledge_a_notice(
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
    await person.say("一网通办再提速 政务服务更贴心")
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
    assert "一网通办再提速" in await person.press("✅ 确认")

    async with transaction(sv.sessions) as session:
        case = (await session.exec(select(Case))).one()
        assert case.values["background"] == (
            "面对群众办事多头跑的问题，我们从流程再造入手，\n推动政务服务提速增效。"
        )
        assert case.values["innovations"][2] == "党员先锋岗，全程帮办"
        session.add(
            TeamMember(case_id=case.id, slot=1, name="李四", employment="staff", is_lead=True)
        )

    # Submit.
    assert "已提交" in await person.press("✅ 提交案例")
    async with sv.sessions() as session:
        stored = await session.get(Case, case.id)
    assert stored is not None and stored.status == CaseStatus.SUBMITTED

    # A notice through the outbox, acknowledged with its button.
    async with transaction(sv.sessions) as session:
        me = await get_person(session, channel=person.channel, external_id=person.external_id)
        assert me is not None
        notice = Broadcast(created_by=me.id or 0, text="请于周五前核对案例。", status="sending")
        session.add(notice)
        await session.flush()
        rows = notice_rows(sv.contest, notice, [me], due_at=sv.clock.now())
        assert await enqueue_many(session, messages=rows) == 1
    await worker(harness).drain()
    await person.refresh()
    await person.press("✅ 已知悉")
    async with sv.sessions() as session:
        acks = (await session.exec(select(Acknowledgement))).all()
    assert [a.person_id for a in acks] == [me.id]
