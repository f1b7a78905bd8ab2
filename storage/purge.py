"""Purging a finished contest: every row it left, counted first, deleted in one transaction.

The database holds one contest (the one ``CONTEST_FILE`` names). After it, its units,
people, cases and their revisions, teams, invites, notices and outbox, the inbox of
updates, the console's links, sessions and audit log go; organizers' own rows and accounts
stay (without their forms in progress), so the next contest can start with them.
Configured organizers (``ORGANIZER_IDS``) are named by their accounts on one channel.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlmodel import SQLModel, col, delete, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import (
    Account,
    Acknowledgement,
    Advancement,
    AuditEvent,
    Broadcast,
    Case,
    CaseRevision,
    CodeFailure,
    ConsoleSession,
    ErasureRequest,
    FormProgress,
    InboxUpdate,
    Invite,
    LoginToken,
    OutboxMessage,
    PaceBucket,
    Person,
    TeamMember,
    Unit,
)
from storage.personal import configured_people

# Children before parents, so every foreign key still holds after each step.
ORDER: list[type[SQLModel]] = [
    LoginToken,
    ConsoleSession,
    AuditEvent,
    Acknowledgement,
    OutboxMessage,
    Broadcast,
    Account,
    CodeFailure,
    ErasureRequest,
    FormProgress,
    Advancement,
    CaseRevision,
    TeamMember,
    Case,
    Invite,
    Person,
    Unit,
    InboxUpdate,  # the updates received (ids and, while open, their content)
    PaceBucket,  # the sending pace's state, per chat by account id (a new bucket starts full)
]


def _kept(model: type[SQLModel], channel: str, organizer_ids: list[str]) -> Any:
    """Return the condition for rows that stay, or None if all of the table goes."""
    organizers = col(Person.is_organizer).is_(True) | col(Person.id).in_(
        configured_people(channel, organizer_ids)
    )
    if model is Person:
        return organizers
    if model is Account:
        return col(Account.person_id).in_(select(Person.id).where(organizers))
    return None


async def purge_plan(
    session: AsyncSession, *, channel: str, organizer_ids: list[str]
) -> dict[str, int]:
    """Return how many rows of each table a purge would delete."""
    plan: dict[str, int] = {}
    for model in ORDER:
        query = select(func.count()).select_from(model)
        kept = _kept(model, channel, organizer_ids)
        if kept is not None:
            query = query.where(~kept)
        plan[str(model.__tablename__)] = (await session.exec(query)).one()
    return plan


async def purge(session: AsyncSession, *, channel: str, organizer_ids: list[str]) -> dict[str, int]:
    """Delete every row the plan lists; return how many went from each table."""
    done: dict[str, int] = {}
    for model in ORDER:
        statement = delete(model)
        kept = _kept(model, channel, organizer_ids)
        if kept is not None:
            statement = statement.where(~kept)
        if model is Person:
            # Organizers stay but belong to no unit any more.
            await session.exec(update(Person).values(unit_id=None))
        result = await session.exec(statement)
        done[str(model.__tablename__)] = result.rowcount or 0
    return done
