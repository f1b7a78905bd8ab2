"""The Telegram side of the outbox: :class:`~delivery.channel.Channel` over the Bot API.

Telegram's answers are mapped onto the delivery outcomes: 429 → RetryLater; 403 or
"chat not found" → Unreachable; any other 400 → Refused; network errors, timeouts and 5xx
→ Transient. It sends through its own ``telegram.Bot`` (same token and server, no rate
limiter): the application's bot has PTB's ``AIORateLimiter``, whose retry after a 429 would
stall every interactive reply too and hide the 429 from the worker's pacing.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError, TimedOut

from channels.telegram.aiohttp_request import AiohttpRequest
from channels.telegram.codec import CHANNEL, encode
from delivery.channel import (
    NeutralActions,
    NotModified,
    Refused,
    RetryLater,
    Transient,
    Unreachable,
)
from messages.markup import plain_length

CAPTION_LIMIT = 1024  # Telegram's limit for a document's caption


def keyboard_of(actions: NeutralActions | None) -> InlineKeyboardMarkup | None:
    """Render stored neutral actions as an inline keyboard."""
    if not actions:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(a["text"], callback_data=encode(a["id"])) for a in row]
            for row in actions
        ]
    )


def _mapped(error: TelegramError) -> Exception:
    if isinstance(error, RetryAfter):
        value = error.retry_after
        seconds = value.total_seconds() if isinstance(value, timedelta) else float(value)
        return RetryLater(seconds, str(error))
    if isinstance(error, Forbidden):
        return Unreachable(str(error))
    if isinstance(error, BadRequest):
        text = str(error).lower()
        if "chat not found" in text:
            return Unreachable(str(error))
        if "not modified" in text:
            return NotModified(str(error))
        return Refused(str(error))
    return Transient(str(error), network=_no_answer(error))


def _no_answer(error: TelegramError) -> bool:
    """Return True for a timeout or transport error (no HTTP answer), False for a 5xx."""
    transport = ("aiohttp", "httpx", "Unknown error")  # AiohttpRequest's, HTTPXRequest's, PTB's
    return isinstance(error, TimedOut) or str(error).startswith(transport)


class TelegramChannel:
    """Deliver outbox rows through the Bot API."""

    name = CHANNEL

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    @classmethod
    async def beside(cls, bot: Bot, *, pool: int) -> TelegramChannel:
        """Return a channel with its own Bot on the same server as ``bot``, initialized."""
        token = bot.token
        own = Bot(
            token,
            base_url=bot.base_url.removesuffix(token),
            base_file_url=bot.base_file_url.removesuffix(token),
            request=AiohttpRequest(connection_pool_size=pool),
        )
        await own.initialize()
        return cls(own)

    async def close(self) -> None:
        """Close the channel's own Bot."""
        await self.bot.shutdown()

    async def send(
        self,
        chat_id: str,
        text: str,
        *,
        actions: NeutralActions | None = None,
        document: dict[str, Any] | None = None,
    ) -> str:
        """Send a message (a stored document first, with the text as caption if it fits)."""
        markup = keyboard_of(actions)
        try:
            if document:
                if plain_length(text) <= CAPTION_LIMIT:
                    message = await self.bot.send_document(
                        int(chat_id),
                        document["file_id"],
                        caption=text,
                        parse_mode=ParseMode.HTML,
                        reply_markup=markup,
                    )
                    return str(message.message_id)
                await self.bot.send_document(int(chat_id), document["file_id"])
            message = await self.bot.send_message(
                int(chat_id),
                text,
                parse_mode=ParseMode.HTML,
                reply_markup=markup,
                disable_web_page_preview=True,
            )
        except TelegramError as error:
            raise _mapped(error) from error
        return str(message.message_id)

    async def document_bytes(self, document: dict[str, Any]) -> bytes:
        """Download a stored document (a notice's attachment), for another channel to send."""
        try:
            file = await self.bot.get_file(document["file_id"])
            return bytes(await file.download_as_bytearray())
        except TelegramError as error:
            raise _mapped(error) from error

    async def edit(
        self, chat_id: str, message_id: str, text: str, *, actions: NeutralActions | None = None
    ) -> None:
        """Replace a sent message's text and buttons."""
        try:
            await self.bot.edit_message_text(
                text,
                int(chat_id),
                int(message_id),
                parse_mode=ParseMode.HTML,
                reply_markup=keyboard_of(actions),
            )
        except TelegramError as error:
            raise _mapped(error) from error
