"""The Telegram side of the forms: parse a button or a message, call the use case, render.

The use cases are in :mod:`handlers.forms`. Waits that are not engine forms (the evidence
for a restricted word, a file awaited for import, a notice's text or document, a unit's
name for its code, a list of cases …) are stored waits whose use case takes the next
message (``handlers.forms.register_wait``), so every channel gets them: the typed-text
dispatcher (``channels/telegram/questions.py``) hands text to :func:`handlers.forms.take_text`,
:func:`on_file` an upload to :func:`handlers.forms.take_file`, and :func:`send_turn` sends
what the wait answered (an invite code's card with its share button, a notice's progress
message tracked so the worker edits it in place).
"""

from __future__ import annotations

from collections.abc import Callable

from telegram import Update
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    MessageHandler,
    filters,
)

from channels.telegram.codec import decode
from channels.telegram.commands import publish_organizer_commands
from channels.telegram.common import (
    Context,
    Visit,
    chat_of,
    responds,
    send_replies,
    sender_of,
)
from channels.telegram.invites import invite_link
from channels.telegram.organizing import send_organizer
from config.services import services_of
from handlers import forms
from handlers.actions import FORM, number_at, text_at
from handlers.forms import FLOWS, FormFlow, SentFile, Turn, register_flow
from handlers.organizing import Answer
from handlers.replies import Reply

__all__ = ["FLOWS", "FormFlow", "Reply", "register_flow", "open_form", "reask"]

# While a wait that takes files is active (a notice's attachment, a list of advancing
# cases), the upload goes to it and no other handler sees it.
FILE_GROUP = -2  # ahead of the default file handlers (e.g. a case's .docx import)


async def open_form(
    update: Update,
    context: Context,
    v: Visit,
    form_key: str,
    subject_id: int = 0,
    *,
    restart: bool = False,
) -> None:
    """Opens (or resumes) a form for this person and asks where they are."""
    await send_replies(
        update, context, await forms.open_form(v, form_key, subject_id, restart=restart)
    )


async def reask(update: Update, context: Context, v: Visit) -> bool:
    """Asks the active form's current field again (after a question was answered)."""
    replies = await forms.reask(v)
    await send_replies(update, context, replies)
    return bool(replies)


def link_of(context: Context) -> Callable[[str], str]:
    """Return how this bot links an invite code (a deep link)."""
    return lambda code: invite_link(context, code)


async def send_turn(update: Update, context: Context, v: Visit, turn: Turn) -> None:
    """Send what a wait answered; a notice's progress message is tracked where it landed."""
    done = Answer(turn.replies, turn.toast, progress_of=turn.progress_of)
    await send_organizer(update, context, v, done)
    if turn.became_organizer:
        await publish_organizer_commands(context.bot, chat_of(update))


async def on_file(update: Update, context: Context) -> None:
    """Hands an upload to the wait that expects it, if any; else lets the update pass."""
    message = update.effective_message
    if message is None or update.effective_user is None:
        return
    document = message.document

    async def read() -> bytes:
        assert document is not None
        return bytes(await (await document.get_file()).download_as_bytearray())

    file = SentFile(
        document.file_id if document else None,
        (document.file_name or "") if document else "",
        (document.file_size or 0) if document else 0,
        read if document is not None else None,
    )
    services = services_of(context)
    taken = await forms.take_file(
        services,
        sender=sender_of(update),
        file=file,
        caption=message.caption or "",
        caption_html=message.caption_html if message.caption else None,
        now=services.clock.now(),
    )
    if taken.turn is None:
        return
    await send_turn(update, context, taken.visit, taken.turn)
    raise ApplicationHandlerStop


@responds
async def on_button(update: Update, context: Context, v: Visit) -> Turn:
    """Handles every form button: choose, keep, skip, finish, back, edit, confirm …"""
    parts = decode(update.callback_query.data if update.callback_query else None)
    return await forms.press(
        v,
        progress_id=number_at(parts, 1),
        op=text_at(parts, 2),
        field_key=parts[3] if len(parts) > 3 and parts[3] else None,
        arg=text_at(parts, 4),
    )


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Adds the shared form button handler."""
    app.add_handler(CallbackQueryHandler(on_button, pattern=rf"^{FORM}:"))
    app.add_handler(MessageHandler(filters.ATTACHMENT, on_file), group=FILE_GROUP)
