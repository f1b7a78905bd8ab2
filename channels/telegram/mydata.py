"""A person's data on Telegram: /mydata sends it as a file, /deleteme asks for its erasure.

An organizer confirms or declines each erasure request from the message the bot sends
them (``del:ok:<id>``, ``del:no:<id>``); the person is told either way. The use cases are
in ``handlers/personal.py``, the rows in ``storage/personal.py``.

Buttons (ids named in ``handlers/actions.py``): ``del:ask`` (confirm the request),
``del:cancel``, ``del:ok:<request id>`` and ``del:no:<request id>`` (organizers only;
re-checked, the request must still be pending).
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from channels.telegram.common import Context, Visit, callback_parts, responds
from handlers import personal
from handlers.actions import number_at
from handlers.organizing import Answer
from handlers.replies import Reply


@responds
async def on_mydata(update: Update, context: Context, v: Visit) -> Reply:
    """Sends the person a JSON file of everything the bot holds about them."""
    return await personal.my_data(v)


@responds
async def on_deleteme(update: Update, context: Context, v: Visit) -> Reply:
    """Explains what erasure removes and keeps, and asks the person to confirm."""
    return await personal.erasure_prompt(v)


@responds
async def on_ask(update: Update, context: Context, v: Visit) -> Reply:
    """Records the request and tells the organizers."""
    return await personal.erasure_asked(v)


@responds
async def on_cancel(update: Update, context: Context, v: Visit) -> Reply:
    """Leaves everything as it is."""
    return personal.erasure_cancelled()


@responds
async def on_decide(update: Update, context: Context, v: Visit) -> Answer:
    """Carries out or declines a request (organizers only), then says what was done."""
    parts = callback_parts(update)
    erase = len(parts) > 1 and parts[1] == "ok"
    return await personal.erasure_decided(v, request_id=number_at(parts, 2), erase=erase)


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Adds /mydata, /deleteme and the erasure buttons."""
    app.add_handler(CommandHandler("mydata", on_mydata))
    app.add_handler(CommandHandler("deleteme", on_deleteme))
    app.add_handler(CallbackQueryHandler(on_ask, pattern="^del:ask$"))
    app.add_handler(CallbackQueryHandler(on_cancel, pattern="^del:cancel$"))
    app.add_handler(CallbackQueryHandler(on_decide, pattern=r"^del:(ok|no):\d+$"))
