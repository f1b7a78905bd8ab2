"""How each organizer notice reached its audience: deliveries and 已知悉 per unit, in SQL."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Acknowledgement, Broadcast, DeliveryStatus, OutboxMessage, Person, Unit


@dataclass
class UnitReach:
    """One unit's share of one notice: messages written, sent, acknowledged."""

    unit: str
    recipients: int = 0
    sent: int = 0
    acknowledged: int = 0


@dataclass
class BroadcastReach:
    """One notice with its totals and its units."""

    broadcast: Broadcast
    recipients: int = 0
    sent: int = 0
    acknowledged: int = 0
    units: list[UnitReach] = field(default_factory=list)


async def broadcast_reach(
    session: AsyncSession, *, limit: int, offset: int = 0
) -> tuple[list[BroadcastReach], int]:
    """Return a page of notices, newest first, with delivery and acknowledgement counts."""
    query = (
        select(Broadcast)
        .where(Broadcast.status != "draft")
        .order_by(col(Broadcast.created_at).desc(), col(Broadcast.id).desc())
    )
    broadcasts = list((await session.exec(query.limit(limit).offset(offset))).all())
    total = (
        await session.exec(
            select(func.count()).select_from(Broadcast).where(Broadcast.status != "draft")
        )
    ).one()  # type: ignore[call-overload]
    ids = [b.id for b in broadcasts]
    if not ids:
        return [], total
    units: dict[tuple[int, int | None], UnitReach] = {}
    names = {
        u.id: u.recommending_unit or u.party_org for u in (await session.exec(select(Unit))).all()
    }

    def reach(broadcast_id: int, unit_id: int | None) -> UnitReach:
        key = (broadcast_id, unit_id)
        if key not in units:
            units[key] = UnitReach(names.get(unit_id, "") if unit_id else "")
        return units[key]

    delivered = await session.exec(
        select(OutboxMessage.broadcast_id, Person.unit_id, OutboxMessage.status, func.count())
        .join(Person, col(Person.id) == col(OutboxMessage.person_id))
        .where(col(OutboxMessage.broadcast_id).in_(ids))
        .group_by(OutboxMessage.broadcast_id, Person.unit_id, OutboxMessage.status)
    )
    for broadcast_id, unit_id, status, count in delivered.all():
        row = reach(broadcast_id or 0, unit_id)
        row.recipients += count
        if status == DeliveryStatus.SENT:
            row.sent += count
    acks = await session.exec(
        select(Acknowledgement.broadcast_id, Person.unit_id, func.count())
        .join(Person, col(Person.id) == col(Acknowledgement.person_id))
        .where(col(Acknowledgement.broadcast_id).in_(ids))
        .group_by(Acknowledgement.broadcast_id, Person.unit_id)
    )
    for broadcast_id, unit_id, count in acks.all():
        reach(broadcast_id, unit_id).acknowledged += count
    per_broadcast: dict[int, list[UnitReach]] = defaultdict(list)
    for (broadcast_id, _unit_id), row in sorted(units.items(), key=lambda i: i[1].unit):
        per_broadcast[broadcast_id].append(row)
    result = []
    for broadcast in broadcasts:
        rows = per_broadcast.get(broadcast.id or 0, [])
        result.append(
            BroadcastReach(
                broadcast,
                recipients=sum(r.recipients for r in rows),
                sent=sum(r.sent for r in rows),
                acknowledged=sum(r.acknowledged for r in rows),
                units=rows,
            )
        )
    return result, total
