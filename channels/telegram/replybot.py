"""The application's bot: PTB's ``ExtBot``, with two sends that leave Telegram's answer unread.

A typed form answer edits its prompt into a one-line receipt and sends the next prompt. PTB
parses what Telegram answers each call into a :class:`telegram.Message` (its keyboard, its
entities, the chat, the sender): ≈6 % of the bot's CPU under load, for objects the form
flow never reads but for the new prompt's ``message_id``. :meth:`ReplyBot.send_text` and
:meth:`ReplyBot.edit_text` make the same Bot API calls as ``send_message`` and
``edit_message_text`` (the application's ``Defaults``, its rate limiter, its request and
their errors all apply: they go through PTB's own ``_post``) and return only that id.

PTB's public ``do_api_request`` returns the raw answer too, but warns for every method PTB
knows and inserts no ``Defaults``.

:meth:`ReplyBot.get_updates_with_payloads` is ``get_updates`` that also returns each
update as Telegram sent it: the inbox stores that, instead of serializing every parsed
update back with ``Update.to_dict`` (≈3 % of the bot's CPU under load).
"""

from __future__ import annotations

from collections.abc import Sequence
from contextvars import ContextVar
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram._utils.defaultvalue import DEFAULT_NONE
from telegram.ext import ExtBot

# Inside get_updates_with_payloads: where getUpdates' raw answer is kept (PTB parses its
# own copy of each update: de_json leaves the answer as it came).
_FETCHED: ContextVar[list[dict[str, Any]] | None] = ContextVar("fetched_updates", default=None)


class ReplyBot(ExtBot[Any]):
    """An ``ExtBot`` whose form prompts and receipts skip parsing Telegram's answer."""

    async def get_updates_with_payloads(
        self, *, offset: int | None, timeout: int, allowed_updates: Sequence[str]
    ) -> tuple[tuple[Update, ...], list[dict[str, Any]]]:
        """Fetch updates as ``get_updates`` does; return them with Telegram's raw objects."""
        fetched: list[dict[str, Any]] = []
        reset = _FETCHED.set(fetched)
        try:
            updates = await self.get_updates(
                offset=offset, timeout=timeout, allowed_updates=allowed_updates
            )
        finally:
            _FETCHED.reset(reset)
        return updates, fetched

    async def _post(self, endpoint: str, data: Any = None, *args: Any, **kwargs: Any) -> Any:
        result = await super()._post(endpoint, data, *args, **kwargs)
        fetched = _FETCHED.get()
        if fetched is not None and endpoint == "getUpdates" and isinstance(result, list):
            fetched.extend(result)
        return result

    async def send_text(
        self, chat_id: int, text: str, *, reply_markup: InlineKeyboardMarkup | None = None
    ) -> int:
        """Send a message as ``send_message`` would; return its message_id only."""
        data: dict[str, Any] = {
            "chat_id": chat_id,
            "text": text,
            "parse_mode": DEFAULT_NONE,  # the application's Defaults: HTML, no link previews
            "link_preview_options": DEFAULT_NONE,
            "reply_markup": reply_markup,
        }
        sent = await self._post("sendMessage", data)
        return int(sent["message_id"])

    async def edit_text(
        self,
        chat_id: int,
        message_id: int,
        text: str,
        *,
        reply_markup: InlineKeyboardMarkup | None = None,
    ) -> None:
        """Edit a message's text as ``edit_message_text`` would; read nothing of the answer."""
        data: dict[str, Any] = {
            "chat_id": chat_id,
            "message_id": message_id,
            "text": text,
            "parse_mode": DEFAULT_NONE,
            "link_preview_options": DEFAULT_NONE,
            "reply_markup": reply_markup,
        }
        await self._post("editMessageText", data)
