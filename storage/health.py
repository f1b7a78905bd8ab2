"""Queries that describe the database's state for health checks and metrics."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import current_heads, shipped_heads
from storage.models import DeliveryStatus, FormProgress, OutboxMessage


@dataclass(frozen=True)
class OutboxBacklog:
    """How much the outbox holds that is not delivered yet."""

    pending: int  # due now or later
    due: int  # due now
    oldest_due: datetime | None  # when the oldest of the due rows fell due


async def outbox_backlog(session: AsyncSession, *, now: datetime) -> OutboxBacklog:
    """Count the pending outbox rows and find the oldest one that is due."""
    pending = await session.exec(
        select(func.count()).where(OutboxMessage.status == DeliveryStatus.PENDING)
    )
    due = await session.exec(
        select(func.count(), func.min(OutboxMessage.due_at)).where(
            OutboxMessage.status == DeliveryStatus.PENDING, col(OutboxMessage.due_at) <= now
        )
    )
    due_count, oldest = due.one()
    return OutboxBacklog(pending=pending.one(), due=due_count, oldest_due=oldest)


async def active_form_count(session: AsyncSession) -> int:
    """Count the forms people have open (one per person at most)."""
    query = select(func.count()).where(col(FormProgress.active).is_(True))
    return (await session.exec(query)).one()


def head_revisions() -> set[str]:
    """Return the newest migration(s) shipped with the code."""
    return shipped_heads()


async def schema_at_head(engine: AsyncEngine) -> bool:
    """Return True if the database answers and carries the newest migration."""
    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))
        current = await connection.run_sync(current_heads)
    return current == head_revisions()
