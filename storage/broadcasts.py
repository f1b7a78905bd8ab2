"""Queries on broadcasts (organizers' notices): drafts, audiences, acknowledgements.

A broadcast row holds the notice (Telegram HTML, as the organizer formatted it), its
optional document, its audience (``{"kind": …, "value": …, "round": n}``) and its status;
its messages live in the outbox, one row per recipient and round.

Audiences, decided here because the issue names them without defining them:

* ``all``: everyone who has talked to the bot (contacts and visitors), but the sender;
* ``category``: contacts of units with a case of that category (any status);
* ``status``: ``no_case`` (registered units without any case), ``draft`` (units with a
  case not submitted), ``submitted`` (units with a submitted case), ``advancing`` (units
  with a case marked as advancing at any stage); a unit may be in several;
* ``submitter``: contacts of units submitted through that body (e.g. a district);
* ``unit``: the contacts of one unit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import case, func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import (
    Acknowledgement,
    Advancement,
    Broadcast,
    Case,
    CaseStatus,
    DeliveryStatus,
    OutboxMessage,
    Person,
    Unit,
)

STATUSES = ("no_case", "draft", "submitted", "advancing")


class BroadcastStatus(StrEnum):
    """Where a broadcast stands."""

    DRAFT = "draft"  # being written: text, audience
    SCHEDULED = "scheduled"  # messages written, due at scheduled_at
    SENDING = "sending"  # messages written, due now; the worker reports progress
    DONE = "done"  # every message of the latest round went out (or could not)
    CANCELLED = "cancelled"


async def create_broadcast(session: AsyncSession, *, created_by: int, now: datetime) -> Broadcast:
    """Start a draft notice for an organizer."""
    broadcast = Broadcast(created_by=created_by, created_at=now, audience={})
    session.add(broadcast)
    await session.flush()
    return broadcast


async def get_broadcast(session: AsyncSession, *, broadcast_id: int) -> Broadcast | None:
    """Return the broadcast with this id, if any."""
    return await session.get(Broadcast, broadcast_id)


async def save_broadcast(session: AsyncSession, *, broadcast: Broadcast, **values: Any) -> None:
    """Change a broadcast's fields (JSON fields are replaced, never mutated in place)."""
    for key, value in values.items():
        setattr(broadcast, key, value)
    session.add(broadcast)
    await session.flush()


async def recent_broadcasts(session: AsyncSession, *, limit: int = 10) -> list[Broadcast]:
    """Return the latest broadcasts that were sent or scheduled, newest first."""
    query = (
        select(Broadcast)
        .where(col(Broadcast.status).in_([s.value for s in BroadcastStatus if s != "draft"]))
        .order_by(col(Broadcast.id).desc())
        .limit(limit)
    )
    return list((await session.exec(query)).all())


async def finish_broadcast(session: AsyncSession, *, broadcast_id: int) -> bool:
    """Mark a broadcast done; True only for the call that made the change (report once)."""
    statement = (
        update(Broadcast)
        .where(
            col(Broadcast.id) == broadcast_id,
            col(Broadcast.status).in_([BroadcastStatus.SENDING, BroadcastStatus.SCHEDULED]),
        )
        .values(status=BroadcastStatus.DONE.value)
    )
    result = await session.exec(statement)
    return bool(result.rowcount)  # type: ignore[union-attr]


async def audience_people(
    session: AsyncSession, *, kind: str, value: str = "", sender_id: int | None = None
) -> list[Person]:
    """Return the people an audience names, in id order (see the module's list)."""
    query = select(Person).order_by(col(Person.id))
    if kind == "all":
        if sender_id is not None:
            query = query.where(col(Person.id) != sender_id)
        return list((await session.exec(query)).all())
    units = _units_of(kind=kind, value=value)
    if units is None:
        return []
    return list((await session.exec(query.where(col(Person.unit_id).in_(units)))).all())


def _units_of(*, kind: str, value: str) -> Any:
    """Return the ids of the units an audience names, as a subquery (None: no unit)."""
    if kind == "unit":
        return select(Unit.id).where(col(Unit.id) == int(value)) if value.isdigit() else None
    if kind == "submitter":
        return select(Unit.id).where(Unit.submitter_key == value)
    if kind == "category":
        return select(Case.unit_id).where(col(Case.values)["category"].as_string() == value)
    if kind != "status" or value not in STATUSES:
        return None
    if value == "no_case":
        return select(Unit.id).where(
            col(Unit.registered).is_(True), col(Unit.id).not_in(select(Case.unit_id))
        )
    if value == "advancing":
        return select(Case.unit_id).where(col(Case.id).in_(select(Advancement.case_id)))
    wanted = CaseStatus.DRAFT if value == "draft" else CaseStatus.SUBMITTED
    return select(Case.unit_id).where(col(Case.status) == wanted)


async def acknowledge(
    session: AsyncSession, *, broadcast_id: int, person_id: int, now: datetime
) -> bool:
    """Record a recipient's “已知悉”; False if they had already acknowledged."""
    query = select(Acknowledgement.id).where(
        Acknowledgement.broadcast_id == broadcast_id, Acknowledgement.person_id == person_id
    )
    if (await session.exec(query)).first() is not None:
        return False
    try:
        async with session.begin_nested():
            session.add(
                Acknowledgement(broadcast_id=broadcast_id, person_id=person_id, created_at=now)
            )
    except IntegrityError:
        return False  # pressed twice at once
    return True


async def acknowledged(session: AsyncSession, *, broadcast_id: int) -> set[int]:
    """Return the ids of the people who acknowledged a broadcast."""
    query = select(Acknowledgement.person_id).where(Acknowledgement.broadcast_id == broadcast_id)
    return set((await session.exec(query)).all())


async def recipients(session: AsyncSession, *, broadcast_id: int) -> list[Person]:
    """Return the people a broadcast was addressed to (any round), in id order."""
    addressed = select(OutboxMessage.person_id).where(OutboxMessage.broadcast_id == broadcast_id)
    query = select(Person).where(col(Person.id).in_(addressed)).order_by(col(Person.id))
    return list((await session.exec(query)).all())


@dataclass(frozen=True)
class Reach:
    """Whom a broadcast reached over all its rounds, counted in people (not messages)."""

    people: int  # addressed in any round
    sent: int  # got it at least once
    pending: int  # still waiting for their first copy
    unreachable: int
    failed: int
    reminded: int  # addressed again by a re-send (再次提醒)
    first_due: datetime | None  # when its first round went (or goes) out


def _rank() -> Any:
    """Order a person's outcomes: sent beats pending beats unreachable beats failed."""
    status = col(OutboxMessage.status)
    return case(
        (status == DeliveryStatus.SENT, 3),
        (status == DeliveryStatus.PENDING, 2),
        (status == DeliveryStatus.UNREACHABLE, 1),
        else_=0,
    )


async def reach(session: AsyncSession, *, broadcast_id: int) -> Reach:
    """Return how many people a broadcast reached, each counted once over its rounds."""
    per_person = (
        select(
            col(OutboxMessage.person_id).label("person_id"),
            func.max(_rank()).label("best"),
        )
        .where(OutboxMessage.broadcast_id == broadcast_id)
        .group_by(col(OutboxMessage.person_id))
        .subquery()
    )
    outcomes = dict.fromkeys(range(4), 0)
    rows = await session.exec(select(per_person.c.best, func.count()).group_by(per_person.c.best))
    for best, count in rows.all():
        outcomes[int(best)] = int(count)
    again = select(
        func.count(func.distinct(OutboxMessage.person_id)), func.min(OutboxMessage.due_at)
    ).where(OutboxMessage.broadcast_id == broadcast_id)
    reminded = (
        await session.exec(again.where(col(OutboxMessage.kind) != "broadcast"))
    ).one()[0]
    first = (await session.exec(again.where(col(OutboxMessage.kind) == "broadcast"))).one()[1]
    return Reach(
        people=sum(outcomes.values()),
        sent=outcomes[3],
        pending=outcomes[2],
        unreachable=outcomes[1],
        failed=outcomes[0],
        reminded=int(reminded or 0),
        first_due=first,
    )


async def audience_sizes(
    session: AsyncSession, *, broadcast_ids: list[int]
) -> dict[int, tuple[int, datetime | None]]:
    """Return per broadcast how many people it was addressed to and when it first went out."""
    if not broadcast_ids:
        return {}
    query = (
        select(
            OutboxMessage.broadcast_id,
            func.count(func.distinct(OutboxMessage.person_id)),
            func.min(OutboxMessage.due_at),
        )
        .where(col(OutboxMessage.broadcast_id).in_(broadcast_ids))
        .group_by(col(OutboxMessage.broadcast_id))
    )
    return {
        int(bid): (int(count), first)
        for bid, count, first in (await session.exec(query)).all()
        if bid is not None
    }


async def not_acknowledged(session: AsyncSession, *, broadcast_id: int) -> list[Person]:
    """Return the people a broadcast was addressed to who have not acknowledged it."""
    addressed = select(OutboxMessage.person_id).where(OutboxMessage.broadcast_id == broadcast_id)
    acked = select(Acknowledgement.person_id).where(Acknowledgement.broadcast_id == broadcast_id)
    query = (
        select(Person)
        .where(col(Person.id).in_(addressed), col(Person.id).not_in(acked))
        .order_by(col(Person.id))
    )
    return list((await session.exec(query)).all())
