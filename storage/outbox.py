"""The outbox: every message that is not a direct reply is a row here before it is sent.

Rows are written by reminders, broadcasts and result notices (idempotent by ``dedupe_key``)
and sent by the one delivery worker (``delivery/worker.py``), which reads the due rows and
records each outcome with a single-statement UPDATE right after the send, so a crash loses
nothing and repeats at most the sends in flight.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, func, insert, or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Account, DeliveryStatus, OutboxMessage, Person, utcnow
from storage.people import account_of, accounts_of

# A row's text: written as is, or given by the recipient's channel ("telegram", "wecom"):
# the writer does not know how each person is reached, the account found here does.
Text = str | Callable[[str], str]

# SQLite allows at most 999 bound parameters per statement in old builds: chunk IN lists.
_CHUNK = 500


async def enqueue(
    session: AsyncSession,
    *,
    person_id: int,
    kind: str,
    dedupe_key: str,
    text: Text,
    due_at: datetime,
    actions: list[Any] | None = None,
    document: dict[str, Any] | None = None,
    broadcast_id: int | None = None,
) -> OutboxMessage | None:
    """Write one message for one person (to their account); None if written before.

    ``text`` may be a function of the account's channel (``messages.per_channel``): the
    row then holds the text in that channel's words.
    """
    existing = await session.exec(
        select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)
    )
    if existing.first() is not None:
        return None
    account = await account_of(session, person_id=person_id)
    if account is None:
        return None  # nobody to write to: the person never reached the bot on a channel
    row = OutboxMessage(
        person_id=person_id,
        account_id=account.id or 0,
        kind=kind,
        dedupe_key=dedupe_key,
        text=_text_for(text, account),
        due_at=due_at,
        actions=actions,
        document=document,
        broadcast_id=broadcast_id,
    )
    try:
        async with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return None  # written concurrently by another fire of the same job
    return row


async def existing_keys(session: AsyncSession, *, dedupe_keys: Sequence[str]) -> set[str]:
    """Return which of these dedupe keys were written before."""
    found: set[str] = set()
    for start in range(0, len(dedupe_keys), _CHUNK):
        chunk = list(dedupe_keys[start : start + _CHUNK])
        query = select(OutboxMessage.dedupe_key).where(col(OutboxMessage.dedupe_key).in_(chunk))
        found.update((await session.exec(query)).all())
    return found


async def enqueue_many(
    session: AsyncSession,
    *,
    messages: Sequence[dict[str, Any]],
    accounts: Mapping[int, Account] | None = None,
) -> int:
    """Write many messages at once (each a dict of enqueue's arguments); return how many.

    A message's ``text`` may be a function of its recipient's channel, as in
    :func:`enqueue`. ``accounts`` (person id → account, from ``accounts_of``) saves the
    lookup when the caller already made it.
    """
    seen = await existing_keys(session, dedupe_keys=[m["dedupe_key"] for m in messages])
    fresh: dict[str, dict[str, Any]] = {}
    for message in messages:
        if message["dedupe_key"] not in seen:
            fresh.setdefault(message["dedupe_key"], message)
    if not fresh:
        return 0
    if accounts is None:
        accounts = await accounts_of(
            session, person_ids=sorted({int(m["person_id"]) for m in fresh.values()})
        )
    fresh = {key: m for key, m in fresh.items() if int(m["person_id"]) in accounts}
    if not fresh:
        return 0
    rows = [
        {
            "actions": None,
            "document": None,
            "broadcast_id": None,
            **message,
            "text": _text_for(message["text"], accounts[int(message["person_id"])]),
            "account_id": accounts[int(message["person_id"])].id,
            "status": DeliveryStatus.PENDING.value,
            "attempts": 0,
            "error": "",
            "created_at": utcnow(),
        }
        for message in fresh.values()
    ]
    try:
        async with session.begin_nested():
            await session.exec(insert(OutboxMessage), params=rows)
    except IntegrityError:
        # Another fire wrote some of them meanwhile: fall back to one by one.
        written = 0
        for message in fresh.values():
            written += await enqueue(session, **message) is not None
        return written
    return len(rows)


def _text_for(text: Text, account: Account) -> str:
    return text if isinstance(text, str) else text(account.channel)


async def due_messages(
    session: AsyncSession, *, now: datetime, limit: int
) -> list[tuple[OutboxMessage, Account]]:
    """Return pending messages whose time has come with their accounts, oldest first."""
    query = (
        select(OutboxMessage, Account)
        .join(Account, col(Account.id) == col(OutboxMessage.account_id))
        .where(OutboxMessage.status == DeliveryStatus.PENDING, col(OutboxMessage.due_at) <= now)
        .order_by(col(OutboxMessage.due_at), col(OutboxMessage.id))
        .limit(limit)
    )
    return [(row, account) for row, account in (await session.exec(query)).all()]


CLAIM_LOCK = 0x0B0C  # PostgreSQL advisory lock key: claims are made one instance at a time


async def claim_due(
    session: AsyncSession,
    *,
    now: datetime,
    limit: int,
    worker: str,
    lease: timedelta,
) -> list[tuple[OutboxMessage, Account]]:
    """Lease up to ``limit`` due rows to this worker until ``now + lease``, oldest first.

    A row is free when pending, due, and not leased to a live worker (its lease ran out: that
    worker crashed). At most one row per account is leased at once, so sends to one chat
    never overlap across instances (each worker paces its own chats). On
    PostgreSQL the rows are locked ``FOR UPDATE SKIP LOCKED`` and the claims are serialized
    by a transaction-level advisory lock; SQLite runs a single instance.
    """
    postgres = session.bind is not None and session.bind.dialect.name == "postgresql"
    if postgres:
        await session.exec(select(func.pg_advisory_xact_lock(CLAIM_LOCK)))  # type: ignore[call-overload]
    # The accounts another live worker holds a row of. Not correlated with the outer row: with
    # no index on account_id, an EXISTS per candidate scanned every pending row each time
    # (≈1 s in the event loop with 10,000 reminders pending; this list is read once, ≈20 ms).
    # A row of another live lease is never free itself, so no ``other.id != id`` is needed.
    other = aliased(OutboxMessage)
    busy = select(other.account_id).where(
        other.status == DeliveryStatus.PENDING,
        col(other.leased_until).is_not(None),
        col(other.leased_until) > now,
        other.leased_by != worker,
    )
    free = or_(
        col(OutboxMessage.leased_until).is_(None),
        col(OutboxMessage.leased_until) <= now,
        OutboxMessage.leased_by == worker,  # its own, left from a round cut short
    )
    query = (
        select(OutboxMessage)
        .where(
            OutboxMessage.status == DeliveryStatus.PENDING,
            col(OutboxMessage.due_at) <= now,
            free,
            col(OutboxMessage.account_id).not_in(busy),
        )
        .order_by(col(OutboxMessage.due_at), col(OutboxMessage.id))
        .limit(limit * 2)  # a few may share an account: one each is kept
    )
    if postgres:
        query = query.with_for_update(skip_locked=True, of=OutboxMessage)  # type: ignore[arg-type]
    picked: dict[int, OutboxMessage] = {}
    for row in (await session.exec(query)).all():
        if row.account_id not in picked and len(picked) < limit:
            picked[row.account_id] = row
    if not picked:
        return []
    ids = [row.id for row in picked.values()]
    await session.exec(
        update(OutboxMessage)
        .where(col(OutboxMessage.id).in_(ids))
        .values(leased_until=now + lease, leased_by=worker)
    )
    accounts = {
        a.id: a
        for a in (
            await session.exec(select(Account).where(col(Account.id).in_(list(picked))))
        ).all()
    }
    rows = sorted(picked.values(), key=lambda r: (r.due_at, r.id or 0))
    return [(row, accounts[row.account_id]) for row in rows if row.account_id in accounts]


async def renew_lease(session: AsyncSession, *, row_id: int, worker: str, until: datetime) -> bool:
    """Extend this worker's lease on a row just before sending it; False if it lost it."""
    result = await session.exec(
        update(OutboxMessage)
        .where(
            col(OutboxMessage.id) == row_id,
            OutboxMessage.leased_by == worker,
            OutboxMessage.status == DeliveryStatus.PENDING,
        )
        .values(leased_until=until)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def release_leases(session: AsyncSession, *, worker: str | None = None) -> int:
    """Free leased rows not sent yet (this worker's, or all: a single instance at start)."""
    statement = update(OutboxMessage).where(
        OutboxMessage.status == DeliveryStatus.PENDING, col(OutboxMessage.leased_until).is_not(None)
    )
    if worker is not None:
        statement = statement.where(OutboxMessage.leased_by == worker)
    result = await session.exec(statement.values(leased_until=None, leased_by=None))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def next_due(session: AsyncSession) -> datetime | None:
    """Return when the next pending message falls due, if any is pending."""
    # A row leased to another worker is due, for this one, when its lease runs out.
    leased = col(OutboxMessage.leased_until)
    when = case((leased > col(OutboxMessage.due_at), leased), else_=col(OutboxMessage.due_at))
    query = select(func.min(when)).where(OutboxMessage.status == DeliveryStatus.PENDING)
    return (await session.exec(query)).first()  # type: ignore[call-overload]


async def _set(session: AsyncSession, row_id: int, **values: Any) -> None:
    statement = update(OutboxMessage).where(col(OutboxMessage.id) == row_id).values(**values)
    await session.exec(statement)


async def mark_sent(
    session: AsyncSession, *, row_id: int, now: datetime, message_id: str | None
) -> None:
    """Record that a message reached its channel."""
    await _set(
        session,
        row_id,
        status=DeliveryStatus.SENT.value,
        sent_at=now,
        message_id=message_id,
        attempts=OutboxMessage.attempts + 1,
        error="",
    )


async def mark_document_sent(
    session: AsyncSession, *, row_id: int, document: dict[str, Any]
) -> None:
    """Record that a message's attachment went out (its text is still to be sent)."""
    await _set(session, row_id, document={**document, "sent": True})


async def mark_unreachable(
    session: AsyncSession, *, row_id: int, person_id: int, error: str
) -> None:
    """Record that the person blocked the bot (or never opened the chat): no retry."""
    await _set(
        session,
        row_id,
        status=DeliveryStatus.UNREACHABLE.value,
        attempts=OutboxMessage.attempts + 1,
        error=error[:500],
    )
    statement = update(Person).where(col(Person.id) == person_id).values(unreachable=True)
    await session.exec(statement)


async def retry_later(session: AsyncSession, *, row_id: int, due_at: datetime, error: str) -> None:
    """Count a failed attempt and try again at ``due_at``."""
    await _set(
        session, row_id, due_at=due_at, attempts=OutboxMessage.attempts + 1, error=error,
        leased_until=None, leased_by=None,
    )  # fmt: skip


async def mark_failed(session: AsyncSession, *, row_id: int, error: str) -> None:
    """Give up on a message (a permanent error, or too many attempts)."""
    await _set(
        session,
        row_id,
        status=DeliveryStatus.FAILED.value,
        attempts=OutboxMessage.attempts + 1,
        error=error[:500],
    )


async def delivery_counts(
    session: AsyncSession, *, broadcast_id: int, kind: str | None = None
) -> dict[str, int]:
    """Return how many of a broadcast's messages stand at each status (all four keys)."""
    query = (
        select(OutboxMessage.status, func.count())
        .where(OutboxMessage.broadcast_id == broadcast_id)
        .group_by(OutboxMessage.status)
    )
    if kind is not None:
        query = query.where(OutboxMessage.kind == kind)
    counts = {status.value: 0 for status in DeliveryStatus}
    for status, count in (await session.exec(query)).all():
        counts[status] = count
    return counts


async def cancel_pending(session: AsyncSession, *, broadcast_id: int) -> int:
    """Delete a broadcast's messages not sent yet (a cancelled schedule); return how many."""
    query = select(OutboxMessage).where(
        OutboxMessage.broadcast_id == broadcast_id,
        OutboxMessage.status == DeliveryStatus.PENDING,
    )
    rows = list((await session.exec(query)).all())
    for row in rows:
        await session.delete(row)
    return len(rows)


async def pending_count(session: AsyncSession, *, broadcast_id: int | None = None) -> int:
    """Return how many messages wait to be sent (of one broadcast, or in all)."""
    query = select(func.count()).where(OutboxMessage.status == DeliveryStatus.PENDING)
    if broadcast_id is not None:
        query = query.where(OutboxMessage.broadcast_id == broadcast_id)
    return (await session.exec(query)).one()  # type: ignore[call-overload]


async def received(session: AsyncSession, *, broadcast_id: int, person_id: int) -> bool:
    """Tell whether this broadcast was addressed to this person."""
    query = select(OutboxMessage.id).where(
        OutboxMessage.broadcast_id == broadcast_id, OutboxMessage.person_id == person_id
    )
    return (await session.exec(query.limit(1))).first() is not None
