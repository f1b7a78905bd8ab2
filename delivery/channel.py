"""The seam between the outbox and the messengers: what a channel must do to deliver.

The delivery worker knows no messenger. Each channel adapter (``channels/telegram``,
``channels/wecom``) implements :class:`Channel` and maps its service's errors onto the
four outcomes below, so pacing, retries and "unreachable" marks work the same everywhere.
Texts are rendered from ``messages/`` (Telegram-style HTML); actions are neutral
(``[[{"text": …, "id": …}]]``); the channel turns both into its own markup.
"""

from __future__ import annotations

from typing import Any, Protocol

NeutralActions = list[list[dict[str, str]]]


class DeliveryError(Exception):
    """A send did not go through; the subclass says what to do about it."""


class RetryLater(DeliveryError):
    """The service asked us to slow down (Telegram 429, 企业微信 45009): wait, then resend."""

    def __init__(self, seconds: float, message: str = "") -> None:
        super().__init__(message or f"retry after {seconds} s")
        self.seconds = seconds


class Unreachable(DeliveryError):
    """The person cannot be reached there (blocked the bot, left, outside the app's range)."""


class Refused(DeliveryError):
    """The service refused this message for good (a retry would fail the same way)."""


class Transient(DeliveryError):
    """A network error, a timeout or a 5xx: try again later."""

    def __init__(self, message: str = "", *, network: bool = False) -> None:
        super().__init__(message)
        self.network = network  # no answer from the service (metrics tell it from a 5xx)


class NotModified(DeliveryError):
    """An edit changed nothing (the message already reads so)."""


class Channel(Protocol):
    """A messenger the outbox can deliver through."""

    name: str

    async def send(
        self,
        chat_id: str,
        text: str,
        *,
        actions: NeutralActions | None = None,
        document: dict[str, Any] | None = None,
    ) -> str:
        """Send a message (with a stored document, if any); return the message's id."""
        ...

    async def edit(
        self, chat_id: str, message_id: str, text: str, *, actions: NeutralActions | None = None
    ) -> None:
        """Replace the text and buttons of a message sent before."""
        ...
