"""Several bot instances on one PostgreSQL: a broadcast shared without double sends at the
overall pace, a kill -9 mid-broadcast, the leader election; SQLite refuses a second one.

The broadcast runs at the shipped pace settings (``SEND_RATE``, ``SEND_CONCURRENCY``): one
unconfirmed send per instance, so a kill repeats at most one message."""

from __future__ import annotations

import collections
import signal
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import col, select

from bot.leader import Leader
from config.services import Services
from config.settings import Settings
from contest.definition import load_contest
from contest.reminders import stage_slots
from delivery import worker
from sandbox.config import SandboxConfig
from storage.db import AnotherInstance, create_engine, hold_single_instance, transaction
from storage.models import Account, Broadcast, DeliveryStatus, OutboxMessage, Person, Unit
from storage.outbox import enqueue_many
from tests.bot import test_crash
from tests.bot.test_crash import BotProcess, until
from tests.conftest import DEFAULT_CONTEST, DURING_SUBMISSION
from tests.db import POSTGRES_URL, telegram_account

pytestmark = pytest.mark.database
database = test_crash.database  # the fixture: a migrated, empty database
postgres_only = pytest.mark.skipif(not POSTGRES_URL, reason="several instances need PostgreSQL")

RECIPIENTS = 1000
SHIPPED = Settings.model_fields
RATE = float(SHIPPED["send_rate"].default)  # messages/s overall, as shipped (25)
BURST = max(1.0, RATE * worker.BURST)  # what the shared bucket may store
IN_FLIGHT = int(SHIPPED["send_concurrency"].default)  # per instance, as shipped (1)
WAIT = 300.0  # seconds at most for a broadcast (a bound, not a pace)


@pytest.fixture
def sandbox_config() -> SandboxConfig:
    """Telegram's own limit: 30 messages/s overall, a burst of 30."""
    return SandboxConfig(known_users=tuple(range(8000, 8000 + RECIPIENTS)))


async def _broadcast_to_everyone(sessions) -> None:
    async with transaction(sessions) as session:
        people = [Person(display_name="") for _ in range(RECIPIENTS)]
        session.add_all(people)
        await session.flush()
        session.add_all(
            Account(person_id=p.id, channel="telegram", external_id=str(8000 + i),
                    chat_id=str(8000 + i))
            for i, p in enumerate(people)
        )  # fmt: skip
        broadcast = Broadcast(created_by=people[0].id, text="通知", status="sending")
        session.add(broadcast)
        await session.flush()
        await enqueue_many(
            session,
            messages=[
                {"person_id": p.id, "kind": "broadcast", "dedupe_key": f"b:{p.id}",
                 "text": "关于报送材料的通知", "due_at": DURING_SUBMISSION,
                 "broadcast_id": broadcast.id}
                for p in people
            ],
        )  # fmt: skip


def _record_sends(sandbox_server) -> list[tuple[float, int]]:
    """Note the moment and chat of every send the sandbox takes."""
    sends: list[tuple[float, int]] = []
    check = sandbox_server.state.check_rate

    def counted(chat_id: int) -> None:
        try:
            check(chat_id)
        except Exception:
            sends.append((time.monotonic(), -1))  # a 429: over the sandbox's overall limit
            raise
        sends.append((time.monotonic(), chat_id))

    sandbox_server.state.check_rate = counted
    return sends


def _grants(logs: list[Path]) -> list[tuple[float, int]]:
    """Read the instances' grants of the shared bucket: (its moment, tokens), in order."""
    grants = []
    for path in logs:
        for line in path.read_text(encoding="utf-8").splitlines():
            moment, tokens = line.split()
            grants.append((float(moment), int(tokens)))
    return sorted(grants)


def _busiest_second(grants: list[tuple[float, int]]) -> int:
    """Return the most tokens the bucket granted within one second (by its own clock)."""
    most, start, inside = 0, 0, 0
    for moment, tokens in grants:
        inside += tokens
        while moment - grants[start][0] >= 1.0:
            inside -= grants[start][1]
            start += 1
        most = max(most, inside)
    return most


async def _pending(sessions) -> int:
    async with sessions() as session:
        query = select(func.count()).where(OutboxMessage.status == DeliveryStatus.PENDING)
        return (await session.exec(query)).one()


def _instances(sandbox_server, url: str, logs: list[Path]) -> list[BotProcess]:
    processes = []
    for log in logs:
        process = BotProcess(sandbox_server, url)
        process.env.update(
            LEASE_SECONDS="5",  # longer than any send on a loaded machine; a takeover waits it
            TESTBED_PACE_LOG=str(log),
        )
        processes.append(process)
    return processes


@postgres_only
async def test_two_instances_share_a_broadcast_and_one_is_killed_mid_way(
    sandbox_server, database, tmp_path
):
    """1,000 recipients, two instances: one copy each at the overall pace; kill -9 of one
    of them a third of the way: the survivor takes its leases over and finishes."""
    url, sessions = database
    await _broadcast_to_everyone(sessions)
    sends = _record_sends(sandbox_server)
    logs = [tmp_path / "grants-0", tmp_path / "grants-1"]
    doomed, survivor = instances = _instances(sandbox_server, url, logs)
    try:
        started = time.monotonic()
        for instance in instances:
            instance.start()

        async def under_way() -> bool:
            return len(sends) >= RECIPIENTS // 3

        await until(under_way, "a third sent", WAIT)
        doomed.process.send_signal(signal.SIGKILL)  # mid-broadcast, its leases in hand
        assert await doomed.exited() == -signal.SIGKILL
        before_kill = collections.Counter(chat for _, chat in sends)
        assert set(before_kill.values()) == {1}  # two instances, never the same row twice

        async def all_sent() -> bool:
            return await _pending(sessions) == 0

        await until(all_sent, "the survivor finished", WAIT)
        took = time.monotonic() - started
        assert await survivor.stop() == 0
        copies = collections.Counter(chat for _, chat in sends)
        assert copies.pop(-1, 0) == 0  # no 429: the sandbox never found the pace over
        assert len(copies) == RECIPIENTS  # nobody missed
        duplicates = sum(n - 1 for n in copies.values())
        assert duplicates <= IN_FLIGHT == 1  # the killed instance's one unconfirmed send
        # Every send spent a token of the shared bucket, and the bucket never granted more
        # than a second's worth plus its burst within one second of its own clock.
        grants = _grants(logs)
        assert sum(tokens for _, tokens in grants) >= len(sends)
        busiest = _busiest_second(grants)
        assert busiest <= RATE + BURST
        moments = sorted(t for t, _chat in sends)
        print(
            f"2 instances, {RECIPIENTS} recipients, one killed after {len(before_kill)}: "
            f"{duplicates} duplicate(s); busiest second {busiest} tokens granted (limit "
            f"{RATE:.0f}/s + burst {BURST:.0f}); {len(sends)} sends in "
            f"{moments[-1] - moments[0]:.1f} s; all sent {took:.1f} s after start"
        )
    finally:
        doomed.kill()
        survivor.kill()


REMINDED = tuple(range(8500, 8510))  # one contact each of ten units without a case
LEASE = 6.0  # LEASE_SECONDS of the reminder test: the hand-over must come within it
# The second reminder (3 days before the deadline) falls due this long after the instances
# start: time enough for both to start and send the first one on a loaded machine (52 s at
# load average 13 on two cores).
AHEAD = timedelta(seconds=90)


async def _units_to_remind(sessions) -> dict[int, int]:
    """Write ten units, each with a contact person and no case; return person id → chat."""
    async with transaction(sessions) as session:
        people = {}
        for uid in REMINDED:
            unit = Unit(
                party_org=f"单位{uid}", recommending_unit=f"单位{uid}", submitter_key="city",
                registered=True,
            )  # fmt: skip
            session.add(unit)
            await session.flush()
            person = Person(display_name="", name="", unit_id=unit.id, profile_done=True)
            session.add(person)
            await session.flush()
            session.add(telegram_account(person.id or 0, uid))
            people[person.id or 0] = uid
    return people


async def _sent_keys(sessions) -> collections.Counter[str]:
    async with sessions() as session:
        query = select(OutboxMessage.dedupe_key).where(OutboxMessage.status == DeliveryStatus.SENT)
        return collections.Counter((await session.exec(query)).all())


async def _moments(sessions, prefix: str) -> tuple[datetime, datetime]:
    """Return when the first of these rows was written (its due moment) and the last sent."""
    async with sessions() as session:
        query = select(func.min(OutboxMessage.due_at), func.max(OutboxMessage.sent_at)).where(
            col(OutboxMessage.dedupe_key).startswith(prefix)
        )
        written, sent = (await session.exec(query)).one()
    return _utc(written), _utc(sent)


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


@postgres_only
async def test_two_instances_send_a_reminder_once_and_the_survivor_of_the_leader_goes_on(
    sandbox_server, database, tmp_path
):
    """Ten units lack a case. Two instances start after the 7-day reminder's moment: it is
    sent once to each. The leader is killed before the 3-day reminder's moment; the other
    instance leads within the lease and sends that one, once to each, at its moment."""
    url, sessions = database
    contest = load_contest(DEFAULT_CONTEST)
    stage = next(s for s in contest.stages if s.key == "submission")
    slots = {slot.offset: slot for slot in stage_slots(contest, stage)}
    second = slots["3d"].moment
    people = await _units_to_remind(sessions)
    for uid in REMINDED:
        sandbox_server.state.ensure_user(uid)
    files = [tmp_path / "leading-0", tmp_path / "leading-1"]
    instances = []
    for file in files:
        process = BotProcess(sandbox_server, url)
        process.clock_start = second - AHEAD  # the 7-day reminder is due, the 3-day ahead
        process.env.update(LEASE_SECONDS=str(LEASE), TESTBED_LEADER_FILE=str(file))
        instances.append(process)
    try:
        started = time.monotonic()
        for instance in instances:
            instance.start()

        def sent(offset: str) -> set[str]:
            return {f"rem:submission:{offset}:{pid}" for pid in people}

        async def first_sent() -> bool:
            return sent("7d") <= set(await _sent_keys(sessions))

        await until(first_sent, "the 7-day reminder sent", WAIT)

        async def both_tried() -> bool:  # a loaded machine may start the second one late
            return all(f.exists() for f in files)

        await until(both_tried, "both instances trying to lead", WAIT)
        leading = [f.read_text() == "1" for f in files]
        assert leading.count(True) == 1  # one leader among the two
        leader, survivor = (0, 1) if leading[0] else (1, 0)
        instances[leader].process.send_signal(signal.SIGKILL)
        killed = time.monotonic()
        assert await instances[leader].exited() == -signal.SIGKILL
        # The kill came before the 3-day reminder's moment on either instance's clock.
        margin = AHEAD.total_seconds() - (killed - started)
        assert margin > 0, "the machine was too slow to start"

        async def survivor_leads() -> bool:
            return files[survivor].read_text() == "1"

        await until(survivor_leads, "the survivor leading", LEASE)  # within the lease
        elected = time.monotonic() - killed

        async def second_sent() -> bool:
            return sent("3d") <= set(await _sent_keys(sessions))

        await until(second_sent, "the 3-day reminder sent", WAIT)
        assert await instances[survivor].stop() == 0
        # On the survivor's own clock: when it wrote the 3-day reminders, when it sent them.
        written, delivered = await _moments(sessions, "rem:submission:3d:")
        assert timedelta(0) <= written - second <= timedelta(seconds=LEASE)
        keys = await _sent_keys(sessions)
        assert set(keys) == sent("7d") | sent("3d") and set(keys.values()) == {1}
        for uid in REMINDED:
            chat = sandbox_server.state.chats[uid]
            assert len([m for m in chat.messages.values() if m.from_bot]) == 2  # each once
        print(
            f"reminders: {len(people)} recipients; the leader killed {margin:.1f} s "
            f"before the 3-day moment; the survivor led {elected:.2f} s after the kill "
            f"(lease {LEASE:.0f} s), wrote the 3-day reminders "
            f"{(written - second).total_seconds():.2f} s after their moment and sent the last "
            f"{(delivered - second).total_seconds():.2f} s after it"
        )
    finally:
        for instance in instances:
            instance.kill()


class _Settings:
    lease_seconds = 0.3


@postgres_only
async def test_the_survivor_takes_the_lead_when_the_leader_dies(database):
    url, _sessions = database
    engines = [create_engine(url), create_engine(url)]
    elected: list[int] = []

    def leader(index: int) -> Leader:
        services = Services(
            settings=_Settings(), contest=None, clock=None, engine=engines[index],  # type: ignore[arg-type]
            sessions=None,  # type: ignore[arg-type]
        )  # fmt: skip

        async def on_elected() -> None:
            elected.append(index)

        return Leader(services, on_elected)

    first, second = leader(0), leader(1)
    try:
        await first.start()
        await second.start()
        assert first.leading and not second.leading
        await first._connection.invalidate()  # its connection dies, as in a crash
        first._task.cancel()

        async def second_leads() -> bool:
            return second.leading

        await until(second_leads, "the survivor leading")
        assert elected == [1]  # and it caught up on what the dead one may have missed
    finally:
        await second.stop()
        await first.stop()
        for engine in engines:
            await engine.dispose()


def test_a_second_process_on_one_sqlite_file_is_refused(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"
    held = hold_single_instance(url)
    try:
        with pytest.raises(AnotherInstance, match="SQLite runs a single instance"):
            hold_single_instance(url)
    finally:
        assert held is not None
        held.close()
    hold_single_instance(url).close()  # free again once the first one stopped
    assert hold_single_instance("postgresql+asyncpg://u@h/db") is None
