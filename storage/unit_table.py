"""The organizers' table of units: case counts grouped in SQL, contacts, last activity."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Case, CaseStatus, Person, Unit


@dataclass
class UnitRow:
    """One unit with its contacts and its cases counted by status."""

    unit: Unit
    contacts: list[Person] = field(default_factory=list)
    drafts: int = 0
    submitted: int = 0
    last_activity: datetime | None = None

    @property
    def cases(self) -> int:
        """Return how many cases the unit has."""
        return self.drafts + self.submitted


def _filtered(query: object, *, search: str, submitter_key: str) -> object:
    if search:
        like = f"%{search}%"
        query = query.where(  # type: ignore[attr-defined]
            or_(col(Unit.recommending_unit).like(like), col(Unit.party_org).like(like))
        )
    if submitter_key:
        query = query.where(Unit.submitter_key == submitter_key)  # type: ignore[attr-defined]
    return query


async def _attach(session: AsyncSession, rows: list[UnitRow]) -> list[UnitRow]:
    ids = [r.unit.id for r in rows if r.unit.id is not None]
    if not ids:
        return rows
    by_id = {r.unit.id: r for r in rows}
    counts = await session.exec(
        select(Case.unit_id, Case.status, func.count(), func.max(Case.updated_at))
        .where(col(Case.unit_id).in_(ids))
        .group_by(Case.unit_id, Case.status)
    )
    for unit_id, status, count, last in counts.all():
        row = by_id[unit_id]
        if status == CaseStatus.SUBMITTED:
            row.submitted += count
        else:
            row.drafts += count
        if last is not None and (row.last_activity is None or last > row.last_activity):
            row.last_activity = last
    contacts: dict[int, list[Person]] = defaultdict(list)
    people = await session.exec(
        select(Person).where(col(Person.unit_id).in_(ids)).order_by(col(Person.id))
    )
    for person in people.all():
        contacts[person.unit_id or 0].append(person)
    for row in rows:
        row.contacts = contacts.get(row.unit.id or 0, [])
    return rows


async def unit_page(
    session: AsyncSession, *, search: str, submitter_key: str, limit: int, offset: int
) -> tuple[list[UnitRow], int]:
    """Return one page of the units table (in id order) and the number of matching units."""
    query = _filtered(
        select(Unit).order_by(col(Unit.id)), search=search, submitter_key=submitter_key
    )
    units = (await session.exec(query.limit(limit).offset(offset))).all()  # type: ignore[attr-defined]
    count = _filtered(
        select(func.count()).select_from(Unit), search=search, submitter_key=submitter_key
    )
    total = (await session.exec(count)).one()  # type: ignore[call-overload]
    return await _attach(session, [UnitRow(u) for u in units]), total


async def all_unit_rows(session: AsyncSession) -> list[UnitRow]:
    """Return every unit with contacts and counts, for the export."""
    units = (await session.exec(select(Unit).order_by(col(Unit.id)))).all()
    return await _attach(session, [UnitRow(u) for u in units])


async def unit_rows_after(session: AsyncSession, *, after: int, limit: int) -> list[UnitRow]:
    """Return up to ``limit`` units with an id above ``after``, with contacts and counts.

    Keyset pages, in id order: the export reads the units a batch at a time, never all.
    """
    query = select(Unit).where(col(Unit.id) > after).order_by(col(Unit.id)).limit(limit)
    units = (await session.exec(query)).all()
    return await _attach(session, [UnitRow(u) for u in units])


async def one_unit(session: AsyncSession, *, unit_id: int) -> UnitRow | None:
    """Return one unit with contacts and counts."""
    unit = await session.get(Unit, unit_id)
    if unit is None:
        return None
    return (await _attach(session, [UnitRow(unit)]))[0]
