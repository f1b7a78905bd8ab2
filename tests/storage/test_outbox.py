"""The outbox's queries: idempotent writes, the worker's claim, outcomes, counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from storage.broadcasts import (
    acknowledge,
    acknowledged,
    create_broadcast,
    finish_broadcast,
    save_broadcast,
)
from storage.db import create_engine, migrate, session_factory, transaction
from storage.models import DeliveryStatus, OutboxMessage, Person
from storage.outbox import (
    cancel_pending,
    claim_due,
    delivery_counts,
    due_messages,
    enqueue,
    enqueue_many,
    mark_document_sent,
    mark_failed,
    mark_sent,
    mark_unreachable,
    next_due,
    pending_count,
    received,
    retry_later,
)
from tests.db import database_url, telegram_account, wipe

pytestmark = pytest.mark.database
NOW = datetime(2024, 7, 1, 2, 0, tzinfo=UTC)


@pytest.fixture
async def sessions(tmp_path):
    url = database_url(tmp_path)
    await wipe(url)
    engine = create_engine(url)
    await migrate(engine)
    yield session_factory(engine)
    await engine.dispose()


async def people(sessions, count: int = 2) -> list[Person]:
    async with transaction(sessions) as session:
        rows = [Person(created_at=NOW) for n in range(count)]
        session.add_all(rows)
        await session.flush()
        session.add_all([telegram_account(p.id, 500 + n) for n, p in enumerate(rows)])
    return rows


def message(person: Person, key: str, due: datetime = NOW, **extra) -> dict:
    return {
        "person_id": person.id,
        "kind": "test",
        "dedupe_key": key,
        "text": f"文本 {key}",
        "due_at": due,
        **extra,
    }


async def test_enqueue_is_idempotent_by_dedupe_key(sessions):
    (person,) = await people(sessions, 1)
    async with transaction(sessions) as session:
        assert await enqueue(session, **message(person, "a")) is not None
        assert await enqueue(session, **message(person, "a")) is None
    async with transaction(sessions) as session:
        written = await enqueue_many(
            session, messages=[message(person, "a"), message(person, "b"), message(person, "b")]
        )
    assert written == 1
    async with sessions() as session:
        assert await pending_count(session) == 2


async def test_due_messages_in_order_and_next_due(sessions):
    (person,) = await people(sessions, 1)
    later = NOW + timedelta(hours=1)
    async with transaction(sessions) as session:
        await enqueue_many(
            session,
            messages=[
                message(person, "late", later),
                message(person, "first"),
                message(person, "second"),
            ],
        )
    async with sessions() as session:
        due = await due_messages(session, now=NOW, limit=10)
        assert [m.dedupe_key for m, _ in due] == ["first", "second"]
        assert [m.dedupe_key for m, _ in await due_messages(session, now=NOW, limit=1)] == ["first"]
        assert await next_due(session) == NOW
        assert len(await due_messages(session, now=later, limit=10)) == 3


async def test_a_claim_skips_the_chats_another_live_worker_holds_a_row_of(sessions):
    first, second = await people(sessions, 2)
    lease = timedelta(minutes=5)
    async with transaction(sessions) as session:
        await enqueue_many(
            session,
            messages=[message(first, "a1"), message(first, "a2"), message(second, "b1")],
        )
    async with transaction(sessions) as session:
        taken = await claim_due(session, now=NOW, limit=1, worker="A", lease=lease)
    assert [m.dedupe_key for m, _ in taken] == ["a1"]
    async with transaction(sessions) as session:  # A's lease on a1 is live: not a2, but b1
        taken = await claim_due(session, now=NOW, limit=10, worker="B", lease=lease)
    assert [m.dedupe_key for m, _ in taken] == ["b1"]
    async with transaction(sessions) as session:  # A itself may go on with the same chat
        taken = await claim_due(session, now=NOW, limit=10, worker="A", lease=lease)
    assert [m.dedupe_key for m, _ in taken] == ["a1"]
    async with transaction(sessions) as session:  # A's lease ran out: the chat is free again
        taken = await claim_due(session, now=NOW + 2 * lease, limit=10, worker="B", lease=lease)
    assert sorted(m.dedupe_key for m, _ in taken) == ["a1", "b1"]


async def test_outcomes_are_recorded(sessions):
    first, second = await people(sessions, 2)
    async with transaction(sessions) as session:
        await enqueue_many(
            session,
            messages=[
                message(first, "sent", document={"file_id": "F"}),
                message(first, "retry"),
                message(first, "failed"),
                message(second, "blocked"),
            ],
        )
    async with sessions() as session:
        ids = {m.dedupe_key: m.id for m, _ in await due_messages(session, now=NOW, limit=10)}
    async with transaction(sessions) as session:
        await mark_document_sent(session, row_id=ids["sent"], document={"file_id": "F"})
        await mark_sent(session, row_id=ids["sent"], now=NOW, message_id="77")
        await retry_later(
            session, row_id=ids["retry"], due_at=NOW + timedelta(minutes=1), error="x"
        )
        await mark_failed(session, row_id=ids["failed"], error="Bad Request: nope")
        await mark_unreachable(
            session, row_id=ids["blocked"], person_id=second.id or 0, error="blocked"
        )
    async with sessions() as session:
        rows = {m.dedupe_key: m for m in (await session.exec(select(OutboxMessage))).all()}
        blocked = await session.get(Person, second.id)
    assert rows["sent"].status == DeliveryStatus.SENT and rows["sent"].message_id == "77"
    assert rows["sent"].document == {"file_id": "F", "sent": True}
    assert (rows["retry"].status, rows["retry"].attempts) == (DeliveryStatus.PENDING, 1)
    assert rows["failed"].status == DeliveryStatus.FAILED
    assert rows["blocked"].status == DeliveryStatus.UNREACHABLE
    assert blocked is not None and blocked.unreachable


async def test_broadcast_counts_cancel_and_acknowledgements(sessions):
    first, second = await people(sessions, 2)
    async with transaction(sessions) as session:
        broadcast = await create_broadcast(session, created_by=first.id or 0, now=NOW)
        bid = broadcast.id or 0
        await enqueue_many(
            session,
            messages=[
                message(first, "b1", broadcast_id=bid, kind="broadcast"),
                message(second, "b2", NOW + timedelta(days=1), broadcast_id=bid, kind="broadcast"),
            ],
        )
        await save_broadcast(session, broadcast=broadcast, status="scheduled")
    async with sessions() as session:
        assert await delivery_counts(session, broadcast_id=bid) == {
            "pending": 2,
            "sent": 0,
            "unreachable": 0,
            "failed": 0,
        }
        assert await received(session, broadcast_id=bid, person_id=second.id or 0)
    async with transaction(sessions) as session:
        assert await cancel_pending(session, broadcast_id=bid) == 2
        assert await acknowledge(session, broadcast_id=bid, person_id=first.id or 0, now=NOW)
        assert not await acknowledge(session, broadcast_id=bid, person_id=first.id or 0, now=NOW)
        assert await finish_broadcast(session, broadcast_id=bid)
        assert not await finish_broadcast(session, broadcast_id=bid)  # reported once
    async with sessions() as session:
        assert await acknowledged(session, broadcast_id=bid) == {first.id}
        assert await pending_count(session, broadcast_id=bid) == 0
