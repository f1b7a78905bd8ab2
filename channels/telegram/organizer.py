"""The organizer console in Telegram: /organizer, /status, and a stage's results (晋级名单).

Each handler parses, calls :mod:`handlers.overview` or :mod:`handlers.results`, and sends
the answer; those check the organizer right. ``org:bc`` and the notices are in
broadcast.py, ``inv:home`` in invites.py. A list of cases is awaited through the person's
``results`` wait (a stored wait taken through ``forms.py``), kept in the database.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from channels.telegram.common import Context, Handler, Visit, callback_parts
from channels.telegram.organizing import responds_to_organizer
from handlers import overview, results
from handlers.actions import ORG_HOME, ORG_STATUS, ORG_STATUS_PAGE, number_at, text_at
from handlers.organizing import Answer, refusal

HOME = ORG_HOME


def for_organizers(handler: Callable[[Update, Context, Visit], Awaitable[None]]) -> Handler:
    """Wrap an organizer's handler that sends its own answer (files, progress edits) in the
    organizers' preamble: anybody else gets the polite refusal."""

    @functools.wraps(handler)
    async def checked(update: Update, context: Context, v: Visit) -> Answer | None:
        if not v.is_organizer:
            return refusal()
        await handler(update, context, v)
        return None

    return responds_to_organizer(checked)


@responds_to_organizer
async def home(update: Update, context: Context, v: Visit) -> Answer:
    """Shows the console: where the contest stands and what an organizer can do."""
    return await overview.home(v)


@responds_to_organizer
async def status(update: Update, context: Context, v: Visit) -> Answer:
    """Shows the totals and a page of units (``org:st:<filter>:<page>`` turns the page)."""
    parts = callback_parts(update)
    paged = len(parts) > 3 and parts[1] == "st"
    kind, page = (parts[2], number_at(parts, 3) or 0) if paged else ("all", 0)
    return await overview.status(v, kind=kind, page=page)


@responds_to_organizer
async def results_home(update: Update, context: Context, v: Visit) -> Answer:
    """Lists the stages whose results can be marked."""
    return await results.stages(v)


@responds_to_organizer
async def on_results(update: Update, context: Context, v: Visit) -> Answer:
    """Hands a results button (``adv:<stage>:<op>[:…]``) to the use case."""
    parts = callback_parts(update)
    return await results.press(
        v, stage_key=text_at(parts, 1), op=text_at(parts, 2),
        args=parts[3:],
    )  # fmt: skip


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Adds the console, /status and the results handlers."""
    app.add_handler(CommandHandler("organizer", home))
    app.add_handler(CommandHandler("status", status))
    app.add_handler(CallbackQueryHandler(home, pattern=rf"^{HOME}$"))
    app.add_handler(CallbackQueryHandler(status, pattern=rf"^{ORG_STATUS}$"))
    app.add_handler(CallbackQueryHandler(status, pattern=rf"^{ORG_STATUS_PAGE}:"))
    app.add_handler(CallbackQueryHandler(results_home, pattern="^org:adv$"))
    app.add_handler(CallbackQueryHandler(on_results, pattern="^adv:"))
    results.register_waits()
