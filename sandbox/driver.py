"""``UpdatePump``: deterministic update processing for tests (no polling task, no sleeps).

``await pump()`` fetches pending updates with the real ``bot.get_updates(timeout=0)`` and
awaits ``application.process_update`` for each, in order, until none are pending. When it
returns, the bot has finished handling every update and its Bot API calls reached the
sandbox (except work a handler deliberately moved to a background task).
"""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import Application


class UpdatePump:
    """Feed sandbox updates to an initialized (not polling) PTB ``Application``."""

    def __init__(
        self, application: Application[Any, Any, Any, Any, Any, Any], max_rounds: int = 10_000
    ) -> None:
        self.application = application
        self.offset: int | None = None
        self.max_rounds = max_rounds
        self.processed = 0

    async def __call__(self) -> int:
        return await self.pump()

    async def fetch(self) -> tuple[Update, ...]:
        """Fetch pending updates (confirming the ones already processed)."""
        return await self.application.bot.get_updates(offset=self.offset, timeout=0)

    async def pump(self) -> int:
        """Process every pending update in order; return how many were processed."""
        count = 0
        for _ in range(self.max_rounds):
            updates = await self.fetch()
            if not updates:
                return count
            for update in updates:
                self.offset = update.update_id + 1
                await self.application.process_update(update)
                count += 1
                self.processed += 1
        raise RuntimeError(f"updates kept coming after {self.max_rounds} rounds")
