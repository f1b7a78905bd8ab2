"""Throttling invite codes: whether a person must wait, and noting a wrong code.

No Telegram here: the registration flow asks before it looks a code up and tells after a
code matched nothing, inside the transaction that uses the code; the rule is
``contest/throttle.py``, the counting ``storage``.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from contest.throttle import WRONG_CODE_WINDOW, code_wait_until
from storage.code_failures import code_failures_since, record_code_failure


async def code_wait(session: AsyncSession, *, person_id: int, now: datetime) -> datetime | None:
    """Return until when this person's codes are refused, or None if they may try."""
    wrong = await code_failures_since(session, person_id=person_id, since=now - WRONG_CODE_WINDOW)
    return code_wait_until(wrong, now)


async def note_wrong_code(
    session: AsyncSession, *, person_id: int, now: datetime
) -> datetime | None:
    """Count a wrong code; return until when codes are refused now, or None."""
    await record_code_failure(
        session, person_id=person_id, now=now, forget_before=now - WRONG_CODE_WINDOW
    )
    return await code_wait(session, person_id=person_id, now=now)
