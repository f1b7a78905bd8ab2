"""企业微信 callbacks through the inbox: stored before the 200, each handled once, a restart
handles what was left open (issue 16's “every message handled exactly once”)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import aiohttp
import pytest
from sqlmodel import select

from channels.wecom.callback import InboundEvent
from sandbox.wecom.server import WecomSandboxServer
from storage import inbox as stored
from storage.models import FormProgress
from storage.people import get_person
from tests.channels.wecom.bot import WecomBot, say, texts, wecom_settings
from tests.channels.wecom.test_adapter_flows import invite_code
from tests.delivery.world import services
from tests.harness import Harness

pytestmark = pytest.mark.database

PARTY_ORG = "中共深圳市某某局机关委员会"


@pytest.fixture
def harness_options(wecom: WecomSandboxServer) -> dict[str, object]:
    """Run the bot with its 企业微信 channel on the sandbox."""
    return wecom_settings(wecom)


@pytest.fixture
async def bot(
    harness: Harness, wecom: WecomSandboxServer, http: aiohttp.ClientSession
) -> AsyncIterator[WecomBot]:
    """Return the bot as 企业微信 members see it."""
    yield WecomBot(harness, wecom, http)


async def restart(harness: Harness, bot: WecomBot) -> None:
    """Restart the bot once the claims of the stopped one ran out (several instances wait)."""
    lease = timedelta(seconds=services(harness).settings.lease_seconds)
    harness.at(harness.clock.now() + lease + timedelta(seconds=1))
    await harness.restart()
    bot.connect()
    await bot.join()


async def inbox_rows(harness: Harness) -> dict[int, tuple[bool, bool]]:
    async with services(harness).sessions() as session:
        return await stored.counts(session, channel="wecom")


async def form_values(harness: Harness, user_id: str) -> dict:
    async with services(harness).sessions() as session:
        person = await get_person(session, channel="wecom", external_id=user_id)
        assert person is not None
        query = select(FormProgress).where(FormProgress.person_id == person.id)
        progress = (await session.exec(query)).first()
    assert progress is not None
    return dict(progress.state["values"])


async def test_a_redelivered_callback_is_answered_once_even_after_a_restart(
    harness: Harness, bot: WecomBot, wecom: WecomSandboxServer
) -> None:
    member = bot.user()
    assert "我是大赛报名助手" in await say(member, "菜单")
    again = await wecom.sandbox.redeliver()  # no 200 came in time, as 企业微信 believes
    assert (again.status, again.answer) == (200, "")
    await restart(harness, bot)  # this process's memory is gone; the inbox is not
    mark = member.mark()
    again = await wecom.sandbox.redeliver()
    assert (again.status, again.answer) == (200, "")
    await bot.join()
    await member.refresh()
    assert member.replies_since(mark) == []  # answered once, in all
    assert list((await inbox_rows(harness)).values()) == [(True, True)]


async def test_a_callback_stored_but_not_handled_is_handled_after_a_restart(
    harness: Harness, bot: WecomBot
) -> None:
    member = bot.user()
    assert "第 1/3 项" in await say(member, await invite_code(harness))
    bot.service.handler.stopped = True  # the process dies right after the 200
    await member.send(PARTY_ORG)
    assert [applied for applied, _done in (await inbox_rows(harness)).values()].count(False) == 1
    mark = member.mark()
    await restart(harness, bot)
    await member.refresh()
    assert "第 2/3 项" in texts(member.replies_since(mark))  # handled, answered
    assert (await form_values(harness, member.user_id))["party_org"] == PARTY_ORG
    assert all(done for _applied, done in (await inbox_rows(harness)).values())


async def test_an_answer_applied_but_not_answered_is_not_stored_into_the_next_field(
    harness: Harness, bot: WecomBot
) -> None:
    member = bot.user()
    await say(member, await invite_code(harness))
    inbox, adapter = bot.service.inbox, bot.service.adapter
    assert inbox is not None and adapter is not None
    # Killed between the answer's commit and its reply: nothing is sent, nothing marked done.
    adapter.send = _never  # type: ignore[method-assign]
    inbox._finish = _never  # type: ignore[method-assign]  # noqa: SLF001
    assert await say(member, PARTY_ORG) == ""
    assert (await form_values(harness, member.user_id))["party_org"] == PARTY_ORG

    mark = member.mark()
    await restart(harness, bot)
    await member.refresh()
    said = texts(member.replies_since(mark))
    assert "您的上一条消息已收到并保存" in said and "第 2/3 项" in said
    # Typed again for want of a reply: not taken as the 推荐单位, the field is asked again.
    answer = await say(member, PARTY_ORG)
    assert "第 2/3 项" in answer
    assert "recommending_unit" not in await form_values(harness, member.user_id)
    assert "第 3/3 项" in await say(member, "深圳市某某局")


async def _never(*_args: object) -> None:
    """Do nothing: the process died before it."""


async def test_a_callback_that_cannot_be_stored_gets_503_and_is_handled_when_sent_again(
    bot: WecomBot, wecom: WecomSandboxServer
) -> None:
    handler = bot.service.handler
    assert handler is not None and handler.store is not None
    store = handler.store
    failures = []

    async def database_down_once(event: InboundEvent, plaintext: str) -> bool:
        if not failures:
            failures.append(event.dedupe_key)
            raise OSError("connection refused")
        return await store(event, plaintext)

    handler.store = database_down_once
    wecom.config.redeliveries = 3  # as 企业微信: again after an answer that is no 200
    member = bot.user()
    assert "我是大赛报名助手" in await say(member, "菜单")
    first, again = wecom.sandbox.deliveries[-2:]
    assert (first.status, again.status, again.answer) == (503, 200, "")
    assert texts(member.messages()).count("我是大赛报名助手") == 1
