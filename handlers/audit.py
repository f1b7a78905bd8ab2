"""The audit log of organizer actions (操作记录), written inside the action's own unit of work."""

from __future__ import annotations

from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.visits import Visit
from storage.audit import record_event


async def record(session: AsyncSession, v: Visit, action: str, **detail: Any) -> None:
    """Write what this organizer did, in the caller's transaction."""
    await record_event(session, person_id=v.person.id, action=action, now=v.now, detail=detail)
