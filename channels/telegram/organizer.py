"""The organizer console in Telegram: /organizer, /status, and a stage's results (晋级名单).

Each handler parses, calls :mod:`handlers.overview` or :mod:`handlers.results`, and sends
the answer; those check the organizer right. ``org:bc`` and the notices are in
broadcast.py, ``inv:home`` in invites.py. A list of cases is awaited through the person's
``results`` wait (a text and file hook here), kept in the database.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from channels.telegram.common import (
    Context,
    Visit,
    callback_parts,
    int_part,
    require_organizer,
    visit,
)
from channels.telegram.forms import FILE_HOOKS, TEXT_HOOKS
from channels.telegram.organizing import send_answer
from handlers import overview, results
from handlers.actions import ORG_HOME, ORG_STATUS, ORG_STATUS_PAGE

HOME = ORG_HOME


async def organizer_visit(update: Update, context: Context) -> Visit | None:
    """Return the visit of an organizer; refuse anybody else politely."""
    v = await visit(update, context)
    if not await require_organizer(update, context, v):
        return None
    return v


async def home(update: Update, context: Context) -> None:
    """Shows the console: where the contest stands and what an organizer can do."""
    v = await visit(update, context)
    await send_answer(update, context, await overview.home(v))


async def status(update: Update, context: Context) -> None:
    """Shows the totals and a page of units (``org:st:<filter>:<page>`` turns the page)."""
    v = await visit(update, context)
    parts = callback_parts(update)
    paged = len(parts) > 3 and parts[1] == "st"
    kind, page = (parts[2], int_part(parts, 3) or 0) if paged else ("all", 0)
    await send_answer(update, context, await overview.status(v, kind=kind, page=page))


async def results_home(update: Update, context: Context) -> None:
    """Lists the stages whose results can be marked."""
    v = await visit(update, context)
    await send_answer(update, context, await results.stages(v))


async def on_results(update: Update, context: Context) -> None:
    """Hands a results button (``adv:<stage>:<op>[:…]``) to the use case."""
    v = await visit(update, context)
    parts = callback_parts(update)
    done = await results.press(
        v,
        stage_key=parts[1] if len(parts) > 1 else "",
        op=parts[2] if len(parts) > 2 else "",
        args=parts[3:],
    )
    await send_answer(update, context, done)


async def on_list_text(update: Update, context: Context, v: Visit, _progress: object) -> None:
    """Takes a pasted list of cases (a text hook)."""
    message = update.effective_message
    assert message is not None and message.text is not None
    await send_answer(update, context, await results.take_list(v, text=message.text))


async def on_list_file(update: Update, context: Context, v: Visit, _progress: object) -> None:
    """Takes an uploaded .txt/.csv list of cases while one is awaited (a file hook)."""
    message = update.effective_message
    assert message is not None
    document = message.document

    async def read() -> bytes:
        assert document is not None
        return bytes(await (await document.get_file()).download_as_bytearray())

    done = await results.take_upload(
        v,
        file_name=(document.file_name or "") if document else "",
        size=(document.file_size or 0) if document else 0,
        read=read if document is not None else None,
    )
    await send_answer(update, context, done)


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Adds the console, /status and the results handlers."""
    app.add_handler(CommandHandler("organizer", home))
    app.add_handler(CommandHandler("status", status))
    app.add_handler(CallbackQueryHandler(home, pattern=rf"^{HOME}$"))
    app.add_handler(CallbackQueryHandler(status, pattern=rf"^{ORG_STATUS}$"))
    app.add_handler(CallbackQueryHandler(status, pattern=rf"^{ORG_STATUS_PAGE}:"))
    app.add_handler(CallbackQueryHandler(results_home, pattern="^org:adv$"))
    app.add_handler(CallbackQueryHandler(on_results, pattern="^adv:"))
    FILE_HOOKS[results.WAIT] = on_list_file
    TEXT_HOOKS[results.WAIT] = on_list_text
