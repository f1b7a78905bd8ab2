"""The Telegram side of the forms: parse a button or a message, call the use case, render.

The use cases are in :mod:`handlers.forms`. Waits that are not engine forms (the evidence
for a restricted word, a file awaited for import …) are stored waits whose use case takes
the next message (``handlers.forms.register_wait``), so every channel gets them. Waits
whose use cases still need the Telegram update (a broadcast's text and attachment, an
invite's label, a results list, an invite code typed after "输入邀请码") register a hook
here by their form key; the typed-text dispatcher (``channels/telegram/questions.py``)
hands a message to the hook of the person's active wait.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import Update
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    MessageHandler,
    filters,
)

from channels.telegram.codec import decode
from channels.telegram.common import Context, Visit, answer, int_part, send_replies, visit
from handlers import forms
from handlers.actions import FORM
from handlers.forms import FLOWS, FormFlow, FormProgress, register_flow
from handlers.replies import Reply

__all__ = ["FLOWS", "FormFlow", "Reply", "register_flow", "open_form", "reask"]

# Waits that also take the person's next message, keyed by form_key; the waiting state is
# a formprogress row like any form's, so it survives restarts.
TextHook = Callable[[Update, Context, Visit, FormProgress], Awaitable[None]]
TEXT_HOOKS: dict[str, TextHook] = {}
# The same for an uploaded file (a notice's attachment, a list of advancing cases): while
# such a wait is active, the upload goes to its hook and no other handler sees it.
FILE_HOOKS: dict[str, TextHook] = {}
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


async def on_file(update: Update, context: Context) -> None:
    """Hands an upload to the wait that expects it, if any; else lets the update pass."""
    if update.effective_message is None or update.effective_user is None:
        return
    v = await visit(update, context)
    progress = await forms.waiting(v)
    if progress is None or progress.form_key not in FILE_HOOKS:
        return
    await FILE_HOOKS[progress.form_key](update, context, v, progress)
    raise ApplicationHandlerStop


async def on_button(update: Update, context: Context) -> None:
    """Handles every form button: choose, keep, skip, finish, back, edit, confirm …"""
    parts = decode(update.callback_query.data if update.callback_query else None)
    v = await visit(update, context)
    turn = await forms.press(
        v,
        progress_id=int_part(parts, 1),
        op=parts[2] if len(parts) > 2 else "",
        field_key=parts[3] if len(parts) > 3 and parts[3] else None,
        arg=parts[4] if len(parts) > 4 else "",
    )
    await answer(update, turn.toast)
    await send_replies(update, context, turn.replies)


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Adds the shared form button handler."""
    app.add_handler(CallbackQueryHandler(on_button, pattern=rf"^{FORM}:"))
    app.add_handler(MessageHandler(filters.ATTACHMENT, on_file), group=FILE_GROUP)
