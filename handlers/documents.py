"""Use cases of the case as a whole document: preview, export as .docx, import from .docx.

Preview: the 说明书 as the organizer will see it, in the official layout, as blocks a
channel packs into as few messages as it allows (``Reply.joined``), ending on its 字数 line
with three buttons (edit, export, back to the case), not on the review card: the preview
is for reading, and the review card is one tap away.

Export: the .docx built by contest.document, as an attachment, at any time.

Import: a .docx written in the official template fills the fields it has (the others keep
their values); the reply says what was found (choices by their labels) and shows the review
card. A file sent while a case is being drafted (or after "上传 Word") goes to that case; a
file sent out of the blue is kept (the channel's reference to it) and the person is asked
which draft should take it, or a new case is started when the unit has no draft that may be
edited. A download never runs inside a transaction: the use case looks where the file
should go, fetches and reads it through the channel, then stores it in one transaction that
checks again.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from contest.document import (
    MAX_BYTES,
    DocumentError,
    Imported,
    document_lines,
    parse_document,
)
from contest.fields import display_value, options_for
from contest.lifecycle import may_create, word_count
from handlers import actions as ids
from handlers.cases import (
    DOCX_MIME,
    FORM,
    IMPORT,
    NOT_FOUND_TOAST,
    UPLOAD,
    CaseView,
    Outcome,
    case_button,
    case_view,
    create_in,
    docx_attachment,
    list_actions,
    no_unit,
    not_found,
    own_view,
    refusal,
    review_in,
    stop_waiting_in,
    unit_for,
    unit_ready,
)
from handlers.forms import register_wait
from handlers.lead import team_follows_document
from handlers.replies import Reply, actions
from handlers.visits import Visit
from storage.cases import forget_case_forms, list_cases, save_values
from storage.db import transaction
from storage.forms import active_form, delete_form, get_form, save_form
from storage.models import FormProgress

PREVIEW_LINE = 40  # characters of a value in the import summary


@dataclass(frozen=True)
class Upload:
    """A file someone sent: its reference in the channel, and its name, type and size."""

    ref: str
    name: str
    mime: str = ""
    size: int | None = None


# Download a file by the channel's reference to it; None if that fails.
Fetch = Callable[[str], Awaitable[bytes | None]]


# ------------------------------------------------------------------------- preview


def preview_replies(v: Visit, view: CaseView) -> list[Reply]:
    """Return the document as joined blocks: the head, one block per long field, 字数."""
    contest = v.services.contest
    blocks: list[list[tuple[str, str]]] = [[]]
    for style, text in document_lines(contest, view.case.values):
        if style == "label":
            blocks.append([])
        blocks[-1].append((style, text))
    replies = [Reply("cases/preview_block.html", {"lines": lines}, joined=True) for lines in blocks]
    words = word_count(contest, view.case.values, None)
    footer = {"words": words, "where": view.standing, "now": v.now}
    replies.append(Reply("cases/preview_footer.html", footer, joined=True))
    return replies


async def preview(v: Visit, *, case_id: int | None) -> Outcome:
    """Show the whole 说明书, ending on its 字数 line with the ways on (no review card)."""
    async with transaction(v.services.sessions) as session:
        view = await own_view(session, v, case_id)
        if view is None:
            return Outcome([not_found()], NOT_FOUND_TOAST)
        await stop_waiting_in(session, v, view.case_id)
    *blocks, footer = preview_replies(v, view)
    prefix = f"case:{view.case_id}"
    edit = [("case.edit", f"{prefix}:edit")] if view.standing.edit.allowed else []
    buttons = actions([[*edit, ("case.export", f"{prefix}:docx")], [("case.back", prefix)]])
    return Outcome([*blocks, dataclasses.replace(footer, joined=False, actions=buttons)])


# -------------------------------------------------------------------------- export


async def export(v: Visit, *, case_id: int | None) -> Outcome:
    """Return the case as a .docx in the official layout."""
    async with v.services.sessions() as session:
        view = await own_view(session, v, case_id)
    if view is None:
        return Outcome([not_found()], NOT_FOUND_TOAST)
    values = {
        "contest": v.services.contest,
        "title": str(view.case.values.get("title") or ""),
        "case": view.case,
        "where": view.standing,
        "now": v.now,
    }
    return Outcome([Reply("cases/docx_caption.html", values, attachment=docx_attachment(v, view))])


# -------------------------------------------------------------------------- import


def _cancel(case_id: int) -> Any:
    return actions([[("case.cancel", f"case:{case_id}")]])


async def ask_import(v: Visit, *, case_id: int | None) -> Outcome:
    """Wait for a .docx to import into this case."""
    async with transaction(v.services.sessions) as session:
        view = await own_view(session, v, case_id)
        if view is None:
            return Outcome([not_found()], NOT_FOUND_TOAST)
        if not view.standing.edit.allowed:
            return Outcome([refusal(v, view, view.standing.edit, "edit")])
        await save_form(
            session,
            person_id=v.person.id or 0,
            form_key=IMPORT,
            subject_id=view.case_id,
            state={},
            now=v.now,
        )
    values = {"contest": v.services.contest, "title": view.case.values.get("title") or ""}
    return Outcome([Reply("cases/import_prompt.html", values, _cancel(view.case_id))])


async def _remind_import(
    session: AsyncSession, v: Visit, progress: FormProgress, text: str
) -> list[Reply]:
    """Answer text sent while a .docx is awaited: the file is still expected (or cancel)."""
    return [Reply("cases/import_waiting.html", actions=_cancel(progress.subject_id))]


def _format_problem(upload: Upload) -> str:
    name = upload.name.lower()
    if not (name.endswith(".docx") or upload.mime == DOCX_MIME):
        return "old_format" if name.endswith(".doc") else "not_docx"
    if upload.size is not None and upload.size > MAX_BYTES:
        return "too_big"
    return ""


async def read_upload(v: Visit, upload: Upload, fetch: Fetch) -> Imported | Reply:
    """Fetch and read an uploaded document; or the reply that says what is wrong with it."""
    code = _format_problem(upload)
    if not code:
        data = await fetch(upload.ref)
        if data is None:
            code = "download_failed"
        else:
            today = v.now.astimezone(v.services.contest.zone).date()
            try:
                return parse_document(v.services.contest, data, today=today)
            except DocumentError as error:
                code = error.code
    values = {"code": code, "contest": v.services.contest, "max_mb": MAX_BYTES // (1024 * 1024)}
    return Reply("cases/import_error.html", values)


async def take_document(v: Visit, *, upload: Upload, fetch: Fetch) -> Outcome:
    """Take a Word file: into the case being drafted, or ask which case should take it."""
    async with v.services.sessions() as session:
        progress = await active_form(session, person_id=v.person.id or 0)
        unit = await unit_for(session, v)
        target = progress.subject_id if progress and progress.form_key in (FORM, IMPORT) else None
        view = await own_view(session, v, target) if target is not None else None
    if not unit_ready(unit):
        return Outcome([no_unit(v, unit)])
    if target is not None and view is None:
        return Outcome([not_found()], NOT_FOUND_TOAST)
    if view is not None and not view.standing.edit.allowed:
        return Outcome([refusal(v, view, view.standing.edit, "edit")])
    imported = await read_upload(v, upload, fetch)
    if isinstance(imported, Reply):
        return Outcome([imported])
    async with transaction(v.services.sessions) as session:
        if target is not None:
            return Outcome(await _import_into(session, v, target, imported))
        return Outcome(await _choose_case(session, v, upload, imported))


async def _choose_case(
    session: AsyncSession, v: Visit, upload: Upload, imported: Imported
) -> list[Reply]:
    """Keep a file sent without a case and ask which draft takes it (or start a new case)."""
    contest = v.services.contest
    cases = await list_cases(session, unit_id=v.person.unit_id or 0)
    views = [await case_view(session, v, case) for case in cases]
    await save_form(
        session,
        person_id=v.person.id or 0,
        form_key=UPLOAD,
        state={"file_id": upload.ref, "file_name": upload.name},
        now=v.now,
        active=False,
    )
    drafts = [view for view in views if view.standing.edit.allowed]
    creation = may_create(contest, v.now, existing=len(views))
    if not drafts and creation.allowed:
        return await _import_new(session, v, imported)
    rows: list[list[tuple[str, str]]] = [
        [(case_button(view.case), f"case:{view.case_id}:upload")] for view in drafts
    ]
    if creation.allowed:
        rows.append([("case.import_new", "case:new:upload")])
    rows.append([("menu.cases", ids.MENU_CASES)])
    values = {
        "contest": contest,
        "file_name": upload.name,
        "found": len(imported.values),
        "drafts": len(drafts),
        "creation": creation.allowed,
    }
    return [Reply("cases/import_choose.html", values, actions(rows))]


async def _pending(v: Visit, fetch: Fetch) -> Imported | Reply:
    """Read the file kept from an upload sent without a case; or say it is gone or bad."""
    async with v.services.sessions() as session:
        kept = await get_form(session, person_id=v.person.id or 0, form_key=UPLOAD)
    ref = str(kept.state.get("file_id") or "") if kept else ""
    if kept is None or not ref:
        return Reply("cases/upload_gone.html", actions=list_actions())
    return await read_upload(v, Upload(ref, str(kept.state.get("file_name") or "")), fetch)


async def upload_into(v: Visit, *, case_id: int | None, fetch: Fetch) -> Outcome:
    """Import the file just sent into the chosen case."""
    async with v.services.sessions() as session:
        view = await own_view(session, v, case_id)
    if view is None:
        return Outcome([not_found()], NOT_FOUND_TOAST)
    if not view.standing.edit.allowed:
        return Outcome([refusal(v, view, view.standing.edit, "edit")])
    imported = await _pending(v, fetch)
    if isinstance(imported, Reply):
        return Outcome([imported])
    async with transaction(v.services.sessions) as session:
        await delete_form(session, person_id=v.person.id or 0, form_key=UPLOAD)
        return Outcome(await _import_into(session, v, view.case_id, imported))


async def upload_new(v: Visit, *, fetch: Fetch) -> Outcome:
    """Start a new case from the file just sent."""
    contest = v.services.contest
    async with v.services.sessions() as session:
        unit = await unit_for(session, v)
        existing = len(await list_cases(session, unit_id=unit.id or 0)) if unit else 0
    if not unit_ready(unit):
        return Outcome([no_unit(v, unit)])
    creation = may_create(contest, v.now, existing=existing)
    if not creation.allowed:
        values = {
            "contest": contest,
            "now": v.now,
            "refusal": creation.refusal.value if creation.refusal else "",
            "window": creation.window,
        }
        return Outcome([Reply("cases/cannot_create.html", values, list_actions())])
    imported = await _pending(v, fetch)
    if isinstance(imported, Reply):
        return Outcome([imported])
    async with transaction(v.services.sessions) as session:
        await delete_form(session, person_id=v.person.id or 0, form_key=UPLOAD)
        return Outcome(await _import_new(session, v, imported))


async def _import_new(session: AsyncSession, v: Visit, imported: Imported) -> list[Reply]:
    case = await create_in(session, v, None)
    return await _import_into(session, v, case.id or 0, imported, new=True)


async def _import_into(
    session: AsyncSession, v: Visit, case_id: int, imported: Imported, *, new: bool = False
) -> list[Reply]:
    """Store what a document gave into a case, say what was found, show the review card."""
    view = await own_view(session, v, case_id)
    if view is None:
        return [not_found()]
    if not view.standing.edit.allowed:
        return [refusal(v, view, view.standing.edit, "edit")]
    case = view.case
    before = dict(case.values)
    merged = {**case.values, **imported.values}
    await save_values(session, case=case, values=merged, now=v.now, contest=v.services.contest)
    await team_follows_document(session, v, case, before)  # 牵头人 王五 → the team's lead
    # The text changed outside the form: a saved form state would be stale.
    await forget_case_forms(session, case_id=case_id, form_keys=(FORM, IMPORT))
    await session.flush()
    return [imported_summary(v, imported, new=new), *await review_in(session, v, case)]


def imported_summary(v: Visit, imported: Imported, *, new: bool = False) -> Reply:
    """Say what a document gave: the fields found (choices by label), refused, absent."""
    contest = v.services.contest
    fields = [f for f in contest.forms.case.fields if f.in_document]
    found = [
        (f, _line(display_value(f, imported.values[f.key], options_for(f, contest))))
        for f in fields
        if f.key in imported.values
    ]
    values = {
        "found": found,
        "rejected": [(f, imported.rejected[f.key]) for f in fields if f.key in imported.rejected],
        "absent": [
            f for f in fields if f.key not in imported.values and f.key not in imported.rejected
        ],
        "new": new,
    }
    return Reply("cases/imported.html", values)


def _line(value: Any, size: int = PREVIEW_LINE) -> str:
    """Return a value shortened to one line for the import summary."""
    text = " / ".join(value) if isinstance(value, list) else str(value)
    text = " ".join(text.split())
    return text if len(text) <= size else text[: size - 1] + "…"


def register_waits() -> None:
    """Make text sent while a .docx is awaited get a reminder."""
    register_wait(IMPORT, _remind_import)

