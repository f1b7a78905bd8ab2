"""The test bed: the sandbox, the real Application on it, and simulated users.

``Harness.user(id)`` gives a :class:`~sandbox.client.SandboxUser` whose every action returns
only after the bot has fully handled it (an :class:`~sandbox.driver.UpdatePump` drives the
real ``Application``; no polling task, no sleeps). ``restart()`` stops the bot and starts a
new one on the same database, as a deploy would.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import aiohttp

from bot.app import (
    AnyApplication,
    build_application,
    caught_up,
    start_services,
    stop_services,
)
from channels.telegram.inbox import inbox_of
from channels.telegram.retrying import RetryingRequest
from config.clock import ManualClock
from config.settings import Settings
from contest.definition import Contest
from sandbox.client import SandboxUser
from sandbox.driver import UpdatePump
from sandbox.server import SandboxServer

ORGANIZER_ID = 9001


class InboxPump(UpdatePump):
    """The pump through the bot's inbox: updates stored, handled in lanes, awaited."""

    async def pump(self) -> int:
        """Store every pending update in the inbox and wait until all are handled."""
        inbox = inbox_of(self.application)
        count = 0
        for _ in range(self.max_rounds):
            updates = await self.fetch()
            if not updates:
                await inbox.idle()
                return count
            await inbox.receive(updates)
            self.offset = updates[-1].update_id + 1
            await inbox.idle()
            count += len(updates)
            self.processed += len(updates)
        raise RuntimeError(f"updates kept coming after {self.max_rounds} rounds")


def _patient_request() -> RetryingRequest:
    """Return the bot's HTTP client with generous timeouts: a loaded test machine is slow.

    The sandbox answers in milliseconds when the machine is quiet; the default 5 s let a test
    fail when eight processes shared two cores. Nothing here measures time.
    """
    return RetryingRequest(  # the bot's own: direct replies retried on 5xx
        connection_pool_size=32, connect_timeout=60, read_timeout=60, write_timeout=60
    )


class Harness:
    """A running bot on a sandbox, with users to drive it."""

    def __init__(
        self,
        server: SandboxServer,
        session: aiohttp.ClientSession,
        *,
        database_url: str,
        clock: ManualClock,
        contest: Contest | None = None,
        contest_file: Path | None = None,
        **settings: Any,
    ) -> None:
        self.server = server
        self.session = session
        self.clock = clock
        self.contest = contest
        self.settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            bot_api_url=server.url,
            database_url=database_url,
            organizer_ids=[ORGANIZER_ID],
            **({"contest_file": contest_file} if contest_file else {}),
            **settings,
        )
        self.app: AnyApplication | None = None
        self.pump: UpdatePump | None = None
        self.users: dict[int, SandboxUser] = {}

    async def start(self) -> Harness:
        """Build and start the bot."""
        self.app = build_application(
            self.settings,
            clock=self.clock,
            contest=self.contest,
            token=self.server.token,
            request=_patient_request(),
        )
        await start_services(self.app)
        await caught_up(self.app)  # the bot answers meanwhile; tests want it deterministic
        self.pump = InboxPump(self.app)
        return self

    async def stop(self) -> None:
        """Stop the bot."""
        if self.app is not None:
            await stop_services(self.app)
            self.app = None

    async def restart(self) -> None:
        """Stop the bot and start a fresh one on the same database and sandbox."""
        offset = self.pump.offset if self.pump else None
        await self.stop()
        await self.start()
        assert self.pump is not None
        self.pump.offset = offset

    async def process(self) -> int:
        """Let the bot handle every pending update."""
        assert self.pump is not None, "the bot is not running"
        return await self.pump.pump()

    def user(self, user_id: int = 1001) -> SandboxUser:
        """Return the simulated Telegram user with this id."""
        if user_id not in self.users:
            self.users[user_id] = SandboxUser(
                self.session, self.server.url, user_id, pump=self.process
            )
        return self.users[user_id]

    def organizer(self) -> SandboxUser:
        """Return a user listed in ORGANIZER_IDS."""
        return self.user(ORGANIZER_ID)

    def at(self, moment: datetime) -> None:
        """Move the bot's clock to ``moment``."""
        self.clock.set(moment)
