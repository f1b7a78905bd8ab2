"""The audit log of organizer actions: one row per login, export, invite, notice or result."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import AuditEvent, Person


async def record_event(
    session: AsyncSession,
    *,
    person_id: int | None,
    action: str,
    now: datetime,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Write one audit event (ids and counts in ``detail``, never personal data)."""
    event = AuditEvent(person_id=person_id, action=action, detail=detail or {}, created_at=now)
    session.add(event)
    await session.flush()
    return event


@dataclass(frozen=True)
class AuditRow:
    """One audit event with the organizer's name."""

    event: AuditEvent
    who: str


async def list_events(
    session: AsyncSession, *, limit: int, offset: int = 0, action: str | None = None
) -> tuple[list[AuditRow], int]:
    """Return a page of events, newest first, and how many there are in all."""
    query = select(AuditEvent, Person).join(
        Person, col(Person.id) == col(AuditEvent.person_id), isouter=True
    )
    count = select(func.count()).select_from(AuditEvent)
    if action:
        query = query.where(AuditEvent.action == action)
        count = count.where(AuditEvent.action == action)
    query = query.order_by(col(AuditEvent.created_at).desc(), col(AuditEvent.id).desc())
    rows = (await session.exec(query.limit(limit).offset(offset))).all()
    total = (await session.exec(count)).one()  # type: ignore[call-overload]
    return [AuditRow(e, (p.name or p.display_name) if p else "") for e, p in rows], total
