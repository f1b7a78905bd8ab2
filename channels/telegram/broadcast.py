"""Organizer notices (/broadcast) in Telegram: parse, call :mod:`handlers.compose`, send.

The notice's text is taken as Telegram HTML (``Message.text_html``: its formatting kept), a
document by its file_id. What the bot waits for lives in the database (the use case's
``broadcast`` wait, a stored wait taken through ``forms.py``); when an answer shows a broadcast's
progress, the message's id is handed back so the delivery worker edits it in place.
Recipients press ``ack:<id>``.
"""

from __future__ import annotations

from telegram import Update
from telegram.error import BadRequest
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from channels.telegram.common import (
    Context,
    Visit,
    answer,
    callback_parts,
    markup_of,
    preamble,
)
from channels.telegram.organizing import responds_to_organizer
from handlers import compose
from handlers.actions import number_at, text_at
from handlers.broadcasts import Acknowledged, acknowledge_notice
from handlers.organizing import Answer


@responds_to_organizer
async def new_notice(update: Update, context: Context, v: Visit) -> Answer:
    """Starts a notice: the organizer's next message is its text."""
    return await compose.new_notice(v)


@responds_to_organizer
async def history(update: Update, context: Context, v: Visit) -> Answer:
    """Lists the latest notices sent or scheduled."""
    return await compose.history(v)


@responds_to_organizer
async def on_button(update: Update, context: Context, v: Visit) -> Answer:
    """Hands every ``bc:<id>:<op>`` button to the use case."""
    parts = callback_parts(update)
    return await compose.press(
        v, broadcast_id=number_at(parts, 1), op=text_at(parts, 2), args=parts[3:]
    )


async def _mark_acknowledged(
    update: Update, context: Context, _v: Visit, done: Acknowledged
) -> None:
    """Answer the press with the toast and mark the button (already marked: left as it is)."""
    await answer(update, done.toast, **done.values)
    query = update.callback_query
    if query is not None and done.actions:
        try:
            await query.edit_message_reply_markup(markup_of(done.actions))
        except BadRequest:
            pass  # already marked


@preamble(_mark_acknowledged)
async def on_ack(update: Update, context: Context, v: Visit) -> Acknowledged:
    """Records a recipient's “已知悉” and marks the button."""
    return await acknowledge_notice(v, broadcast_id=number_at(callback_parts(update), 1))


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Adds /broadcast, the notice buttons, the acknowledgement button and the wait."""
    app.add_handler(CommandHandler("broadcast", new_notice))
    app.add_handler(CallbackQueryHandler(new_notice, pattern="^org:bc$"))
    app.add_handler(CallbackQueryHandler(history, pattern="^org:bcl$"))
    app.add_handler(CallbackQueryHandler(on_button, pattern=r"^bc:"))
    app.add_handler(CallbackQueryHandler(on_ack, pattern=r"^ack:"))
    compose.register_waits()
