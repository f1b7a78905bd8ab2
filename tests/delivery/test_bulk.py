"""A notice to 1,000 simulated users through the rate-limited sandbox, across restarts.

The sandbox enforces a global limit (scaled down: 150 messages/s, burst 30) and the worker
is set to send a little faster (165/s), so Telegram's 429s really happen and must be handled. The
users are written straight into the database and made known to the sandbox.
"""

from __future__ import annotations

from collections import Counter

import pytest
from sqlmodel import select

from sandbox.config import RateLimit, SandboxConfig
from storage.models import DeliveryStatus, OutboxMessage
from tests.delivery.world import add_people, services, worker
from tests.flows.test_broadcast import NOTICE, write_notice

USERS = range(100_000, 101_000)
BLOCKED = set(range(100_000, 101_000, 50))  # 20 of them blocked the bot
# Seconds at most to wait for the first few hundred sends: a bound, not a pace. On a loaded
# machine PostgreSQL's commits make a send take 0.1 s (300 sends once took 35 s against 30).
WAIT = 300.0


@pytest.fixture
def sandbox_config() -> SandboxConfig:
    """Telegram's global limit, scaled so that the test stays short."""
    return SandboxConfig(global_rate=RateLimit(150, 30), per_chat_rate=RateLimit(1, 5))


@pytest.fixture
def harness_options() -> dict[str, object]:
    """A worker set a little faster than the sandbox allows."""
    return {"send_rate": 165.0, "send_rate_per_chat": 1.0}


def copies(harness, users=USERS) -> Counter[int]:
    """Count the notices each user's chat holds."""
    state = harness.server.state
    found: Counter[int] = Counter()
    for uid in users:
        chat = state.chats[uid]
        notices = [m for m in chat.messages.values() if m.from_bot and NOTICE in (m.text or "")]
        found[uid] = len(notices)
    return found


async def start_notice(harness, users=USERS) -> None:
    """Write the users, then have the organizer send a notice to everyone."""
    await add_people(harness, users)
    for uid in BLOCKED & set(users):
        harness.server.state.users[uid].blocked = True
    organizer = harness.organizer()
    await write_notice(harness, organizer)
    await organizer.press("👥 全体用户")
    assert f"共 {len(users)} 人" in organizer.last_reply.text
    await organizer.press("✅ 确认发送")


async def test_thousand_users_each_get_exactly_one_copy_across_a_restart(harness):
    await start_notice(harness)
    # The sandbox's limit is hit only when the worker outpaces it, which a loaded machine may
    # not: a 429 injected into the sends proves the handling whatever the machine's speed.
    harness.server.config.fail_next("sendMessage", 429, retry_after=1)
    state = harness.server.state
    assert await state.wait_until(lambda: sum(copies(harness).values()) >= 300, timeout=WAIT)
    throttled = worker(harness).stats.throttled
    await harness.restart()  # the worker stops after the sends in flight
    halfway = sum(copies(harness).values())
    assert 300 <= halfway < 1000 - len(BLOCKED)
    await worker(harness).drain()
    throttled += worker(harness).stats.throttled

    found = copies(harness)
    assert {uid: n for uid, n in found.items() if n != 1 and uid not in BLOCKED} == {}
    assert all(found[uid] == 0 for uid in BLOCKED)
    assert throttled > 0, "the sandbox's limit was never hit: the test proves nothing"
    async with services(harness).sessions() as session:
        rows = (await session.exec(select(OutboxMessage))).all()
    statuses = Counter(row.status for row in rows)
    assert statuses == {DeliveryStatus.SENT: 980, DeliveryStatus.UNREACHABLE: 20}
    organizer = harness.organizer()
    await organizer.refresh()
    report = organizer.last_reply.text
    assert "已发送完毕" in report and "送达 980 人" in report and "无法送达 20 人" in report


async def test_a_crash_in_the_middle_duplicates_at_most_the_sends_in_flight(harness):
    harness.server.config.global_rate = None
    users = range(100_000, 100_400)
    await start_notice(harness, users)
    state = harness.server.state
    assert await state.wait_until(lambda: sum(copies(harness, users).values()) >= 150, WAIT)
    worker(harness).abort()  # sends in flight are cut off: their outcome is never recorded
    await harness.restart()
    await worker(harness).drain()
    found = copies(harness, users)
    reachable = [uid for uid in users if uid not in BLOCKED]
    assert all(found[uid] in (1, 2) for uid in reachable)
    assert sum(found[uid] - 1 for uid in reachable) <= services(harness).settings.send_concurrency
    assert all(found[uid] == 0 for uid in BLOCKED)
