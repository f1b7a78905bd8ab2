"""How often a person may try invite codes: a few wrong ones, then a wait.

A wrong code is one that matches no invite (expired or revoked codes are real codes and
do not count). After ``MAX_WRONG_CODES`` wrong codes within ``WRONG_CODE_WINDOW`` the person
waits until the oldest of them leaves the window; the moment is rounded up to the minute,
as the bot says moments, so the moment said is never too early.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

MAX_WRONG_CODES = 5
WRONG_CODE_WINDOW = timedelta(minutes=10)


def _ceil_minute(moment: datetime) -> datetime:
    floor = moment.replace(second=0, microsecond=0)
    return floor if floor == moment else floor + timedelta(minutes=1)


def code_wait_until(wrong_at: Iterable[datetime], now: datetime) -> datetime | None:
    """Return until when codes are refused for someone with these wrong tries, or None."""
    recent = sorted(moment for moment in wrong_at if now - WRONG_CODE_WINDOW < moment <= now)
    if len(recent) < MAX_WRONG_CODES:
        return None
    return _ceil_minute(recent[-MAX_WRONG_CODES] + WRONG_CODE_WINDOW)
