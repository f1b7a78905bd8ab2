"""The inbox in the real bot: updates stored before handled, each applied once, per-person
order with different people at once, direct replies retried on 5xx."""

from __future__ import annotations

import asyncio

from sqlmodel import select
from telegram import Update
from telegram.ext import MessageHandler, filters

from channels.telegram.inbox import inbox_of
from config.services import services_of
from storage import inbox as stored
from storage.models import FormProgress, InboxUpdate
from tests.db import telegram_person
from tests.flows.test_registration import make_invite

USER = 1001


async def form_values(harness, telegram_id: int) -> dict:
    async with services_of(harness.app).sessions() as session:
        person = await telegram_person(session, telegram_id)
        progress = (
            await session.exec(select(FormProgress).where(FormProgress.person_id == person.id))
        ).first()
    return dict(progress.state["values"])


async def inbox_rows(harness) -> dict[int, tuple[bool, bool]]:
    async with services_of(harness.app).sessions() as session:
        return await stored.counts(session, channel="telegram")


async def test_a_second_dispatch_of_an_applied_update_changes_nothing(harness):
    code = await make_invite(harness)
    user = harness.user(USER)
    await user.send(f"/start {code}")
    captured = []

    async def keep(update, context):
        captured.append(update)

    harness.app.add_handler(MessageHandler(filters.TEXT, keep), group=-60)
    await user.send("中共深圳市某某局机关委员会")
    assert "推荐单位" in user.last_reply.text
    before = await form_values(harness, USER)
    mark = user.mark()
    inbox = inbox_of(harness.app)
    inbox.dispatch(captured[-1])  # handled again, as a second instance would
    await inbox.idle()
    await user.refresh()
    assert await form_values(harness, USER) == before  # not stored into 推荐单位
    assert user.replies_since(mark) == []  # and nothing said: the first dispatch answered


async def test_redelivered_webhook_update_is_stored_once_and_handled_once(harness):
    code = await make_invite(harness)
    user = harness.user(USER)
    await user.send(f"/start {code}")
    captured = []

    async def keep(update, context):
        captured.append(update)

    harness.app.add_handler(MessageHandler(filters.TEXT, keep), group=-60)
    await user.send("中共深圳市某某局机关委员会")
    inbox = inbox_of(harness.app)
    assert await inbox.receive([captured[-1]]) == 0  # stored before: not handed on again
    await inbox.idle()
    assert len(captured) == 1
    rows = await inbox_rows(harness)
    assert all(done for _applied, done in rows.values()) and len(rows) == 2


async def test_people_are_handled_at_once_each_in_order(harness):
    """A slow person holds nobody up; each person's updates keep their order."""
    release = asyncio.Event()
    order: list[tuple[int, str]] = []

    async def slow_for_one(update, context):
        user_id = update.effective_user.id
        order.append((user_id, update.message.text))
        if user_id == 2001 and update.message.text == "1":
            await release.wait()  # the slow person: held until the other one is answered

    harness.app.add_handler(MessageHandler(filters.TEXT, slow_for_one), group=-60)
    slow, quick = harness.user(2001), harness.user(2002)
    slow.pump = quick.pump = None  # send without handling; the test hands them over
    for text in ("1", "2", "3"):
        await slow.send(text)
    await quick.send("/start")
    updates = await harness.app.bot.get_updates(timeout=0)
    inbox = inbox_of(harness.app)
    assert await inbox.receive(updates) == 4
    # The quick person's /start is answered while the slow one's first message still waits.
    reply = await quick.wait_for_reply()
    assert "大赛报名助手" in reply.text
    assert order == [(2001, "1"), (2002, "/start")]
    release.set()
    await inbox.idle()
    assert [text for user_id, text in order if user_id == 2001] == ["1", "2", "3"]


async def test_a_direct_reply_is_sent_again_after_a_bad_gateway(harness, sandbox_server):
    user = harness.user(USER)
    sandbox_server.config.fail_next("sendMessage", 502, times=2)
    await user.send("/start")
    assert not sandbox_server.config.failures  # both 502s were met …
    assert "大赛报名助手" in user.last_reply.text  # … and the third attempt went out


async def test_a_polled_update_is_stored_as_telegram_sent_it(harness):
    """The inbox keeps getUpdates' own JSON of each update (not the parsed one re-serialized)."""
    stored_payloads = []

    async def look(update, context):
        async with services_of(harness.app).sessions() as session:
            row = await session.get(InboxUpdate, ("telegram", update.update_id))
            stored_payloads.append(row.payload)

    harness.app.add_handler(MessageHandler(filters.TEXT, look), group=-60)
    user = harness.user(2001)
    user.pump = None  # sent, not handled: the test polls
    await user.send("ddl是几号")
    updates, payloads = await harness.app.bot.get_updates_with_payloads(
        offset=None, timeout=0, allowed_updates=[]
    )
    assert [p["update_id"] for p in payloads] == [u.update_id for u in updates]
    assert payloads[0]["message"]["text"] == "ddl是几号"
    inbox = inbox_of(harness.app)
    assert await inbox.receive(updates, payloads) == 1
    await inbox.idle()
    assert stored_payloads == payloads
    assert Update.de_json(stored_payloads[0], harness.app.bot) == updates[0]
