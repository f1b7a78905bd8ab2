"""Telegram's "sending a file…" / "typing…" line while the bot builds or reads a document.

Registered in a group ahead of all others and never stopping the update: whichever handler
then builds the .docx or parses the upload, the person sees that the bot is at work.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ChatAction
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, MessageHandler, filters

from channels.telegram.common import Context, chat_of

log = logging.getLogger(__name__)

BUSY_GROUP = -3  # ahead of the file hooks (-2) and the code group
WORD_FILES = (
    filters.Document.FileExtension("docx")
    | filters.Document.FileExtension("doc")
    | filters.Document.MimeType(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
)


async def _show(update: Update, context: Context, action: str) -> None:
    try:
        await context.bot.send_chat_action(chat_of(update), action)
    except TelegramError as error:  # cosmetic: the work goes on without it
        log.info("chat action not shown: %s", error)


async def on_export(update: Update, context: Context) -> None:
    """Shows "sending a file…" while the .docx is built."""
    await _show(update, context, ChatAction.UPLOAD_DOCUMENT)


async def on_upload(update: Update, context: Context) -> None:
    """Shows "typing…" while an uploaded .docx is read."""
    await _show(update, context, ChatAction.TYPING)


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Adds the chat actions ahead of every other handler."""
    app.add_handler(CallbackQueryHandler(on_export, pattern=r"^case:\d+:docx$"), group=BUSY_GROUP)
    app.add_handler(MessageHandler(WORD_FILES, on_upload), group=BUSY_GROUP)
