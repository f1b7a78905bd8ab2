"""Exports for organizers: units and contacts (.xlsx), cases (.xlsx), every 说明书 (.zip of
.docx), the copies taken when a stage closed (.zip), and the cases-per-day chart (.png).

Each use case loads what it needs in one read transaction, then builds the file in a worker
thread (``asyncio.to_thread``) so the bot keeps answering while a big export is made, and
writes an audit event. Builders are plain functions of plain data, also used by the
benchmark. ``progress(done, total)`` is called from the worker thread as documents are
added to a zip.
"""

from __future__ import annotations

import asyncio
import io
import re
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from typing import Any

from contest.definition import Contest, FormField
from contest.document import Properties, build_document
from contest.extras import extra_fields, shown_value
from contest.fields import Reading, field_type, options_for
from contest.lifecycle import word_count
from contest.timefmt import format_moment
from handlers.console import case_line, overview
from messages import render
from messages.markup import plain_text
from storage.audit import record_event
from storage.case_table import CaseRow, all_cases, stage_copies
from storage.db import SessionFactory, transaction
from storage.unit_table import UnitRow, all_unit_rows

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ZIP = "application/zip"
PNG = "image/png"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
UNSAFE = re.compile(r'[\\/:*?"<>|\r\n\t]+')
NAME_MAX = 60
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class ExportFile:
    """A finished export: its file name, bytes and MIME type, and how many rows it holds."""

    name: str
    data: bytes
    mime: str
    count: int


def _official_cell(case: Any) -> object:
    """Return when a case was marked as submitted in the official system, or 待提交."""
    if case.official_at is not None:
        return _cell(case.official_at)
    return "待提交" if case.status == "submitted" else ""


def _cell(value: object) -> object:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return "\n".join(f"{n}. {item}" for n, item in enumerate(value, start=1))
    if isinstance(value, datetime):
        return format_moment(value)
    return "" if value is None else value


def _safe(text: str) -> str:
    return UNSAFE.sub(" ", text).strip(" .")[:NAME_MAX]


def _field_value(contest: Contest, f: FormField, value: object) -> object:
    """Return a case field's value as a cell: as its kind shows it (a choice's label)."""
    shown = field_type(f).display(value, Reading(options_for(f, contest)))
    return "" if shown is None else _cell(shown)


def _stamp(contest: Contest, now: datetime) -> str:
    return now.astimezone(contest.zone).strftime("%Y%m%d-%H%M")


def _fit(sheet: Any, widths: Sequence[int]) -> None:
    from openpyxl.utils import get_column_letter

    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"


# ------------------------------------------------------------------------------- units


def units_workbook(contest: Contest, rows: Sequence[UnitRow]) -> bytes:
    """Build the units and contacts workbook: one row per contact person (or unit).

    Fields the contest file adds to the unit and contact forms (kept in ``extra``) follow
    the fixed columns, each under its own label.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font

    submitters = {s.key: s.name for s in contest.registration.submitters}
    unit_extras = extra_fields("unit", contest.forms.unit)
    contact_extras = extra_fields("contact", contest.forms.contact)
    book = Workbook(write_only=False)
    sheet = book.active
    sheet.title = "单位与联系人"
    head = ["单位编号", "党组织名称", "推荐单位", "报送渠道", "草稿", "已提交", "最近活动"]
    head += [f.label for f in unit_extras]
    head += ["联系人", "职务", "办公电话", "手机"] + [f.label for f in contact_extras]
    sheet.append(head)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        unit = row.unit
        base = [
            unit.id, unit.party_org, unit.recommending_unit,
            submitters.get(unit.submitter_key, "本单位直接报送"), row.drafts, row.submitted,
            _cell(row.last_activity),
        ]  # fmt: skip
        base += [_extra(f, unit.extra) for f in unit_extras]
        for person in row.contacts or [None]:
            if person is None:
                sheet.append([*base, "", "", "", ""] + ["" for _ in contact_extras])
            else:
                sheet.append(
                    [*base, person.name or person.display_name, person.title,
                     person.office_phone, person.mobile]
                    + [_extra(f, person.extra) for f in contact_extras]
                )  # fmt: skip
    _fit(sheet, [8, 30, 24, 16, 6, 6, 22, *(16 for _ in unit_extras), 10, 16, 16, 14])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _extra(form_field: FormField, extra: Mapping[str, Any] | None) -> object:
    """Return one added field's value as a cell: a choice's label, a list numbered."""
    return _cell(shown_value(form_field, (extra or {}).get(form_field.key)))


async def export_units(
    *, sessions: SessionFactory, contest: Contest, now: datetime, who: int | None
) -> ExportFile:
    """Export every unit with its contact persons as .xlsx."""
    async with transaction(sessions) as session:
        rows = await all_unit_rows(session)
        await record_event(
            session, person_id=who, action="export", now=now,
            detail={"kind": "units", "units": len(rows)},
        )  # fmt: skip
    data = await asyncio.to_thread(units_workbook, contest, rows)
    return ExportFile(f"单位与联系人-{_stamp(contest, now)}.xlsx", data, XLSX, len(rows))


# ------------------------------------------------------------------------------- cases


def _member_text(contest: Contest, member: Any) -> str:
    """Return one member as the team column shows them: role, employment, the added fields.

    ``赵六（负责人；政治面貌：中共党员；项目分工：方案策划）``: the employment only where the
    member form asks it, each field the contest file adds under its own label.
    """
    form = contest.forms.member
    notes = [contest.terms.lead_member] if member.is_lead else []
    employment = next((f for f in form.fields if f.key == "employment"), None)
    if employment is not None and member.employment:
        notes.append(str(shown_value(employment, member.employment)))
    for f in extra_fields("member", form):
        value = _cell(shown_value(f, (member.extra or {}).get(f.key)))
        if value not in ("", None):
            notes.append(f"{f.label}：{value}")
    return f"{member.name}（{'；'.join(notes)}）" if notes else member.name


def case_columns(contest: Contest) -> list[FormField]:
    """Return the case form's fields, every one a column of the cases workbook."""
    return list(contest.forms.case.fields)


def cases_workbook(contest: Contest, rows: Sequence[CaseRow], now: datetime) -> bytes:
    """Build the cases workbook: a summary sheet, then one sheet per category."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    fields = case_columns(contest)
    book = Workbook()
    summary = book.active
    summary.title = "汇总"
    summary.append(["案例类别", "草稿", "已提交", "合计"])
    lines = [case_line(contest, row, now) for row in rows]
    for category in contest.categories:
        mine = [x for x in lines if x.row.case.values.get("category") == category.key]
        submitted = sum(1 for x in mine if x.row.case.status == "submitted")
        summary.append([category.name, len(mine) - submitted, submitted, len(mine)])
    submitted = sum(1 for x in lines if x.row.case.status == "submitted")
    summary.append(["合计", len(lines) - submitted, submitted, len(lines)])
    for cell in summary[1]:
        cell.font = Font(bold=True)
    _fit(summary, [16, 8, 8, 8])
    aid = contest.drafting_aid  # a column for the mark 已在官网提交, where the bot only drafts
    marked = [f"{aid.short}提交"] if aid else []
    head = ["案例编号", "参赛单位", "状态", "字数", "待补充", "未附依据的用词", "团队人数",
            "团队成员", "提交时间", *marked, "版本", *(f.label for f in fields)]  # fmt: skip
    wrap = Alignment(wrap_text=True, vertical="top")
    for category in contest.categories:
        sheet = book.create_sheet(_safe(category.name)[:31] or category.key)
        sheet.append(head)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for x in lines:
            values = x.row.case.values
            if values.get("category") != category.key:
                continue
            team = "、".join(_member_text(contest, m) for m in x.row.members)
            sheet.append([
                x.row.case.id, x.row.unit.recommending_unit or x.row.unit.party_org,
                "已提交" if x.row.case.status == "submitted" else "草稿", x.words,
                plain_text(render("cases/gaps.html", gaps=x.gaps)) if x.gaps else "",
                "、".join(h.phrase for h in x.open_hits), len(x.row.members), team,
                _cell(x.row.case.submitted_at),
                *([_official_cell(x.row.case)] if aid else []), x.row.revisions,
                *(_field_value(contest, f, values.get(f.key)) for f in fields),
            ])  # fmt: skip
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                cell.alignment = wrap
        widths = [8, 24, 8, 6, 30, 16, 6, 30, 22, *(22 for _ in marked), 6]
        _fit(sheet, [*widths, *(24 for _ in fields)])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


async def export_cases(
    *, sessions: SessionFactory, contest: Contest, now: datetime, who: int | None
) -> ExportFile:
    """Export every case as .xlsx: every form field a column, a sheet per category."""
    async with transaction(sessions) as session:
        rows = await all_cases(session)
        await record_event(
            session, person_id=who, action="export", now=now,
            detail={"kind": "cases", "cases": len(rows)},
        )  # fmt: skip
    data = await asyncio.to_thread(cases_workbook, contest, rows, now)
    return ExportFile(f"案例汇总-{_stamp(contest, now)}.xlsx", data, XLSX, len(rows))


# --------------------------------------------------------------------------- documents


@dataclass(frozen=True)
class Paper:
    """One document to put in a zip: its category, unit, title and values."""

    category: str
    unit: str
    title: str
    values: Mapping[str, Any]


def paper_name(paper: Paper, taken: set[str]) -> str:
    """Return ``类别-单位-案例名.docx``, made unique within the zip."""
    stem = "-".join(_safe(part) or "未填写" for part in (paper.category, paper.unit, paper.title))
    name, number = f"{stem}.docx", 2
    while name in taken:
        name, number = f"{stem}（{number}）.docx", number + 1
    taken.add(name)
    return name


def paper_document(
    contest: Contest, paper: Paper, *, template: bytes | None, now: datetime
) -> bytes:
    """Build one 说明书 on the case template (CASE_TEMPLATE), with its closing note on 字数."""
    words = word_count(contest, paper.values, None)
    note = plain_text(render("cases/docx_note.html", contest=contest, words=words))
    properties = Properties(
        title=paper.title or contest.forms.case.title,
        author=str(paper.values.get("recommending_unit") or paper.unit),
        created=now,
    )
    return build_document(
        contest, paper.values, template=template, properties=properties, note=note
    )


def documents_zip(
    contest: Contest,
    papers: Sequence[Paper],
    progress: Progress | None,
    *,
    template: bytes | None = None,
    now: datetime,
) -> bytes:
    """Build a zip of .docx 说明书, one per paper, in the official layout."""
    buffer = io.BytesIO()
    taken: set[str] = set()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for done, paper in enumerate(papers, start=1):
            document = paper_document(contest, paper, template=template, now=now)
            archive.writestr(paper_name(paper, taken), document)
            if progress is not None:
                progress(done, len(papers))
    return buffer.getvalue()


def _category(contest: Contest, key: object) -> str:
    return next((c.name for c in contest.categories if c.key == key), "")


def _paper(contest: Contest, values: Mapping[str, Any], unit: Any) -> Paper:
    return Paper(
        _category(contest, values.get("category")),
        unit.recommending_unit or unit.party_org,
        str(values.get("title") or ""),
        values,
    )


async def export_documents(
    *,
    sessions: SessionFactory,
    contest: Contest,
    now: datetime,
    who: int | None,
    template: bytes | None = None,
    progress: Progress | None = None,
) -> ExportFile:
    """Export every submitted 说明书 as a zip of .docx named 类别-单位-案例名.docx."""
    async with transaction(sessions) as session:
        rows = await all_cases(session, submitted_only=True)
        await record_event(
            session, person_id=who, action="export", now=now,
            detail={"kind": "documents", "cases": len(rows)},
        )  # fmt: skip
    papers = [_paper(contest, r.case.values, r.unit) for r in rows]
    data = await asyncio.to_thread(
        partial(documents_zip, contest, papers, progress, template=template, now=now)
    )
    name = f"{contest.forms.case.title}-已提交-{_stamp(contest, now)}.zip"
    return ExportFile(name, data, ZIP, len(papers))


async def export_stage_documents(
    *,
    sessions: SessionFactory,
    contest: Contest,
    stage_key: str,
    now: datetime,
    who: int | None,
    template: bytes | None = None,
    progress: Progress | None = None,
) -> ExportFile | None:
    """Export the copies taken when a stage closed as a zip of .docx; None: no such stage."""
    stage = next((s for s in contest.stages if s.key == stage_key), None)
    if stage is None:
        return None
    async with transaction(sessions) as session:
        copies = await stage_copies(session, stage_key=stage.key)
        await record_event(
            session, person_id=who, action="export", now=now,
            detail={"kind": "stage_documents", "stage": stage.key, "cases": len(copies)},
        )  # fmt: skip
    papers = [_paper(contest, c.revision.values, c.unit) for c in copies]
    data = await asyncio.to_thread(
        partial(documents_zip, contest, papers, progress, template=template, now=now)
    )
    name = f"{contest.forms.case.title}-{stage.name}截止时-{_stamp(contest, now)}.zip"
    return ExportFile(name, data, ZIP, len(papers))


# ------------------------------------------------------------------------------- chart


def chart_png(days: Sequence[date], created: Sequence[int], submitted: Sequence[int]) -> bytes:
    """Draw cases created and submitted per day as a PNG, labelled in Chinese."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    from handlers.chart_font import cjk_font

    font = cjk_font()
    figure = Figure(figsize=(8, 3.6), dpi=100)
    axes = figure.subplots()
    labels = [f"{d.month}/{d.day}" for d in days]
    positions = list(range(len(days)))
    axes.bar([p - 0.2 for p in positions], created, width=0.4, label="新建案例")
    axes.bar([p + 0.2 for p in positions], submitted, width=0.4, label="提交案例")
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    step = max(1, len(days) // 12)
    axes.set_xticks(positions[::step], labels[::step])
    axes.set_title("每日新建与提交的案例数", fontproperties=font)
    axes.set_ylabel("案例数", fontproperties=font)
    axes.legend(prop=font)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


@dataclass(frozen=True)
class Stats:
    """The /stats reply: totals by category and status, and the chart."""

    lines: list[tuple[str, int, int]]  # (category, drafts, submitted)
    units: int
    units_with_cases: int
    chart: bytes


async def case_stats(*, sessions: SessionFactory, contest: Contest, now: datetime) -> Stats:
    """Count the cases and draw the chart of cases created and submitted per day."""
    view = await overview(sessions=sessions, contest=contest, now=now)
    counts = view.counts
    lines = [
        (name, counts.by_category.get((key, "draft"), 0),
         counts.by_category.get((key, "submitted"), 0))
        for key, name in view.categories
    ]  # fmt: skip
    created = [counts.created_per_day.get(d, 0) for d in view.days]
    submitted = [counts.submitted_per_day.get(d, 0) for d in view.days]
    chart = await asyncio.to_thread(chart_png, view.days, created, submitted)
    return Stats(lines, counts.units, counts.units_with_cases, chart)


async def case_document(
    *,
    sessions: SessionFactory,
    contest: Contest,
    case_id: int,
    now: datetime,
    who: int | None,
    template: bytes | None = None,
) -> ExportFile | None:
    """Return one case's 说明书 as .docx named 类别-单位-案例名.docx; None: no such case."""
    async with transaction(sessions) as session:
        rows = await all_cases(session, case_ids=[case_id])
        if rows:
            await record_event(
                session, person_id=who, action="export", now=now,
                detail={"kind": "case_document", "case": case_id},
            )  # fmt: skip
    if not rows:
        return None
    paper = _paper(contest, rows[0].case.values, rows[0].unit)
    data = await asyncio.to_thread(
        partial(paper_document, contest, paper, template=template, now=now)
    )
    return ExportFile(paper_name(paper, set()), data, DOCX, 1)
