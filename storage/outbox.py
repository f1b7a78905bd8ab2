"""The outbox: every message that is not a direct reply is a row here before it is sent."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import OutboxMessage


async def enqueue(
    session: AsyncSession,
    *,
    person_id: int,
    chat_id: int,
    kind: str,
    dedupe_key: str,
    text: str,
    due_at: datetime,
    reply_markup: dict[str, Any] | None = None,
    document: dict[str, Any] | None = None,
    broadcast_id: int | None = None,
) -> OutboxMessage | None:
    """Write one message for one person; None if that dedupe_key was written before."""
    existing = await session.exec(
        select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)
    )
    if existing.first() is not None:
        return None
    row = OutboxMessage(
        person_id=person_id,
        chat_id=chat_id,
        kind=kind,
        dedupe_key=dedupe_key,
        text=text,
        due_at=due_at,
        reply_markup=reply_markup,
        document=document,
        broadcast_id=broadcast_id,
    )
    try:
        async with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return None  # written concurrently by another fire of the same job
    return row
