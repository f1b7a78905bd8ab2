"""Queries on wrong invite codes: one row per wrong try, so a restart forgets nothing."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import CodeFailure


async def record_code_failure(
    session: AsyncSession, *, person_id: int, now: datetime, forget_before: datetime
) -> None:
    """Note a wrong code tried now; drop this person's tries older than ``forget_before``."""
    await session.exec(
        delete(CodeFailure).where(
            col(CodeFailure.person_id) == person_id, col(CodeFailure.at) < forget_before
        )
    )
    session.add(CodeFailure(person_id=person_id, at=now))
    await session.flush()


async def code_failures_since(
    session: AsyncSession, *, person_id: int, since: datetime
) -> list[datetime]:
    """Return when this person tried wrong codes since ``since``."""
    query = select(CodeFailure.at).where(
        CodeFailure.person_id == person_id, col(CodeFailure.at) > since
    )
    return list((await session.exec(query)).all())
