"""Queries for the form fields a contest adds: the ``extra`` JSON of units and people.

Team members keep theirs through :class:`storage.team.MemberDetails`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Person, Unit


async def save_unit_extra(
    session: AsyncSession, *, unit_id: int, values: Mapping[str, Any]
) -> Unit | None:
    """Replace the unit's extra field values with ``values``."""
    unit = await session.get(Unit, unit_id)
    if unit is not None:
        unit.extra = dict(values)
        session.add(unit)
        await session.flush()
    return unit


async def save_person_extra(
    session: AsyncSession, *, person_id: int, values: Mapping[str, Any]
) -> Person | None:
    """Replace the person's extra contact-form values with ``values``."""
    person = await session.get(Person, person_id)
    if person is not None:
        person.extra = dict(values)
        session.add(person)
        await session.flush()
    return person
