"""One leader among the instances on one database runs the timed work.

Reminder planning and the stage-close copies must run once, however many instances share
the database. :class:`Leader` holds the PostgreSQL advisory lock (``storage/leader.py``) or
tries to take it every third of ``LEASE_SECONDS``; when it becomes leader after another one
died, it runs the catch-up the dead one may have missed (``on_elected``). The scheduler's
jobs run everywhere and do their work only where :func:`leading` says so. SQLite: always.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from config.services import Services
from storage.leader import resign, try_lead

log = logging.getLogger(__name__)


class Leader:
    """This instance's part in the election; ``leading`` says whether it runs timed work."""

    def __init__(self, services: Services, on_elected: Callable[[], Awaitable[Any]]) -> None:
        self.services = services
        self.on_elected = on_elected
        self.single = services.engine.dialect.name != "postgresql"
        self.leading = self.single
        self._connection: Any = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Try to lead at once, then keep trying (or keep holding) in the background."""
        if self.single:
            return
        await self._try()
        self._task = asyncio.create_task(self._run(), name="leader")

    async def stop(self) -> None:
        """Stop trying and give the lock up."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._connection is not None:
            with contextlib.suppress(Exception):
                await resign(self._connection)
            self._connection = None
        self.leading = self.single

    async def _try(self) -> bool:
        """Take or keep the lock; return True if this instance just became leader."""
        try:
            self._connection = await try_lead(self.services.engine, self._connection)
        except Exception:  # noqa: BLE001 - the database is away: lead no more, try again
            log.warning("leader election failed; trying again")
            self._connection = None
        was, self.leading = self.leading, self._connection is not None
        if self.leading != was:
            log.info("this instance %s the leader", "is now" if self.leading else "is no longer")
        return self.leading and not was

    async def _run(self) -> None:
        every = max(0.05, self.services.settings.lease_seconds / 3)
        while True:
            await asyncio.sleep(every)
            if await self._try():
                try:
                    await self.on_elected()
                except Exception:  # noqa: BLE001 - the jobs run at their moments anyway
                    log.exception("catch-up after election failed")


def leading(services: Services) -> bool:
    """Tell whether this instance runs timed work (the leader, or the only instance)."""
    leader = services.leader
    return leader is None or bool(leader.leading)
