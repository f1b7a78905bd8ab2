"""Organizer notices (/broadcast) in Telegram: parse, call :mod:`handlers.compose`, send.

The notice's text is taken as Telegram HTML (``Message.text_html``: its formatting kept), a
document by its file_id. What the bot waits for lives in the database (the use case's
``broadcast`` wait, a text and file hook here); when an answer shows a broadcast's
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
    int_part,
    markup_of,
    visit,
)
from channels.telegram.forms import FILE_HOOKS, TEXT_HOOKS
from channels.telegram.organizing import message_id_of, send_answer
from handlers import compose
from handlers.broadcasts import acknowledge_notice
from handlers.organizing import Answer


async def _send(update: Update, context: Context, v: Visit, done: Answer) -> None:
    sent = await send_answer(update, context, done)
    if done.progress_of is not None:
        await compose.track_progress(
            v, broadcast_id=done.progress_of, message_id=message_id_of(sent)
        )


async def new_notice(update: Update, context: Context) -> None:
    """Starts a notice: the organizer's next message is its text."""
    v = await visit(update, context)
    await _send(update, context, v, await compose.new_notice(v))


async def history(update: Update, context: Context) -> None:
    """Lists the latest notices sent or scheduled."""
    v = await visit(update, context)
    await _send(update, context, v, await compose.history(v))


async def on_button(update: Update, context: Context) -> None:
    """Hands every ``bc:<id>:<op>`` button to the use case."""
    v = await visit(update, context)
    parts = callback_parts(update)
    done = await compose.press(
        v,
        broadcast_id=int_part(parts, 1),
        op=parts[2] if len(parts) > 2 else "",
        args=parts[3:],
    )
    await _send(update, context, v, done)


async def on_typed(update: Update, context: Context, v: Visit, _progress: object) -> None:
    """Takes the notice's text or the moment to send it (a text hook)."""
    message = update.effective_message
    assert message is not None and message.text is not None
    done = await compose.take_text(v, text=message.text, text_html=message.text_html)
    await _send(update, context, v, done)


async def on_attachment(
    update: Update, context: Context, v: Visit, _progress: object
) -> None:
    """Takes a document for the notice while one is awaited (a file hook)."""
    message = update.effective_message
    assert message is not None
    document = message.document
    done = await compose.take_upload(
        v,
        file_ref=document.file_id if document else None,
        file_name=(document.file_name or "") if document else "",
        caption_html=message.caption_html if message.caption else None,
    )
    await _send(update, context, v, done)


async def on_ack(update: Update, context: Context) -> None:
    """Records a recipient's “已知悉” and marks the button."""
    v = await visit(update, context)
    done = await acknowledge_notice(v, broadcast_id=int_part(callback_parts(update), 1))
    await answer(update, done.toast, **done.values)
    query = update.callback_query
    if query is not None and done.actions:
        try:
            await query.edit_message_reply_markup(markup_of(done.actions))
        except BadRequest:
            pass  # already marked


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Adds /broadcast, the notice buttons, the acknowledgement button and the hooks."""
    app.add_handler(CommandHandler("broadcast", new_notice))
    app.add_handler(CallbackQueryHandler(new_notice, pattern="^org:bc$"))
    app.add_handler(CallbackQueryHandler(history, pattern="^org:bcl$"))
    app.add_handler(CallbackQueryHandler(on_button, pattern=r"^bc:"))
    app.add_handler(CallbackQueryHandler(on_ack, pattern=r"^ack:"))
    TEXT_HOOKS[compose.FORM] = on_typed
    FILE_HOOKS[compose.FORM] = on_attachment
