"""Throttling invite codes: whether a person must wait, and noting a wrong code.

No Telegram here: the registration flow asks before it looks a code up and tells after a
code matched nothing; the rule is ``contest/throttle.py``, the counting ``storage``.
"""

from __future__ import annotations

from datetime import datetime

from contest.throttle import WRONG_CODE_WINDOW, code_wait_until
from storage.code_failures import code_failures_since, record_code_failure
from storage.db import SessionFactory, transaction


async def code_wait(sessions: SessionFactory, *, person_id: int, now: datetime) -> datetime | None:
    """Return until when this person's codes are refused, or None if they may try."""
    async with sessions() as session:
        wrong = await code_failures_since(
            session, person_id=person_id, since=now - WRONG_CODE_WINDOW
        )
    return code_wait_until(wrong, now)


async def note_wrong_code(
    sessions: SessionFactory, *, person_id: int, now: datetime
) -> datetime | None:
    """Count a wrong code; return until when codes are refused now, or None."""
    async with transaction(sessions) as session:
        await record_code_failure(
            session, person_id=person_id, now=now, forget_before=now - WRONG_CODE_WINDOW
        )
        wrong = await code_failures_since(
            session, person_id=person_id, since=now - WRONG_CODE_WINDOW
        )
    return code_wait_until(wrong, now)
