"""Where the bot reads the time: once per update, at the edge, and passes it inward."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Something that tells the current moment (timezone-aware, UTC)."""

    def now(self) -> datetime:
        """Return the current moment."""
        ...


class SystemClock:
    """The real time."""

    def now(self) -> datetime:
        """Return the current moment."""
        return datetime.now(UTC)


class ShiftedClock:
    """Real time, moved so that it started at ``start``: lets the sandbox live in a contest."""

    def __init__(self, start: datetime) -> None:
        self._offset = start - datetime.now(UTC)

    def now(self) -> datetime:
        """Return the shifted current moment."""
        return datetime.now(UTC) + self._offset


class ManualClock:
    """A clock that only moves when told to (tests and benchmarks)."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("start must be timezone-aware")
        self.moment = start.astimezone(UTC)

    def now(self) -> datetime:
        """Return the set moment."""
        return self.moment

    def set(self, moment: datetime) -> None:
        """Move to ``moment``."""
        self.moment = moment.astimezone(UTC)

    def advance(self, span: timedelta) -> None:
        """Move forward by ``span``."""
        self.moment += span
