"""Organizer commands around the web console: /console, /stats, /export, and from /status
a unit and a case (the 说明书 preview and its .docx).

Buttons: ``cons:u:<page>`` (a page of units), ``cons:n:<unit id>`` (a unit, its contacts and
cases), ``cons:c:<case id>`` (a case's preview and .docx). Each handler parses, calls its use
case in :mod:`handlers.console_bot` (which checks the organizer right and re-reads the ids in
buttons from the database) and sends the answer; /export sends its files as they are built,
editing one progress message.
"""

from __future__ import annotations

import asyncio
import contextlib

from telegram import InputFile, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from channels.telegram.common import Context, Visit, callback_parts, reply, responds
from channels.telegram.organizer import for_organizers
from handlers import console_bot, exports
from handlers.actions import number_at, text_at
from handlers.organizing import Answer
from messages import render

PROGRESS = "console_bot/export_progress.html"
PROGRESS_EVERY = 5.0  # seconds between progress edits while the documents are built


@responds
async def console(update: Update, context: Context, v: Visit) -> Answer:
    """Sends an organizer a one-time link into the web console."""
    return await console_bot.console_link(v)


@responds
async def stats(update: Update, context: Context, v: Visit) -> Answer:
    """Replies with a short summary of the cases and the cases-per-day chart."""
    return await console_bot.stats(v)


async def _send_file(context: Context, chat_id: int, file: exports.ExportFile) -> None:
    """Send an export as a document, streamed from its temporary file, then close it."""
    try:
        document = InputFile(file.data, filename=file.name, read_file_handle=False)
        await context.bot.send_document(chat_id, document)
    finally:
        file.close()


@for_organizers
async def export(update: Update, context: Context, v: Visit) -> None:
    """Sends the units and cases workbooks and the zip of every submitted 说明书 as each is
    built, editing one progress message."""
    chat = update.effective_chat
    assert chat is not None
    total = console_bot.EXPORTS
    queued = console_bot.export_waits_for()  # "排在提醒生成之后", not a silent 0/3
    progress = await reply(
        update, context, PROGRESS, done=0, total=total, current="", queued=queued or ""
    )
    counted = {"done": 0, "total": 0}

    def count(documents: int, of: int) -> None:  # called from the worker thread
        counted.update(done=documents, total=of)

    async def tick() -> None:  # while the last file, the zip, is built
        shown = -1
        while True:
            await asyncio.sleep(PROGRESS_EVERY)
            if counted["done"] != shown:
                shown = counted["done"]
                current = render("console_bot/export_documents.html", **counted)
                text = render(PROGRESS, done=total - 1, total=total, current=current)
                with contextlib.suppress(TelegramError):
                    await progress.edit_text(text, parse_mode=ParseMode.HTML)

    done: list[tuple[str, int]] = []
    ticker: asyncio.Task[None] | None = None
    try:
        async for file in console_bot.export_all(v, progress=count):
            await _send_file(context, chat.id, file)
            done.append((file.name, file.count))
            if len(done) < total:
                text = render(PROGRESS, done=len(done), total=total, current="")
                await progress.edit_text(text, parse_mode=ParseMode.HTML)
            if len(done) == total - 1:
                ticker = asyncio.create_task(tick())
    finally:
        if ticker is not None:
            ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await ticker
    await progress.edit_text(
        render("console_bot/export_done.html", files=done), parse_mode=ParseMode.HTML
    )


@responds
async def on_button(update: Update, context: Context, v: Visit) -> Answer:
    """Hands a drill-down button from /status (units, a unit, a case) to its use case."""
    parts = callback_parts(update)
    op, number = text_at(parts, 1), number_at(parts, 2) or 0
    if op == "u":
        return await console_bot.units(v, page=number)
    if op == "n":
        return await console_bot.unit(v, unit_id=number)
    if op == "c":
        return await console_bot.case(v, case_id=number)
    return Answer()  # an unknown button: only acknowledged


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Adds /console, /stats, /export and the drill-down buttons."""
    app.add_handler(CommandHandler("console", console))
    app.add_handler(CommandHandler("stats", stats))
    app.add_handler(CommandHandler("export", export))
    app.add_handler(CallbackQueryHandler(on_button, pattern=r"^cons:"))
