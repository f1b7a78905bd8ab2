"""The case as a whole document on Telegram: preview, export as .docx, import from .docx.

The use cases are in :mod:`handlers.documents`; this module reads Telegram's file (its
file id is the reference a kept upload is fetched by) and sends what they answer.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, MessageHandler, filters

from channels.telegram.common import Context, Visit, callback_parts, responds
from handlers import documents
from handlers.actions import number_at
from handlers.cases import CaseView, Outcome
from handlers.documents import DOCX_MIME, Fetch, Upload
from messages import render

log = logging.getLogger(__name__)

WORD_FILES = filters.Document.FileExtension("docx") | filters.Document.FileExtension("doc")
WORD_FILES = WORD_FILES | filters.Document.MimeType(DOCX_MIME)


def preview_blocks(v: Visit, view: CaseView) -> list[str]:
    """Render the document as message blocks: the head, then one block per long field."""
    return [render(r.template, **r.values) for r in documents.preview_replies(v, view)]


def fetcher(context: Context) -> Fetch:
    """Return how a file is fetched by its Telegram file id (None if that fails)."""

    async def fetch(file_id: str) -> bytes | None:
        try:
            file = await context.bot.get_file(file_id)
            return bytes(await file.download_as_bytearray())
        except TelegramError as error:
            log.info("could not download a file: %s", error)
            return None

    return fetch


def _case_id(update: Update) -> int | None:
    return number_at(callback_parts(update), 1)


@responds
async def preview(update: Update, context: Context, v: Visit) -> Outcome:
    """Shows the whole 说明书 in as few messages as fit, then the review card."""
    return await documents.preview(v, case_id=_case_id(update))


@responds
async def export(update: Update, context: Context, v: Visit) -> Outcome:
    """Sends the case as a .docx in the official layout."""
    return await documents.export(v, case_id=_case_id(update))


@responds
async def ask_import(update: Update, context: Context, v: Visit) -> Outcome:
    """Waits for a .docx to import into this case."""
    return await documents.ask_import(v, case_id=_case_id(update))


@responds
async def on_document(update: Update, context: Context, v: Visit) -> Outcome | None:
    """Takes a Word file: into the case being drafted, or asks which case should take it."""
    message = update.effective_message
    if message is None or message.document is None:
        return None
    document = message.document
    upload = Upload(
        document.file_id, document.file_name or "", document.mime_type or "", document.file_size
    )
    return await documents.take_document(v, upload=upload, fetch=fetcher(context))


@responds
async def upload_into(update: Update, context: Context, v: Visit) -> Outcome:
    """Imports the file just sent into the chosen case."""
    return await documents.upload_into(v, case_id=_case_id(update), fetch=fetcher(context))


@responds
async def upload_new(update: Update, context: Context, v: Visit) -> Outcome:
    """Starts a new case from the file just sent."""
    return await documents.upload_new(v, fetch=fetcher(context))


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Adds preview, export and import."""
    documents.register_waits()
    app.add_handler(CallbackQueryHandler(preview, pattern=r"^case:\d+:preview$"))
    app.add_handler(CallbackQueryHandler(export, pattern=r"^case:\d+:docx$"))
    app.add_handler(CallbackQueryHandler(ask_import, pattern=r"^case:\d+:import$"))
    app.add_handler(CallbackQueryHandler(upload_into, pattern=r"^case:\d+:upload$"))
    app.add_handler(CallbackQueryHandler(upload_new, pattern=r"^case:new:upload$"))
    app.add_handler(MessageHandler(WORD_FILES, on_document))
