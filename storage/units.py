"""Queries on units (参赛单位) and the contact persons (联系人) attached to them.

One unit per party organization; a unit has any number of contact persons, each a
:class:`~storage.models.Person` whose ``unit_id`` points at it. A person belongs to at most
one unit. The contact's own details (姓名, 职务, 电话) live on the person row.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Person, Unit, UnitStatus


async def create_unit(
    session: AsyncSession,
    *,
    now: datetime,
    submitter_key: str = "",
    status: str = UnitStatus.ACTIVE,
) -> Unit:
    """Create an empty unit whose form is still to be filled in."""
    unit = Unit(submitter_key=submitter_key, status=status, registered=False, created_at=now)
    session.add(unit)
    await session.flush()
    return unit


async def get_unit(session: AsyncSession, *, unit_id: int) -> Unit | None:
    """Return the unit with this id, if any."""
    return await session.get(Unit, unit_id)


async def list_units(
    session: AsyncSession,
    *,
    status: str | None = None,
    submitter_key: str | None = None,
    registered: bool | None = None,
) -> list[Unit]:
    """Return units, oldest first, optionally filtered by status, submitter or registration."""
    query = select(Unit).order_by(Unit.id)  # type: ignore[arg-type]
    if status is not None:
        query = query.where(Unit.status == status)
    if submitter_key is not None:
        query = query.where(Unit.submitter_key == submitter_key)
    if registered is not None:
        query = query.where(Unit.registered == registered)
    return list((await session.exec(query)).all())


async def count_units(session: AsyncSession, *, status: str | None = None) -> int:
    """Return how many registered units there are, optionally with one status."""
    query = select(func.count()).select_from(Unit).where(Unit.registered == True)  # noqa: E712
    if status is not None:
        query = query.where(Unit.status == status)
    return int((await session.exec(query)).one())


async def save_unit(
    session: AsyncSession,
    *,
    unit_id: int,
    party_org: str,
    recommending_unit: str,
    submitter_key: str,
) -> Unit | None:
    """Store the unit form's values and mark the unit registered."""
    unit = await session.get(Unit, unit_id)
    if unit is None:
        return None
    unit.party_org = party_org
    unit.recommending_unit = recommending_unit
    unit.submitter_key = submitter_key
    unit.registered = True
    session.add(unit)
    await session.flush()
    return unit


async def confirm_unit(session: AsyncSession, *, unit_id: int) -> Unit | None:
    """Make a pending unit active; return it, or None if it is not pending."""
    unit = await session.get(Unit, unit_id)
    if unit is None or unit.status != UnitStatus.PENDING:
        return None
    unit.status = UnitStatus.ACTIVE
    session.add(unit)
    await session.flush()
    return unit


async def attach_contact(session: AsyncSession, *, person_id: int, unit_id: int) -> Person | None:
    """Make the person a contact of the unit (a person belongs to one unit at most)."""
    person = await session.get(Person, person_id)
    if person is None:
        return None
    person.unit_id = unit_id
    session.add(person)
    await session.flush()
    return person


async def save_contact(
    session: AsyncSession,
    *,
    person_id: int,
    name: str,
    title: str,
    office_phone: str,
    mobile: str,
) -> Person | None:
    """Store a contact person's own details and mark their profile done."""
    person = await session.get(Person, person_id)
    if person is None:
        return None
    person.name = name
    person.title = title
    person.office_phone = office_phone
    person.mobile = mobile
    person.profile_done = True
    session.add(person)
    await session.flush()
    return person


async def list_contacts(session: AsyncSession, *, unit_id: int) -> list[Person]:
    """Return the contact persons of a unit, in the order they joined."""
    query = select(Person).where(Person.unit_id == unit_id).order_by(Person.id)  # type: ignore[arg-type]
    return list((await session.exec(query)).all())


async def registered_units_page(
    session: AsyncSession, *, offset: int, limit: int
) -> list[Unit]:
    """Return one page of the registered units, oldest first."""
    query = (
        select(Unit)
        .where(Unit.registered == True)  # noqa: E712
        .order_by(Unit.id)  # type: ignore[arg-type]
        .offset(offset)
        .limit(limit)
    )
    return list((await session.exec(query)).all())


async def units_by_id(session: AsyncSession, *, unit_ids: list[int]) -> dict[int, Unit]:
    """Return the units with these ids, by id."""
    if not unit_ids:
        return {}
    query = select(Unit).where(col(Unit.id).in_(unit_ids))
    return {unit.id or 0: unit for unit in (await session.exec(query)).all()}


async def contacts_of_units(
    session: AsyncSession, *, unit_ids: list[int]
) -> dict[int, list[Person]]:
    """Return the contact persons of these units, by unit, in id order."""
    found: dict[int, list[Person]] = {unit_id: [] for unit_id in unit_ids}
    if not unit_ids:
        return found
    query = select(Person).where(col(Person.unit_id).in_(unit_ids)).order_by(col(Person.id))
    for person in (await session.exec(query)).all():
        found[person.unit_id or 0].append(person)
    return found
