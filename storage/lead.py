"""Queries that keep a case document's linked fields and their sources in step.

What links to what is :mod:`contest.lead`; these functions only store it: the team lead as
the document gives them (with the fields still to complete), and the saved states of the
case form that must see a value set outside the form.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from contest.extras import FIXED
from storage.models import FormProgress, TeamMember

_TEXT = ("name", "title", "office_phone", "mobile", "employment")


def _take(row: TeamMember, values: Mapping[str, object]) -> None:
    """Set the member's fields named in ``values`` (member-form keys); leave the others."""
    extra = dict(row.extra or {})
    for key, value in values.items():
        if key in _TEXT and isinstance(value, str):
            setattr(row, key, value)
        elif key == "contract_start" and isinstance(value, str) and value:
            row.contract_start = date.fromisoformat(value)
        elif key not in FIXED["member"]:
            extra[key] = value
    row.extra = extra


async def add_lead_from_document(
    session: AsyncSession,
    *,
    case_id: int,
    slot: int,
    values: Mapping[str, object],
    pending: Sequence[str],
    now: datetime,
) -> TeamMember:
    """Add the team lead the case document names, with the fields still to complete."""
    row = TeamMember(case_id=case_id, slot=slot, is_lead=True, created_at=now)
    return await update_lead_from_document(session, row=row, values=values, pending=pending)


async def update_lead_from_document(
    session: AsyncSession, *, row: TeamMember, values: Mapping[str, object], pending: Sequence[str]
) -> TeamMember:
    """Set the lead's fields the case document changed; ``pending`` is what is still missing."""
    _take(row, values)
    row.pending = list(pending)
    session.add(row)
    await session.flush()
    return row


async def form_states(
    session: AsyncSession, *, form_key: str, subject_id: int
) -> list[FormProgress]:
    """Return everybody's saved progress in one form about one subject (e.g. a case)."""
    query = select(FormProgress).where(
        FormProgress.form_key == form_key, FormProgress.subject_id == subject_id
    )
    return list((await session.exec(query)).all())


def set_state(session: AsyncSession, progress: FormProgress, state: dict[str, Any]) -> None:
    """Store a form state changed from outside the form (its place in the list is kept)."""
    progress.state = dict(state)
    session.add(progress)
