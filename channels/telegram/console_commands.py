"""Organizer commands around the web console: /console, /stats, /export, and from /status
a unit and a case (the 说明书 preview and its .docx).

Buttons: ``cons:u:<page>`` (a page of units), ``cons:n:<unit id>`` (a unit, its contacts and
cases), ``cons:c:<case id>`` (a case's preview and .docx). Every command and button
re-checks the organizer right; ids in buttons are re-read from the database.
"""

from __future__ import annotations

import asyncio
import contextlib

from telegram import InputFile, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from channels.telegram.case_documents import preview_blocks
from channels.telegram.common import (
    Context,
    Visit,
    answer,
    callback_parts,
    keyboard,
    markup_of,
    reply,
    show,
)
from channels.telegram.organizer import HOME, for_organizers
from handlers import exports
from handlers.actions import number_at, text_at
from handlers.console import issue_login_link, organizer_case, unit_table, unit_view
from messages import label, render
from messages.markup import plain_text, split_messages

PROGRESS_EVERY = 5.0  # seconds between progress edits while the documents are built


@for_organizers
async def console(update: Update, context: Context, v: Visit) -> None:
    """Sends an organizer a one-time link into the web console."""
    base = v.services.settings.console_url
    if base is None:
        await reply(update, context, "console_bot/not_configured.html")
        return
    link = await issue_login_link(
        sessions=v.services.sessions, who=v.person,
        configured=v.services.is_configured_organizer, now=v.now,
    )  # fmt: skip
    if link is None:
        return
    url = f"{base}/login?token={link.token}"
    await reply(update, context, "console_bot/link.html", url=url, expires_at=link.expires_at)


@for_organizers
async def stats(update: Update, context: Context, v: Visit) -> None:
    """Replies with a short summary of the cases and the cases-per-day chart."""
    result = await exports.case_stats(
        sessions=v.services.sessions, contest=v.services.contest, now=v.now
    )
    await reply(
        update, context, "console_bot/stats.html", now=v.now, lines=result.lines,
        units=result.units, units_with_cases=result.units_with_cases,
    )  # fmt: skip
    chat = update.effective_chat
    assert chat is not None
    await context.bot.send_document(
        chat.id,
        InputFile(result.chart, filename=label("console.chart_file")),
        caption=render("console_bot/chart_caption.html"),
    )


async def _send_file(context: Context, chat_id: int, file: exports.ExportFile) -> None:
    """Send an export as a document, streamed from its temporary file, then close it."""
    try:
        document = InputFile(file.data, filename=file.name, read_file_handle=False)
        await context.bot.send_document(chat_id, document)
    finally:
        file.close()


@for_organizers
async def export(update: Update, context: Context, v: Visit) -> None:
    """Sends the units and cases workbooks and the zip of every submitted 说明书."""
    chat = update.effective_chat
    assert chat is not None
    values = {
        "sessions": v.services.sessions, "contest": v.services.contest, "now": v.now,
        "who": v.person.id,
    }  # fmt: skip
    steps = [exports.export_units, exports.export_cases]
    progress = await reply(
        update, context, "console_bot/export_progress.html", done=0, total=3, current=""
    )
    done: list[tuple[str, int]] = []
    for number, step in enumerate(steps, start=1):
        file = await step(**values)  # type: ignore[operator]
        await _send_file(context, chat.id, file)
        done.append((file.name, file.count))
        text = render("console_bot/export_progress.html", done=number, total=3, current="")
        await progress.edit_text(text, parse_mode=ParseMode.HTML)
    counted = {"done": 0, "total": 0}

    def count(documents: int, total: int) -> None:  # called from the worker thread
        counted.update(done=documents, total=total)

    async def tick() -> None:
        shown = -1
        while True:
            await asyncio.sleep(PROGRESS_EVERY)
            if counted["done"] != shown:
                shown = counted["done"]
                current = render("console_bot/export_documents.html", **counted)
                text = render("console_bot/export_progress.html", done=2, total=3, current=current)
                with contextlib.suppress(TelegramError):
                    await progress.edit_text(text, parse_mode=ParseMode.HTML)

    ticker = asyncio.create_task(tick())
    try:
        file = await exports.export_documents(  # type: ignore[arg-type]
            progress=count, template=v.services.case_template, **values
        )
    finally:
        ticker.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await ticker
    await _send_file(context, chat.id, file)
    done.append((file.name, file.count))
    await progress.edit_text(
        render("console_bot/export_done.html", files=done), parse_mode=ParseMode.HTML
    )


@for_organizers
async def on_button(update: Update, context: Context, v: Visit) -> None:
    """Handles the drill-down buttons from /status: units, a unit, a case."""
    await answer(update)
    parts = callback_parts(update)
    op, number = text_at(parts, 1), number_at(parts, 2) or 0
    sessions, contest = v.services.sessions, v.services.contest
    if op == "u":
        table = await unit_table(
            sessions=sessions, contest=contest, search="", submitter="", page=max(number, 1)
        )
        rows = [[(_unit_name(r.unit), f"cons:n:{r.unit.id}")] for r in table.rows]
        page = table.pages.page
        nav = []
        if page > 1:
            nav.append(("console.back", f"cons:u:{page - 1}"))
        if page < table.pages.pages:
            nav.append(("console.more", f"cons:u:{page + 1}"))
        rows += [nav, [("org.home", HOME)]]
        await show(
            update, context, "console_bot/units.html", markup=keyboard(rows), page=page,
            pages=table.pages.pages, total=table.pages.total,
        )  # fmt: skip
    elif op == "n":
        view = await unit_view(sessions=sessions, contest=contest, unit_id=number, now=v.now)
        if view is None:
            await reply(update, context, "console_bot/not_found.html")
            return
        rows = [
            [(_case_label(x.row.case.id, x.title), f"cons:c:{x.row.case.id}")]
            for x in view.lines
        ]
        rows.append([("console.units", "cons:u:1"), ("org.home", HOME)])
        await reply(
            update, context, "console_bot/unit.html", markup=keyboard(rows), unit=view.row.unit,
            contacts=view.row.contacts, submitted=view.row.submitted, drafts=view.row.drafts,
            lines=view.lines,
        )  # fmt: skip
    elif op == "c":
        await _case(update, context, v, number)


def _unit_name(unit: object) -> str:
    name = getattr(unit, "recommending_unit", "") or getattr(unit, "party_org", "")
    return (name or f"#{getattr(unit, 'id', '')}")[:30]


async def _case(update: Update, context: Context, v: Visit, case_id: int) -> None:
    services = v.services
    view = await organizer_case(v, case_id=case_id)
    chat = update.effective_chat
    assert chat is not None
    if view is None:
        await reply(update, context, "console_bot/not_found.html")
        return
    for part in split_messages(preview_blocks(v, view)):
        await context.bot.send_message(
            chat.id, part, parse_mode=ParseMode.HTML, disable_web_page_preview=True
        )
    file = await exports.case_document(
        sessions=services.sessions, contest=services.contest, case_id=case_id,
        now=v.now, who=v.person.id, template=services.case_template,
    )  # fmt: skip
    if file is not None:
        await context.bot.send_document(
            chat.id, InputFile(file.data, filename=file.name),
            caption=plain_text(file.name), reply_markup=markup_of(
                keyboard([[("console.units", "cons:u:1"), ("org.home", HOME)]])
            ),
        )  # fmt: skip


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Adds /console, /stats, /export and the drill-down buttons."""
    app.add_handler(CommandHandler("console", console))
    app.add_handler(CommandHandler("stats", stats))
    app.add_handler(CommandHandler("export", export))
    app.add_handler(CallbackQueryHandler(on_button, pattern=r"^cons:"))


def _case_label(case_id: int | None, title: str) -> str:
    """Return a case button's label: its number and title (cut to fit a button)."""
    shown = title[:20] if title else label("console.untitled")
    return label("console.case", label=f"{case_id} {shown}")
