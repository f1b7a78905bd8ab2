"""Two delivery workers on one PostgreSQL, as two instances would run them: Telegram's
1 message per second per chat holds across both (the sandbox answers 429 otherwise)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from delivery import wake
from delivery.worker import DeliveryWorker
from sandbox.config import RateLimit, SandboxConfig
from storage.db import transaction
from storage.outbox import enqueue
from tests.db import POSTGRES_URL, telegram_person
from tests.delivery.world import add_unit, bot_texts, services, worker

pytestmark = [
    pytest.mark.database,
    pytest.mark.skipif(not POSTGRES_URL, reason="several instances need PostgreSQL"),
]

CHATS = (7101, 7102, 7103, 7104)
EACH = 4  # messages to every chat
WAIT = 120.0  # seconds at most for the sending (a bound, not a pace)


@pytest.fixture
def sandbox_config() -> SandboxConfig:
    """Telegram's pace per chat without a burst: a second send within 1 s is refused."""
    return SandboxConfig(per_chat_rate=RateLimit(1, 1))


async def test_two_workers_keep_one_message_per_second_to_each_chat(harness):
    await add_unit(harness, contacts=CHATS)
    async with transaction(services(harness).sessions) as session:
        for uid in CHATS:
            person = await telegram_person(session, uid)
            for n in range(EACH):
                await enqueue(
                    session, person_id=person.id or 0, kind="test", dedupe_key=f"{uid}:{n}",
                    text=f"第{n + 1}条", due_at=harness.clock.now(),
                )  # fmt: skip
    first = worker(harness)
    second = DeliveryWorker(first.channels, services(harness))  # another instance's worker
    second.start()
    try:
        wake(services(harness))
        done = await harness.server.state.wait_until(
            lambda: all(len(bot_texts(harness, uid)) == EACH for uid in CHATS), WAIT
        )
        assert done, {uid: bot_texts(harness, uid) for uid in CHATS}
    finally:
        await second.stop()
        await second.release()
    assert {uid: bot_texts(harness, uid) for uid in CHATS} == {
        uid: [f"第{n + 1}条" for n in range(EACH)] for uid in CHATS
    }  # each once, in order
    assert first.stats.throttled + second.stats.throttled == 0  # never two within 1 s
    assert first.stats.sent and second.stats.sent  # both instances did part of the sending


async def test_a_worker_whose_lease_ran_out_leaves_the_row_to_the_one_that_took_it(harness):
    await add_unit(harness, contacts=[7201])
    async with transaction(services(harness).sessions) as session:
        person = await telegram_person(session, 7201)
        await enqueue(
            session, person_id=person.id or 0, kind="test", dedupe_key="lease",
            text="只发一次", due_at=harness.clock.now(),
        )  # fmt: skip
    await worker(harness).stop()  # two workers of our own, driven step by step
    slow, other = (DeliveryWorker(worker(harness).channels, services(harness)) for _ in "ab")
    lease = services(harness).settings.lease_seconds
    [(row, account)] = await slow._claim()
    harness.clock.advance(timedelta(seconds=lease + 1))  # the slow one stalled past its lease
    [(taken, _)] = await other._claim()
    assert taken.id == row.id
    now = asyncio.get_running_loop().time()
    await slow._deliver(row, account, asyncio.Semaphore(), claimed=now - lease)
    assert bot_texts(harness, 7201) == []  # its renewal failed: it did not send
    await other._deliver(taken, account, asyncio.Semaphore(), claimed=now)
    assert bot_texts(harness, 7201) == ["只发一次"]
