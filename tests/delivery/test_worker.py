"""The delivery worker: retries, 429s, unreachable people, pacing, restarts, waking."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from delivery import wake
from delivery.worker import MAX_ATTEMPTS
from storage.db import transaction
from storage.models import DeliveryStatus, OutboxMessage, Person
from storage.outbox import enqueue
from tests.db import telegram_person
from tests.delivery.world import add_unit, bot_texts, services, worker


@pytest.fixture
def harness_options() -> dict[str, object]:
    """A faster per-chat pace, so that several messages to one chat do not take seconds."""
    return {"send_rate_per_chat": 5.0}


async def put(harness, telegram_id: int, text: str, key: str, **extra) -> None:
    """Write one outbox row for the person with this Telegram id (no wake)."""
    async with transaction(services(harness).sessions) as session:
        person = await telegram_person(session, telegram_id)
        await enqueue(
            session, person_id=person.id or 0, kind="test",
            dedupe_key=key, text=text, due_at=harness.clock.now(), **extra,
        )  # fmt: skip


async def row(harness, key: str) -> OutboxMessage:
    async with services(harness).sessions() as session:
        query = select(OutboxMessage).where(OutboxMessage.dedupe_key == key)
        return (await session.exec(query)).one()


async def person(harness, telegram_id: int) -> Person:
    async with services(harness).sessions() as session:
        return await telegram_person(session, telegram_id)


async def test_server_errors_are_retried_with_backoff(harness):
    await add_unit(harness, contacts=[6001])
    await put(harness, 6001, "第一条", "k1")
    harness.server.config.fail_next("sendMessage", 502)
    await worker(harness).drain()
    stored = await row(harness, "k1")
    assert (stored.status, stored.attempts) == (DeliveryStatus.PENDING, 1)
    assert stored.due_at == harness.clock.now() + timedelta(seconds=30)
    assert await worker(harness).drain() == 0  # not due yet
    harness.clock.advance(timedelta(seconds=30))
    await worker(harness).drain()
    assert (await row(harness, "k1")).status == DeliveryStatus.SENT
    assert bot_texts(harness, 6001) == ["第一条"]


async def test_network_errors_give_up_after_a_bounded_number_of_attempts(harness):
    await add_unit(harness, contacts=[6002])
    await put(harness, 6002, "发不出去", "k2")
    harness.server.config.fail_next("sendMessage", 500, times=MAX_ATTEMPTS)
    for _ in range(MAX_ATTEMPTS):
        await worker(harness).drain()
        harness.clock.advance(timedelta(minutes=10))
    stored = await row(harness, "k2")
    assert (stored.status, stored.attempts) == (DeliveryStatus.FAILED, MAX_ATTEMPTS)
    assert bot_texts(harness, 6002) == []


async def test_a_429_pauses_then_sends_the_same_message_once(harness):
    await add_unit(harness, contacts=[6003])
    await put(harness, 6003, "限流后重发", "k3")
    harness.server.config.fail_next("sendMessage", 429, retry_after=1)
    before = worker(harness).stats.throttled
    await worker(harness).drain()
    assert worker(harness).stats.throttled == before + 1
    stored = await row(harness, "k3")
    assert (stored.status, stored.attempts) == (DeliveryStatus.SENT, 1)
    assert bot_texts(harness, 6003) == ["限流后重发"]


async def test_blocked_and_unknown_chats_make_people_unreachable(harness):
    await add_unit(harness, contacts=[6004, 6005])
    await harness.user(6004).set_blocked()
    del harness.server.state.chats[6005]  # the sandbox never saw this user: chat not found
    await put(harness, 6004, "屏蔽了", "k4")
    await put(harness, 6005, "不存在", "k5")
    await worker(harness).drain()
    assert (await row(harness, "k4")).status == DeliveryStatus.UNREACHABLE
    assert (await row(harness, "k5")).status == DeliveryStatus.UNREACHABLE
    assert (await person(harness, 6004)).unreachable
    assert (await person(harness, 6005)).unreachable
    await harness.user(6004).send("/start")  # writing again shows the chat works
    assert not (await person(harness, 6004)).unreachable


async def test_a_message_telegram_refuses_fails_at_once(harness):
    await add_unit(harness, contacts=[6006])
    await put(harness, 6006, "<b>没有闭合", "k6")
    await worker(harness).drain()
    stored = await row(harness, "k6")
    assert (stored.status, stored.attempts) == (DeliveryStatus.FAILED, 1)
    assert "parse entities" in stored.error


async def test_messages_to_one_chat_are_paced_and_keep_their_order(harness):
    await add_unit(harness, contacts=[6007])
    for number in range(1, 4):
        await put(harness, 6007, f"第{number}条", f"k7-{number}")
    assert await worker(harness).drain() == 3
    assert bot_texts(harness, 6007) == ["第1条", "第2条", "第3条"]


async def test_pending_rows_survive_a_restart(harness):
    await add_unit(harness, contacts=[6008])
    for number in range(3):
        await put(harness, 6008, f"重启后{number}", f"k8-{number}")
    await harness.restart()
    await worker(harness).drain()
    assert bot_texts(harness, 6008) == ["重启后0", "重启后1", "重启后2"]


async def test_written_rows_wake_the_worker(harness):
    await add_unit(harness, contacts=[6009])
    await put(harness, 6009, "唤醒", "k9")
    wake(services(harness))
    state = harness.server.state
    assert await state.wait_until(lambda: bot_texts(harness, 6009) == ["唤醒"], timeout=10)
