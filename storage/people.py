"""Queries on people: contact persons, organizers and visitors."""

from __future__ import annotations

from sqlalchemy import bindparam
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Account, Person


async def get_person(session: AsyncSession, *, channel: str, external_id: str) -> Person | None:
    """Return the person behind this channel's sender id, if known."""
    query = (
        select(Person)
        .join(Account, col(Account.person_id) == col(Person.id))
        .where(Account.channel == channel, Account.external_id == external_id)
    )
    return (await session.exec(query)).first()


async def get_person_by_id(session: AsyncSession, *, person_id: int) -> Person | None:
    """Return the person with this row id, if any."""
    return await session.get(Person, person_id)


# The person and account of one sender: read by every button and command, so built once
# with bound parameters (built and keyed anew it took ≈0.12 ms of CPU each time).
_SENDER = (
    select(Person, Account)
    .join(Account, col(Account.person_id) == col(Person.id))
    .where(
        col(Account.channel) == bindparam("sender_channel"),
        col(Account.external_id) == bindparam("sender_id"),
    )
)


async def ensure_person(
    session: AsyncSession, *, channel: str, external_id: str, chat_id: str, display_name: str
) -> tuple[Person, Account]:
    """Return the person and account for this sender, creating both on first contact."""
    sender = {"sender_channel": channel, "sender_id": external_id}
    found = (await session.exec(_SENDER, params=sender)).first()  # type: ignore[call-overload]
    if found is None:
        return await first_contact(
            session, channel=channel, external_id=external_id, chat_id=chat_id,
            display_name=display_name,
        )  # fmt: skip
    person, account = found
    seen_again(session, person, account, chat_id=chat_id)
    return person, account


async def first_contact(
    session: AsyncSession, *, channel: str, external_id: str, chat_id: str, display_name: str
) -> tuple[Person, Account]:
    """Create the person and the account of a sender never seen before."""
    person = Person(display_name=display_name)
    session.add(person)
    await session.flush()
    account = Account(
        person_id=person.id or 0, channel=channel, external_id=external_id, chat_id=chat_id
    )
    session.add(account)
    await session.flush()
    return person, account


def seen_again(session: AsyncSession, person: Person, account: Account, *, chat_id: str) -> None:
    """Note what a known sender's new input tells: the chat it came from, and that the
    person can be reached again (writing to us means the chat works: no stale "blocked")."""
    if account.chat_id != chat_id:
        account.chat_id = chat_id
        session.add(account)
    if person.unreachable:
        person.unreachable = False
        session.add(person)


async def account_of(
    session: AsyncSession, *, person_id: int, channel: str | None = None
) -> Account | None:
    """Return the account a person is reached at (on this channel, or their newest)."""
    query = select(Account).where(Account.person_id == person_id)
    if channel is not None:
        query = query.where(Account.channel == channel)
    return (await session.exec(query.order_by(col(Account.id).desc()))).first()


async def accounts_of_person(session: AsyncSession, *, person_id: int) -> list[Account]:
    """Return every account of one person, oldest first."""
    query = select(Account).where(Account.person_id == person_id).order_by(col(Account.id))
    return list((await session.exec(query)).all())


async def accounts_of(session: AsyncSession, *, person_ids: list[int]) -> dict[int, Account]:
    """Return, per person, the account they are reached at (their newest)."""
    found: dict[int, Account] = {}
    for start in range(0, len(person_ids), 500):
        chunk = person_ids[start : start + 500]
        query = select(Account).where(col(Account.person_id).in_(chunk)).order_by(col(Account.id))
        for account in (await session.exec(query)).all():
            found[account.person_id] = account
    return found


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
