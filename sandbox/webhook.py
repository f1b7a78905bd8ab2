"""Webhook delivery: POST each new update as JSON to the bot's URL, in order, without retries."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

import aiohttp

from sandbox.models import JSON
from sandbox.state import SandboxState

log = logging.getLogger(__name__)


class WebhookSender:
    """Deliver updates queued by ``SandboxState.push_update`` while a webhook is set."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state
        self.queue: asyncio.Queue[JSON] = asyncio.Queue()
        self.task: asyncio.Task[None] | None = None
        self.session: aiohttp.ClientSession | None = None
        self.idle = asyncio.Event()
        self.idle.set()
        state.webhook_sink = self.enqueue

    def enqueue(self, update: JSON) -> None:
        """Queue one update for delivery."""
        self.idle.clear()
        self.queue.put_nowait(update)

    def pending(self) -> int:
        """Return how many updates still wait for delivery."""
        return self.queue.qsize()

    async def start(self) -> None:
        """Start the delivery task."""
        self.session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        self.task = asyncio.create_task(self._run(), name="sandbox-webhook")

    async def stop(self) -> None:
        """Stop delivering and close the HTTP session."""
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
            self.task = None
        if self.session is not None:
            await self.session.close()
            self.session = None

    async def wait_idle(self, timeout: float = 10.0) -> None:
        """Wait until every queued update was posted (or failed)."""
        await asyncio.wait_for(self.idle.wait(), timeout)

    async def _run(self) -> None:
        while True:
            update = await self.queue.get()
            try:
                await self._deliver(update)
            finally:
                if self.queue.empty():
                    self.idle.set()

    async def _deliver(self, update: JSON) -> None:
        hook = self.state.webhook
        url = hook.get("url")
        if not url or self.session is None:
            self.state.updates.append(update)
            self.state.updates_notifier.notify()
            return
        headers = {}
        if hook.get("secret_token"):
            headers["X-Telegram-Bot-Api-Secret-Token"] = hook["secret_token"]
        try:
            async with self.session.post(url, json=update, headers=headers) as response:
                if response.status >= 300:
                    reason = f"{response.status} {response.reason}"
                    self._fail(f"Wrong response from the webhook: {reason}")
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            self._fail(f"Connection error: {exc!r}")

    def _fail(self, message: str) -> None:
        log.warning("sandbox webhook delivery failed: %s", message)
        self.state.webhook_errors = {
            "last_error_date": int(time.time()),
            "last_error_message": message,
        }
