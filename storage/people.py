"""Queries on people: contact persons, organizers and visitors."""

from __future__ import annotations

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Person


async def get_person(session: AsyncSession, *, telegram_id: int) -> Person | None:
    """Return the person with this Telegram id, if known."""
    result = await session.exec(select(Person).where(Person.telegram_id == telegram_id))
    return result.first()


async def get_person_by_id(session: AsyncSession, *, person_id: int) -> Person | None:
    """Return the person with this row id, if any."""
    return await session.get(Person, person_id)


async def ensure_person(
    session: AsyncSession, *, telegram_id: int, chat_id: int, display_name: str
) -> Person:
    """Return the person for this Telegram user, creating the row on first contact."""
    person = await get_person(session, telegram_id=telegram_id)
    if person is None:
        person = Person(telegram_id=telegram_id, chat_id=chat_id, display_name=display_name)
        session.add(person)
        await session.flush()
    elif person.unreachable or person.chat_id != chat_id:
        # Writing to us again means the chat works: clear a stale "blocked" mark.
        person.unreachable = False
        person.chat_id = chat_id
        session.add(person)
    return person


async def list_people(session: AsyncSession, *, unit_id: int | None = None) -> list[Person]:
    """Return people, optionally only those of one unit, oldest first."""
    query = select(Person).order_by(Person.id)
    if unit_id is not None:
        query = query.where(Person.unit_id == unit_id)
    return list((await session.exec(query)).all())


async def set_organizer(session: AsyncSession, *, person_id: int, value: bool = True) -> None:
    """Give or take a person's organizer rights."""
    person = await session.get(Person, person_id)
    if person is not None:
        person.is_organizer = value
        session.add(person)
