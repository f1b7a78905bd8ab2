"""The case as a whole document: preview in the chat, export as .docx, import from .docx.

Preview: the 说明书 as the organizer will see it, in the official layout, split into as few
messages as Telegram allows (messages.markup.split_messages), then the review card with a
button per field (or, for a locked case, its card).

Export: the .docx built by contest.document, sent as a document, at any time.

Import: a .docx written in the official template fills the fields it has (the others keep
their values); the bot says what it found and shows the review card. A file sent while a
case is being drafted (or after "上传 Word") goes to that case; a file sent out of the blue
is kept (its file id) and the bot asks which draft should take it, or starts a new case
when the unit has no draft that may be edited.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from telegram import Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, MessageHandler, filters

from channels.telegram import forms
from channels.telegram.case_common import (
    list_markup,
    open_review,
    own_case,
    refuse,
    send_card,
    tell_no_unit,
)
from channels.telegram.common import (
    Button,
    Context,
    Visit,
    answer,
    callback_parts,
    int_part,
    keyboard,
    reply,
    visit,
)
from contest.document import (
    MAX_BYTES,
    DocumentError,
    Imported,
    Properties,
    document_lines,
    parse_document,
)
from contest.document import build_document as build_docx
from contest.fields import display_value, options_for
from contest.lifecycle import may_create, word_count
from handlers.cases import (
    FORM,
    IMPORT,
    UPLOAD,
    CaseView,
    case_button,
    case_view,
    start_case,
    unit_for,
    unit_ready,
)
from messages import render
from messages.markup import plain_text, split_messages
from storage.cases import forget_case_forms, list_cases, save_values, unit_case
from storage.db import transaction
from storage.forms import active_form, delete_form, get_form, save_form
from storage.models import FormProgress

log = logging.getLogger(__name__)

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
WORD_FILES = filters.Document.FileExtension("docx") | filters.Document.FileExtension("doc")
WORD_FILES = WORD_FILES | filters.Document.MimeType(DOCX_MIME)
FILENAME_UNSAFE = re.compile(r'[\\/:*?"<>|\r\n\t]+')
FILENAME_MAX = 80


# ------------------------------------------------------------------------- preview


def preview_blocks(v: Visit, view: CaseView) -> list[str]:
    """Render the document as message blocks: the head, then one block per long field."""
    contest = v.services.contest
    blocks: list[list[tuple[str, str]]] = [[]]
    for style, text in document_lines(contest, view.case.values):
        if style == "label":
            blocks.append([])
        blocks[-1].append((style, text))
    rendered = [render("cases/preview_block.html", lines=lines) for lines in blocks]
    words = word_count(contest, view.case.values, None)
    rendered.append(
        render("cases/preview_footer.html", words=words, where=view.standing, now=v.now)
    )
    return rendered


async def preview(update: Update, context: Context) -> None:
    """Shows the whole 说明书 in as few messages as fit, then the case card."""
    v = await visit(update, context)
    view = await own_case(update, context, v, int_part(callback_parts(update), 1))
    if view is None:
        return
    await answer(update)
    chat = update.effective_chat
    assert chat is not None
    for part in split_messages(preview_blocks(v, view)):
        await context.bot.send_message(
            chat.id, part, parse_mode=ParseMode.HTML, disable_web_page_preview=True
        )
    # The case card after the text, not the review card with a button per field: the
    # card's ✏️ 修改 leads there in one tap.
    await send_card(update, context, v, view)


# -------------------------------------------------------------------------- export


def docx_name(title: str, form_title: str) -> str:
    """Return a file name for the exported document, safe on every system."""
    name = plain_text(render("cases/docx_filename.html", title=title, form_title=form_title))
    name = FILENAME_UNSAFE.sub(" ", name).strip(" .") or form_title
    return name[:FILENAME_MAX] + ".docx"


def build_document(v: Visit, view: CaseView) -> bytes:
    """Build the case's .docx with its closing note on 字数."""
    contest = v.services.contest
    words = word_count(contest, view.case.values, None)
    note = plain_text(render("cases/docx_note.html", contest=contest, words=words))
    values = view.case.values
    properties = Properties(
        title=str(values.get("title") or contest.forms.case.title),
        author=str(values.get("recommending_unit") or ""),
        created=v.now,
    )
    template = v.services.case_template
    return build_docx(contest, values, template=template, properties=properties, note=note)


async def export(update: Update, context: Context) -> None:
    """Sends the case as a .docx in the official layout."""
    v = await visit(update, context)
    view = await own_case(update, context, v, int_part(callback_parts(update), 1))
    if view is None:
        return
    await answer(update)
    contest = v.services.contest
    chat = update.effective_chat
    assert chat is not None
    title = str(view.case.values.get("title") or "")
    await context.bot.send_document(
        chat.id,
        document=build_document(v, view),
        filename=docx_name(title, contest.forms.case.title),
        caption=render(
            "cases/docx_caption.html",
            contest=contest,
            title=title,
            case=view.case,
            where=view.standing,
            now=v.now,
        ),
        parse_mode=ParseMode.HTML,
    )


# -------------------------------------------------------------------------- import


async def ask_import(update: Update, context: Context) -> None:
    """Waits for a .docx to import into this case."""
    v = await visit(update, context)
    view = await own_case(update, context, v, int_part(callback_parts(update), 1))
    if view is None:
        return
    if not view.standing.edit.allowed:
        await refuse(update, context, v, view, view.standing.edit, "edit")
        return
    await answer(update)
    async with transaction(v.services.sessions) as session:
        await save_form(
            session,
            person_id=v.person.id or 0,
            form_key=IMPORT,
            subject_id=view.case_id,
            state={},
            now=v.now,
        )
    await reply(
        update,
        context,
        "cases/import_prompt.html",
        markup=keyboard([[("case.cancel", f"case:{view.case_id}")]]),
        contest=v.services.contest,
        title=view.case.values.get("title") or "",
    )


async def remind_import(
    update: Update, context: Context, v: Visit, progress: FormProgress
) -> None:
    """Answers text sent while a .docx is awaited: the file is still expected (or cancel)."""
    await reply(
        update,
        context,
        "cases/import_waiting.html",
        markup=keyboard([[("case.cancel", f"case:{progress.subject_id}")]]),
    )


async def _download(context: Context, file_id: str) -> bytes | None:
    try:
        file = await context.bot.get_file(file_id)
        return bytes(await file.download_as_bytearray())
    except TelegramError as error:
        log.info("could not download %s: %s", file_id, error)
        return None


async def _read(
    update: Update,
    context: Context,
    v: Visit,
    file_id: str,
    size: int | None,
    name: str,
    mime: str = "",
) -> Imported | None:
    """Download and read an uploaded document; say what is wrong and return None if it fails."""
    code = ""
    imported = None
    if not (name.lower().endswith(".docx") or mime == DOCX_MIME):
        code = "old_format" if name.lower().endswith(".doc") else "not_docx"
    elif size is not None and size > MAX_BYTES:
        code = "too_big"
    else:
        data = await _download(context, file_id)
        if data is None:
            code = "download_failed"
        else:
            today = v.now.astimezone(v.services.contest.zone).date()
            try:
                imported = parse_document(v.services.contest, data, today=today)
            except DocumentError as error:
                code = error.code
    if imported is None:
        await reply(
            update,
            context,
            "cases/import_error.html",
            code=code,
            contest=v.services.contest,
            max_mb=MAX_BYTES // (1024 * 1024),
        )
    return imported


async def on_document(update: Update, context: Context) -> None:
    """Takes a Word file: into the case being drafted, or asks which case should take it."""
    message = update.effective_message
    if message is None or message.document is None:
        return
    document = message.document
    v = await visit(update, context)
    async with v.services.sessions() as session:
        progress = await active_form(session, person_id=v.person.id or 0)
        unit = await unit_for(session, v)
    if not unit_ready(unit):
        await tell_no_unit(update, context, v, unit)
        return
    name = document.file_name or ""
    mime = document.mime_type or ""
    target = progress.subject_id if progress and progress.form_key in (FORM, IMPORT) else None
    view = await own_case(update, context, v, target) if target is not None else None
    if target is not None and view is None:
        return
    if view is not None and not view.standing.edit.allowed:
        await refuse(update, context, v, view, view.standing.edit, "edit")
        return
    imported = await _read(update, context, v, document.file_id, document.file_size, name, mime)
    if imported is None:
        return
    if view is not None:
        await import_into(update, context, v, view, imported)
    else:
        await _choose_case(update, context, v, document.file_id, name, imported)


async def _choose_case(
    update: Update, context: Context, v: Visit, file_id: str, name: str, imported: Imported
) -> None:
    """Keep a file sent without a case and ask which draft takes it (or start a new case)."""
    contest = v.services.contest
    async with transaction(v.services.sessions) as session:
        assert v.person.unit_id is not None
        cases = await list_cases(session, unit_id=v.person.unit_id)
        views = [await case_view(session, v, case) for case in cases]
        await save_form(
            session,
            person_id=v.person.id or 0,
            form_key=UPLOAD,
            state={"file_id": file_id, "file_name": name},
            now=v.now,
            active=False,
        )
    drafts = [view for view in views if view.standing.edit.allowed]
    creation = may_create(contest, v.now, existing=len(views))
    if not drafts and creation.allowed:
        await _import_new(update, context, v, imported)
        return
    rows: list[list[Button]] = [
        [(case_button(view.case), f"case:{view.case_id}:upload")] for view in drafts
    ]
    if creation.allowed:
        rows.append([("case.import_new", "case:new:upload")])
    rows.append([("menu.cases", "menu:cases")])
    await reply(
        update,
        context,
        "cases/import_choose.html",
        markup=keyboard(rows),
        contest=contest,
        file_name=name,
        found=len(imported.values),
        drafts=len(drafts),
        creation=creation.allowed,
    )


async def _pending_upload(update: Update, context: Context, v: Visit) -> Imported | None:
    async with v.services.sessions() as session:
        kept = await get_form(session, person_id=v.person.id or 0, form_key=UPLOAD)
    file_id = str(kept.state.get("file_id") or "") if kept else ""
    if not file_id:
        await reply(update, context, "cases/upload_gone.html", markup=list_markup())
        return None
    assert kept is not None
    name = str(kept.state.get("file_name") or "")
    return await _read(update, context, v, file_id, None, name)


async def _forget_upload(v: Visit) -> None:
    async with transaction(v.services.sessions) as session:
        await delete_form(session, person_id=v.person.id or 0, form_key=UPLOAD)


async def upload_into(update: Update, context: Context) -> None:
    """Imports the file just sent into the chosen case."""
    v = await visit(update, context)
    view = await own_case(update, context, v, int_part(callback_parts(update), 1))
    if view is None:
        return
    if not view.standing.edit.allowed:
        await refuse(update, context, v, view, view.standing.edit, "edit")
        return
    await answer(update)
    imported = await _pending_upload(update, context, v)
    if imported is None:
        return
    await _forget_upload(v)
    await import_into(update, context, v, view, imported)


async def upload_new(update: Update, context: Context) -> None:
    """Starts a new case from the file just sent."""
    v = await visit(update, context)
    async with v.services.sessions() as session:
        unit = await unit_for(session, v)
    if not unit_ready(unit):
        await tell_no_unit(update, context, v, unit)
        return
    await answer(update)
    async with v.services.sessions() as session:
        existing = len(await list_cases(session, unit_id=v.person.unit_id or 0))
    creation = may_create(v.services.contest, v.now, existing=existing)
    if not creation.allowed:
        await reply(
            update,
            context,
            "cases/cannot_create.html",
            markup=list_markup(),
            contest=v.services.contest,
            now=v.now,
            refusal=creation.refusal.value if creation.refusal else "",
            window=creation.window,
        )
        return
    imported = await _pending_upload(update, context, v)
    if imported is None:
        return
    await _forget_upload(v)
    await _import_new(update, context, v, imported)


async def _import_new(update: Update, context: Context, v: Visit, imported: Imported) -> None:
    case = await start_case(v)
    async with v.services.sessions() as session:
        view = await case_view(session, v, case)
    await import_into(update, context, v, view, imported, new=True)


async def import_into(
    update: Update,
    context: Context,
    v: Visit,
    view: CaseView,
    imported: Imported,
    *,
    new: bool = False,
) -> None:
    """Store what a document gave into a case, say what was found, show the review card."""
    contest = v.services.contest
    async with transaction(v.services.sessions) as session:
        case = await unit_case(session, case_id=view.case_id, unit_id=v.person.unit_id)
        assert case is not None
        await save_values(session, case=case, values={**case.values, **imported.values}, now=v.now)
        # The text changed outside the form: a saved form state would be stale.
        await forget_case_forms(session, case_id=view.case_id, form_keys=(FORM, IMPORT))
    fields = [f for f in contest.forms.case.fields if f.in_document]
    await reply(
        update,
        context,
        "cases/imported.html",
        found=[
            (f, _preview_value(display_value(f, imported.values[f.key], options_for(f, contest))))
            for f in fields
            if f.key in imported.values
        ],
        rejected=[(f, imported.rejected[f.key]) for f in fields if f.key in imported.rejected],
        absent=[
            f
            for f in fields
            if f.key not in imported.values and f.key not in imported.rejected
        ],
        new=new,
    )
    await open_review(update, context, v, case)


def _preview_value(value: Any, size: int = 40) -> str:
    """Return a value shortened to one line for the import summary."""
    text = " / ".join(value) if isinstance(value, list) else str(value)
    text = " ".join(text.split())
    return text if len(text) <= size else text[: size - 1] + "…"


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Adds preview, export and import."""
    forms.TEXT_HOOKS[IMPORT] = remind_import
    app.add_handler(CallbackQueryHandler(preview, pattern=r"^case:\d+:preview$"))
    app.add_handler(CallbackQueryHandler(export, pattern=r"^case:\d+:docx$"))
    app.add_handler(CallbackQueryHandler(ask_import, pattern=r"^case:\d+:import$"))
    app.add_handler(CallbackQueryHandler(upload_into, pattern=r"^case:\d+:upload$"))
    app.add_handler(CallbackQueryHandler(upload_new, pattern=r"^case:new:upload$"))
    app.add_handler(MessageHandler(WORD_FILES, on_document))
