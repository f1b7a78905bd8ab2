"""Small helpers every handler uses: who is asking, what time it is, how to reply."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from bot.services import Services, services_of
from contest.text import plain_length, split_messages
from messages import label, render
from storage.db import transaction
from storage.models import Person
from storage.people import ensure_person

log = logging.getLogger(__name__)

Context = ContextTypes.DEFAULT_TYPE
Button = tuple[str, str]  # (label key or ready text, callback_data)
MESSAGE_LIMIT = 4096


@dataclass(frozen=True)
class Visit:
    """One update's view of the world, taken once at the edge."""

    services: Services
    person: Person
    now: datetime

    @property
    def is_organizer(self) -> bool:
        """Return True if this person may use organizer commands."""
        return self.person.is_organizer or self.services.is_configured_organizer(
            self.person.telegram_id
        )


async def visit(update: Update, context: Context) -> Visit:
    """Load (or create) the person behind this update and read the clock once."""
    services = services_of(context)
    user = update.effective_user
    chat = update.effective_chat
    assert user is not None and chat is not None
    async with transaction(services.sessions) as session:
        person = await ensure_person(
            session, telegram_id=user.id, chat_id=chat.id, display_name=user.full_name
        )
    return Visit(services=services, person=person, now=services.clock.now())


def keyboard(rows: Sequence[Sequence[Button]]) -> InlineKeyboardMarkup:
    """Build an inline keyboard from (label key, callback_data) pairs; keys are looked up."""
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(_text(text), callback_data=data) for text, data in row]
            for row in rows
            if row
        ]
    )


def _text(text_or_key: str) -> str:
    try:
        return label(text_or_key)
    except KeyError:
        return text_or_key


async def reply(
    update: Update,
    context: Context,
    template: str,
    *,
    markup: InlineKeyboardMarkup | None = None,
    **values: Any,
) -> Message:
    """Send a rendered template to the chat the update came from (split if over 4096)."""
    chat = update.effective_chat
    assert chat is not None
    text = render(template, **values)
    parts = split_messages([text]) or [text]
    for part in parts[:-1]:
        await context.bot.send_message(
            chat.id, part, parse_mode=ParseMode.HTML, disable_web_page_preview=True
        )
    return await context.bot.send_message(
        chat.id,
        parts[-1],
        parse_mode=ParseMode.HTML,
        reply_markup=markup,
        disable_web_page_preview=True,
    )


async def show(
    update: Update,
    context: Context,
    template: str,
    *,
    markup: InlineKeyboardMarkup | None = None,
    **values: Any,
) -> Message | bool:
    """Answer a button press by editing its message in place; send anew if that fails."""
    query = update.callback_query
    text = render(template, **values)
    if query is not None and query.message is not None and plain_length(text) <= MESSAGE_LIMIT:
        try:
            return await query.edit_message_text(
                text, parse_mode=ParseMode.HTML, reply_markup=markup, disable_web_page_preview=True
            )
        except BadRequest as error:
            if "not modified" in str(error).lower():
                return True
            log.info("edit failed (%s); sending a new message", error)
    return await reply(update, context, template, markup=markup, **values)


async def answer(update: Update, template: str | None = None, **values: Any) -> None:
    """Acknowledge a button press, optionally with a short toast."""
    query = update.callback_query
    if query is None:
        return
    text = render(template, **values) if template else None
    try:
        await query.answer(text)
    except BadRequest as error:
        # A second answer or an expired query: the user has already moved on.
        log.info("callback answer refused: %s", error)


def callback_parts(update: Update) -> list[str]:
    """Split a button's callback_data on ':' (it is user input: callers re-check ids)."""
    query = update.callback_query
    return (query.data or "").split(":") if query else []


def int_part(parts: list[str], index: int) -> int | None:
    """Return parts[index] as an int, or None if it is missing or not a number."""
    try:
        return int(parts[index])
    except (IndexError, ValueError):
        return None


async def require_organizer(update: Update, context: Context, v: Visit) -> bool:
    """Return True for organizers; refuse everyone else politely (buttons re-check too)."""
    if v.is_organizer:
        return True
    await answer(update, "common/organizers_only_toast.html")
    await reply(update, context, "common/organizers_only.html")
    return False
