"""Purging a finished contest: every row it left, counted first, deleted in one transaction.

The database holds one contest (the one ``CONTEST_FILE`` names). After it, its units,
people, cases and their revisions, teams, invites, notices and outbox go; organizers' own
rows stay (without their forms in progress), so the next contest can start with them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlmodel import SQLModel, col, delete, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import (
    Acknowledgement,
    Advancement,
    Broadcast,
    Case,
    CaseRevision,
    CodeFailure,
    ErasureRequest,
    FormProgress,
    Invite,
    OutboxMessage,
    Person,
    TeamMember,
    Unit,
)

# Children before parents, so every foreign key still holds after each step.
ORDER: list[type[SQLModel]] = [
    Acknowledgement,
    OutboxMessage,
    Broadcast,
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
]


def _kept(model: type[SQLModel], organizers: list[int]) -> Any:
    """Return the condition for rows that stay, or None if all of the table goes."""
    if model is Person:
        return col(Person.is_organizer).is_(True) | col(Person.telegram_id).in_(organizers or [-1])
    return None


async def purge_plan(session: AsyncSession, *, organizer_ids: list[int]) -> dict[str, int]:
    """Return how many rows of each table a purge would delete."""
    plan: dict[str, int] = {}
    for model in ORDER:
        query = select(func.count()).select_from(model)
        kept = _kept(model, organizer_ids)
        if kept is not None:
            query = query.where(~kept)
        plan[str(model.__tablename__)] = (await session.exec(query)).one()
    return plan


async def purge(session: AsyncSession, *, organizer_ids: list[int]) -> dict[str, int]:
    """Delete every row the plan lists; return how many went from each table."""
    done: dict[str, int] = {}
    for model in ORDER:
        statement = delete(model)
        kept = _kept(model, organizer_ids)
        if kept is not None:
            statement = statement.where(~kept)
        if model is Person:
            # Organizers stay but belong to no unit any more.
            await session.exec(update(Person).values(unit_id=None))
        result = await session.exec(statement)
        done[str(model.__tablename__)] = result.rowcount or 0
    return done
