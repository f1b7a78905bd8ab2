"""Direct replies retried: a Bot API request that got a 5xx or timed out is sent again.

Bulk sends go through the outbox, which retries on its own schedule; the replies a handler
sends at once would otherwise be lost to one bad gateway. :class:`Retrying` tries a request up
to ``attempts`` times, waiting ``BACKOFF`` seconds, doubled each time; it is a mixin over any
:class:`~telegram.request.BaseRequest`, and :class:`RetryingRequest` is the bot's: retries over
:class:`~channels.telegram.aiohttp_request.AiohttpRequest`. Like the outbox's retries, a
timeout whose request did arrive can repeat a message once.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest

from channels.telegram.aiohttp_request import AiohttpRequest

log = logging.getLogger(__name__)

BACKOFF = 0.5  # seconds before the second attempt


class Retrying(BaseRequest):
    """A mixin that retries 5xx answers, timeouts and network errors of the next class's send."""

    def __init__(self, *args: Any, attempts: int = 3, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.attempts = attempts

    async def do_request(
        self, url: str, method: str, *args: Any, **kwargs: Any
    ) -> tuple[int, bytes]:
        """Send the request; send it again after a 5xx or a network failure."""
        endpoint = url.rsplit("/", 1)[-1]
        for attempt in range(1, self.attempts + 1):
            last = attempt == self.attempts
            try:
                code, payload = await super().do_request(url, method, *args, **kwargs)
            except (TimedOut, NetworkError) as error:
                if last:
                    raise
                reason = type(error).__name__
            else:
                if code < 500 or last:
                    return code, payload
                reason = str(code)
            wait = BACKOFF * 2 ** (attempt - 1)
            log.info("%s: %s, attempt %d of %d; again in %.1f s", endpoint, reason, attempt,
                     self.attempts, wait)  # fmt: skip
            await asyncio.sleep(wait)
        raise AssertionError("unreachable")


class RetryingRequest(Retrying, AiohttpRequest):
    """The bot's direct replies: an :class:`AiohttpRequest` that retries (see :class:`Retrying`)."""
