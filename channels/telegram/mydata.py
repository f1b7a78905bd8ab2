"""A person's data on Telegram: /mydata sends it as a file, /deleteme asks for its erasure.

An organizer confirms or declines each erasure request from the message the bot sends
them (``del:ok:<id>``, ``del:no:<id>``); the person is told either way. The use cases are
in ``handlers/personal.py``, the rows in ``storage/personal.py``.

Buttons (ids named in ``handlers/actions.py``): ``del:ask`` (confirm the request),
``del:cancel``, ``del:ok:<request id>`` and ``del:no:<request id>`` (organizers only;
re-checked, the request must still be pending).
"""

from __future__ import annotations

from io import BytesIO

from telegram import InputFile, Update
from telegram.constants import ParseMode
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from channels.telegram.common import (
    Context,
    answer,
    callback_parts,
    int_part,
    keyboard,
    reply,
    require_organizer,
    show,
    visit,
)
from handlers import actions as ids
from handlers.personal import ask_erasure, decide, export_personal_data, waiting_request
from messages import render

EXPORT_NAME = "mydata.json"


async def on_mydata(update: Update, context: Context) -> None:
    """Sends the person a JSON file of everything the bot holds about them."""
    v = await visit(update, context)
    data = await export_personal_data(v.services, person_id=v.person.id or 0, now=v.now)
    chat = update.effective_chat
    assert chat is not None
    await context.bot.send_document(
        chat.id,
        InputFile(BytesIO(data), filename=EXPORT_NAME),
        caption=render("mydata/export.html", now=v.now),
        parse_mode=ParseMode.HTML,
    )


async def on_deleteme(update: Update, context: Context) -> None:
    """Explains what erasure removes and keeps, and asks the person to confirm."""
    v = await visit(update, context)
    pending = await waiting_request(v.services, person_id=v.person.id or 0)
    if pending is not None:
        await reply(update, context, "mydata/erase_pending.html", request=pending)
        return
    markup = keyboard([[("erase.ask", ids.ERASE_ASK), ("erase.cancel", ids.ERASE_CANCEL)]])
    await reply(update, context, "mydata/erase_ask.html", markup=markup)


async def on_ask(update: Update, context: Context) -> None:
    """Records the request and tells the organizers."""
    v = await visit(update, context)
    await answer(update)
    asked = await ask_erasure(v.services, person=v.person, now=v.now)
    await show(
        update,
        context,
        "mydata/erase_sent.html",
        request=asked.request,
        told=asked.told,
        contest=v.services.contest,
    )


async def on_cancel(update: Update, context: Context) -> None:
    """Leaves everything as it is."""
    await answer(update)
    await show(update, context, "mydata/erase_cancelled.html")


async def on_decide(update: Update, context: Context) -> None:
    """Carries out or declines a request (organizers only), then says what was done."""
    v = await visit(update, context)
    if not await require_organizer(update, context, v):
        return
    await answer(update)
    parts = callback_parts(update)
    request_id = int_part(parts, 2)
    erase = len(parts) > 1 and parts[1] == "ok"
    request = None
    if request_id is not None:
        request = await decide(
            v.services, request_id=request_id, organizer=v.person, now=v.now, erase=erase
        )
    await show(update, context, "mydata/erase_decided.html", request=request, erased=erase)


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Adds /mydata, /deleteme and the erasure buttons."""
    app.add_handler(CommandHandler("mydata", on_mydata))
    app.add_handler(CommandHandler("deleteme", on_deleteme))
    app.add_handler(CallbackQueryHandler(on_ask, pattern="^del:ask$"))
    app.add_handler(CallbackQueryHandler(on_cancel, pattern="^del:cancel$"))
    app.add_handler(CallbackQueryHandler(on_decide, pattern=r"^del:(ok|no):\d+$"))
