"""Exports for organizers: units and contacts (.xlsx), cases (.xlsx), every 说明书 (.zip of
.docx), the copies taken when a stage closed (.zip), and the cases-per-day chart (.png).

An export is streamed, so its memory does not grow with the contest: the rows are read
``BATCH`` at a time (keyset pages, a read transaction each; on SQLite its statements run in
a worker thread, SQLAlchemy builds the rows in the event loop), and each batch goes to its
builder, driven from the export thread (:func:`in_export_thread`, so the bot keeps
answering): openpyxl's write-only workbooks, and a zip that takes one .docx at a time. The
builder lives in a process of its own while the export runs (:mod:`handlers.export_process`;
``EXPORT_IN_PROCESS=0``: in the export thread) and writes into an unnamed temporary file.
The file goes back as :class:`ExportFile`, whose ``data`` the sender streams from disk and
closes. Every export writes an audit event. The builders are plain functions of plain data,
also used by the benchmarks and tests. ``progress(done, total)`` is called from the export
thread as documents are added to a zip.
"""

from __future__ import annotations

import asyncio
import gc
import importlib
import io
import re
import sys
import threading
import zipfile
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial
from types import ModuleType
from typing import IO, Any, TypeVar

from sqlmodel.ext.asyncio.session import AsyncSession

from contest.definition import Contest, FormField
from contest.document import Properties, build_document
from contest.extras import extra_fields, shown_value
from contest.fields import Reading, field_type, options_for
from contest.lifecycle import word_count
from contest.timefmt import format_moment
from handlers import export_process
from handlers.console import case_line, overview
from handlers.export_process import Builder, Make, Progress
from handlers.heavy import one_at_a_time
from messages import render
from messages.markup import plain_text
from storage.audit import record_event
from storage.case_table import (
    CaseRow,
    StageCopy,
    all_cases,
    cases_after,
    count_cases,
    count_stage_copies,
    stage_copies_after,
)
from storage.db import SessionFactory, off_loop, transaction
from storage.unit_table import UnitRow, unit_rows_after
from storage.units import count_units

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ZIP = "application/zip"
PNG = "image/png"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
UNSAFE = re.compile(r'[\\/:*?"<>|\r\n\t]+')
NAME_MAX = 60
BATCH = 50  # rows per read transaction (loaded in the loop: ≈0.2 ms of CPU a case)
Row = TypeVar("Row")
Result = TypeVar("Result")

# Every export is built in this one thread, not in whichever of the default executor's
# threads is free: glibc gives each thread its own malloc arena, and lxml's trees (openpyxl,
# python-docx) spread over several arenas leave each of them partly used and not given
# back. 1,000 说明书 through asyncio.to_thread: RSS +20 MiB; in this thread: +14 MiB.
_EXPORT_THREAD = ThreadPoolExecutor(max_workers=1, thread_name_prefix="export")


async def in_export_thread(work: Callable[..., Result], *args: Any) -> Result:
    """Run ``work(*args)`` in the export thread (two exports at once take turns there)."""
    return await asyncio.get_running_loop().run_in_executor(_EXPORT_THREAD, work, *args)


@dataclass(frozen=True)
class ExportFile:
    """A finished export: its file name, content, MIME type, and how many rows it holds.

    ``data`` is the bytes of a small file, or a big export's unnamed temporary file (at its
    start), which whoever sends it streams and then closes (:meth:`close`).
    """

    name: str
    data: bytes | IO[bytes]
    mime: str
    count: int

    def read(self) -> bytes:
        """Return the whole content (tests, small files)."""
        if isinstance(self.data, bytes):
            return self.data
        self.data.seek(0)
        return self.data.read()

    def close(self) -> None:
        """Let go of the temporary file, if any."""
        if not isinstance(self.data, bytes):
            self.data.close()


_IMPORTING = threading.Lock()


# What the export libraries import lives as long as the process, as what the start made
# (bot.app freezes that): frozen at once, a full collection no longer walks it. Unfrozen,
# openpyxl's and python-docx's ≈21,000 objects cost every full collection ≈6 ms of CPU here
# (in whichever thread trips it, the event loop's included), ≈38 ms under the stall benchmark.
DOCX_MODULES = ("docx", "docx.oxml.ns", "docx.text.paragraph")
OPENPYXL_MODULES = ("openpyxl", "openpyxl.cell", "openpyxl.styles", "openpyxl.utils")

# openpyxl imports numpy (to take numpy's numbers as numbers) and Pillow (to embed images)
# whenever they are installed, as they are for matplotlib; no export puts either in a
# workbook. Hidden from the thread that imports openpyxl, they stay unloaded: the import
# holds 8 MiB instead of 21. Other threads import them as usual meanwhile, and once they
# are loaded (matplotlib loads numpy) openpyxl is given them.
OPENPYXL_UNNEEDED = ("numpy", "PIL")


class _HiddenFrom:
    """A meta path finder that says a package is not installed, to one thread only."""

    def __init__(self, packages: Sequence[str], thread: int) -> None:
        self.packages, self.thread = frozenset(packages), thread

    def find_spec(self, name: str, path: object = None, target: object = None) -> None:
        """Refuse the hidden packages in the hiding thread; leave every other import be."""
        if name.partition(".")[0] in self.packages and threading.get_ident() == self.thread:
            raise ModuleNotFoundError(f"{name} is not loaded for openpyxl", name=name)


def load_openpyxl() -> ModuleType:
    """Import openpyxl (once), without numpy and Pillow, out of the collector's sight."""
    with _IMPORTING:
        if "openpyxl" not in sys.modules:
            hidden = _HiddenFrom(OPENPYXL_UNNEEDED, threading.get_ident())
            sys.meta_path.insert(0, hidden)
            try:
                for name in OPENPYXL_MODULES:
                    importlib.import_module(name)
            finally:
                sys.meta_path.remove(hidden)
            gc.freeze()
    return sys.modules["openpyxl"]


def load_docx() -> None:
    """Import python-docx (once), out of the collector's sight."""
    with _IMPORTING:
        if "docx" not in sys.modules:
            for name in DOCX_MODULES:
                importlib.import_module(name)
            gc.freeze()


def _finished(name: str, target: IO[bytes], mime: str, count: int) -> ExportFile:
    target.flush()
    target.seek(0)
    return ExportFile(name, target, mime, count)


async def _batches(
    sessions: SessionFactory,
    read: Callable[[AsyncSession, Any], Awaitable[list[Row]]],
    key: Callable[[Row], Any],
    first: Any,
) -> AsyncIterator[list[Row]]:
    """Yield the rows ``read(session, after)`` gives, a keyset page per read transaction."""
    after = first
    while True:
        with off_loop():  # on SQLite, read in a worker thread: the loop answers meanwhile
            async with transaction(sessions) as session:
                rows = await read(session, after)
        if not rows:
            return
        yield rows
        if len(rows) < BATCH:
            return
        after = key(rows[-1])


async def _built(
    sessions: SessionFactory,
    make: Make,
    progress: Progress | None,
    read: Callable[[AsyncSession, Any], Awaitable[list[Row]]],
    key: Callable[[Row], Any],
    first: Any,
    feed: Callable[[list[Row]], list[Any]] = list,
    *,
    finish: str,
) -> tuple[IO[bytes], int]:
    """Build an export a batch of rows at a time; return its file and how many rows went in.

    The builder ``make`` makes (a workbook, a zip) lives in the export process, or in the
    export thread (:mod:`handlers.export_process`); ``feed`` turns a batch of rows into what
    its ``add`` takes, and ``finish`` names the method that completes the file.
    """
    builder = Builder(make, progress, in_process=export_process.IN_PROCESS)
    try:
        await in_export_thread(builder.start)
        count = 0
        async for rows in _batches(sessions, read, key, first):
            await in_export_thread(builder.call, "add", feed(rows))
            count += len(rows)
        await in_export_thread(builder.call, finish)
        await in_export_thread(builder.stop)
    except BaseException:
        # after the call under way, if cancelled in it; then the file goes
        _EXPORT_THREAD.submit(_abandon, builder)
        raise
    assert builder.target is not None
    return builder.target, count


def _abandon(builder: Builder) -> None:
    """Stop an export's builder and close its file (an export that failed or was cancelled)."""
    try:
        builder.stop()
    finally:
        if builder.target is not None:
            builder.target.close()


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


def _sheet(book: Any, title: str, head: Sequence[str], widths: Sequence[int]) -> Any:
    """Add a write-only sheet with its column widths, a frozen bold header row."""
    load_openpyxl()
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    sheet = book.create_sheet(title)
    for index, width in enumerate(widths, start=1):  # before the first row: write-only
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    cells = []
    for text in head:
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = bold
        cells.append(cell)
    sheet.append(cells)
    return sheet


# ------------------------------------------------------------------------------- units


class UnitsBook:
    """The units and contacts workbook, one row per contact person (or unit), streamed.

    Fields the contest file adds to the unit and contact forms (kept in ``extra``) follow
    the fixed columns, each under its own label. ``add`` a batch of units at a time, then
    ``save``.
    """

    def __init__(self, contest: Contest, target: IO[bytes]) -> None:
        load_openpyxl()
        from openpyxl import Workbook

        self.target = target
        self.submitters = {s.key: s.name for s in contest.registration.submitters}
        self.unit_extras = extra_fields("unit", contest.forms.unit)
        self.contact_extras = extra_fields("contact", contest.forms.contact)
        self.book = Workbook(write_only=True)
        head = ["单位编号", "党组织名称", "推荐单位", "报送渠道", "草稿", "已提交", "最近活动"]
        head += [f.label for f in self.unit_extras]
        head += ["联系人", "职务", "办公电话", "手机"] + [f.label for f in self.contact_extras]
        widths = [8, 30, 24, 16, 6, 6, 22, *(16 for _ in self.unit_extras), 10, 16, 16, 14]
        self.sheet = _sheet(self.book, "单位与联系人", head, widths)

    def add(self, rows: Iterable[UnitRow]) -> None:
        """Write these units' rows."""
        for row in rows:
            unit = row.unit
            base = [
                unit.id, unit.party_org, unit.recommending_unit,
                self.submitters.get(unit.submitter_key, "本单位直接报送"), row.drafts,
                row.submitted, _cell(row.last_activity),
            ]  # fmt: skip
            base += [_extra(f, unit.extra) for f in self.unit_extras]
            for person in row.contacts or [None]:
                if person is None:
                    self.sheet.append([*base, "", "", "", ""] + ["" for _ in self.contact_extras])
                else:
                    self.sheet.append(
                        [*base, person.name or person.display_name, person.title,
                         person.office_phone, person.mobile]
                        + [_extra(f, person.extra) for f in self.contact_extras]
                    )  # fmt: skip

    def save(self) -> None:
        """Finish the workbook into the target file."""
        self.book.save(self.target)


def units_workbook(contest: Contest, rows: Sequence[UnitRow]) -> bytes:
    """Build the units and contacts workbook in memory (small sets: tests, benchmarks)."""
    buffer = io.BytesIO()
    book = UnitsBook(contest, buffer)
    book.add(rows)
    book.save()
    return buffer.getvalue()


def _extra(form_field: FormField, extra: Mapping[str, Any] | None) -> object:
    """Return one added field's value as a cell: a choice's label, a list numbered."""
    return _cell(shown_value(form_field, (extra or {}).get(form_field.key)))


@one_at_a_time
async def export_units(
    *, sessions: SessionFactory, contest: Contest, now: datetime, who: int | None
) -> ExportFile:
    """Export every unit with its contact persons as .xlsx, a batch of units at a time."""
    async with transaction(sessions) as session:
        total = await count_units(session)
        await record_event(
            session, person_id=who, action="export", now=now,
            detail={"kind": "units", "units": total},
        )  # fmt: skip

    async def read(session: AsyncSession, after: int) -> list[UnitRow]:
        return await unit_rows_after(session, after=after, limit=BATCH)

    make = partial(_units_book, contest)
    target, count = await _built(
        sessions, make, None, read, lambda r: r.unit.id, 0, finish="save"
    )
    return _finished(f"单位与联系人-{_stamp(contest, now)}.xlsx", target, XLSX, count)


def _units_book(contest: Contest, target: IO[bytes], _progress: Progress | None) -> UnitsBook:
    return UnitsBook(contest, target)


# ------------------------------------------------------------------------------- cases


def _gaps(contest: Contest, gaps: Sequence[Any]) -> str:
    """Return what a case still lacks, in the contest's own words (also in the export process,
    where the bot's ``use_contest`` never ran)."""
    return plain_text(render("cases/gaps.html", contest=contest, gaps=gaps)) if gaps else ""


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


@dataclass
class _Tally:
    drafts: int = 0
    submitted: int = 0


class CasesBook:
    """The cases workbook, streamed: a summary sheet, then one sheet per category.

    ``add`` a batch of cases at a time (each judged for 字数, gaps and restricted words as
    it is written), then ``save``: the summary's counts are added last.
    """

    def __init__(self, contest: Contest, now: datetime, target: IO[bytes]) -> None:
        load_openpyxl()
        from openpyxl import Workbook
        from openpyxl.styles import Alignment

        self.contest, self.now, self.target = contest, now, target
        self.fields = case_columns(contest)
        self.book = Workbook(write_only=True)
        summary = ["案例类别", "草稿", "已提交", "合计"]
        self.summary = _sheet(self.book, "汇总", summary, [16, 8, 8, 8])
        self.aid = contest.drafting_aid  # a column for 已在官网提交, where the bot only drafts
        marked = [f"{self.aid.short}提交"] if self.aid else []
        head = ["案例编号", "参赛单位", "状态", "字数", "待补充", "未附依据的用词", "团队人数",
                "团队成员", "提交时间", *marked, "版本",
                *(f.label for f in self.fields)]  # fmt: skip
        widths = [8, 24, 8, 6, 30, 16, 6, 30, 22, *(22 for _ in marked), 6,
                  *(24 for _ in self.fields)]  # fmt: skip
        self.sheets = {
            c.key: _sheet(self.book, _safe(c.name)[:31] or c.key, head, widths)
            for c in contest.categories
        }
        self.tally: dict[str, _Tally] = {c.key: _Tally() for c in contest.categories}
        self.total = _Tally()
        self.wrap = Alignment(wrap_text=True, vertical="top")

    def add(self, rows: Iterable[CaseRow]) -> None:
        """Judge and write these cases, each on its category's sheet."""
        from openpyxl.cell import WriteOnlyCell

        contest = self.contest
        for row in rows:
            submitted = row.case.status == "submitted"
            self.total.submitted += submitted
            self.total.drafts += not submitted
            key = row.case.values.get("category")
            sheet = self.sheets.get(str(key))
            if sheet is None:
                continue
            tally = self.tally[str(key)]
            tally.submitted += submitted
            tally.drafts += not submitted
            x = case_line(contest, row, self.now)
            values = row.case.values
            team = "、".join(_member_text(contest, m) for m in row.members)
            cells = [
                row.case.id, row.unit.recommending_unit or row.unit.party_org,
                "已提交" if submitted else "草稿", x.words,
                _gaps(contest, x.gaps),
                "、".join(h.phrase for h in x.open_hits), len(row.members), team,
                _cell(row.case.submitted_at),
                *([_official_cell(row.case)] if self.aid else []), row.revisions,
                *(_field_value(contest, f, values.get(f.key)) for f in self.fields),
            ]  # fmt: skip
            line = []
            for value in cells:
                cell = WriteOnlyCell(sheet, value=value)
                cell.alignment = self.wrap
                line.append(cell)
            sheet.append(line)

    def save(self) -> None:
        """Write the summary's counts and finish the workbook into the target file."""
        for category in self.contest.categories:
            t = self.tally[category.key]
            self.summary.append([category.name, t.drafts, t.submitted, t.drafts + t.submitted])
        t = self.total
        self.summary.append(["合计", t.drafts, t.submitted, t.drafts + t.submitted])
        self.book.save(self.target)


def cases_workbook(contest: Contest, rows: Sequence[CaseRow], now: datetime) -> bytes:
    """Build the cases workbook in memory (small sets: tests, benchmarks)."""
    buffer = io.BytesIO()
    book = CasesBook(contest, now, buffer)
    book.add(rows)
    book.save()
    return buffer.getvalue()


@one_at_a_time
async def export_cases(
    *, sessions: SessionFactory, contest: Contest, now: datetime, who: int | None
) -> ExportFile:
    """Export every case as .xlsx: every form field a column, a sheet per category."""
    async with transaction(sessions) as session:
        total = await count_cases(session)
        await record_event(
            session, person_id=who, action="export", now=now,
            detail={"kind": "cases", "cases": total},
        )  # fmt: skip

    async def read(session: AsyncSession, after: int) -> list[CaseRow]:
        return await cases_after(session, after=after, limit=BATCH)

    make = partial(_cases_book, contest, now)
    target, count = await _built(
        sessions, make, None, read, lambda r: r.case.id, 0, finish="save"
    )
    return _finished(f"案例汇总-{_stamp(contest, now)}.xlsx", target, XLSX, count)


def _cases_book(
    contest: Contest, now: datetime, target: IO[bytes], _progress: Progress | None
) -> CasesBook:
    return CasesBook(contest, now, target)


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
    load_docx()
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


@dataclass
class DocumentsZip:
    """A zip of .docx 说明书 in the official layout, written one document at a time.

    The documents are stored, not deflated again: a .docx is a zip already.
    """

    contest: Contest
    target: IO[bytes]
    template: bytes | None
    now: datetime
    progress: Progress | None = None
    total: int = 0
    done: int = 0
    taken: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.archive = zipfile.ZipFile(self.target, "w", zipfile.ZIP_STORED)

    def add(self, papers: Iterable[Paper]) -> None:
        """Build these documents and put each in the zip as soon as it is built."""
        for paper in papers:
            document = paper_document(self.contest, paper, template=self.template, now=self.now)
            self.archive.writestr(paper_name(paper, self.taken), document)
            gc.collect(1)  # frees the last document's cycles (and their lxml trees)
            self.done += 1
            if self.progress is not None:
                self.progress(self.done, max(self.total, self.done))

    def close(self) -> None:
        """Finish the zip (its central directory) in the target file."""
        self.archive.close()


def documents_zip(
    contest: Contest,
    papers: Sequence[Paper],
    progress: Progress | None,
    *,
    template: bytes | None = None,
    now: datetime,
) -> bytes:
    """Build a zip of .docx 说明书 in memory, one per paper (small sets: tests, benchmarks)."""
    buffer = io.BytesIO()
    archive = DocumentsZip(contest, buffer, template, now, progress, total=len(papers))
    archive.add(papers)
    archive.close()
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


def _documents_zip(
    contest: Contest,
    template: bytes | None,
    now: datetime,
    total: int,
    target: IO[bytes],
    progress: Progress | None,
) -> DocumentsZip:
    return DocumentsZip(contest, target, template, now, progress, total=total)


@one_at_a_time
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
        total = await count_cases(session, submitted_only=True)
        await record_event(
            session, person_id=who, action="export", now=now,
            detail={"kind": "documents", "cases": total},
        )  # fmt: skip

    async def read(session: AsyncSession, after: int) -> list[CaseRow]:
        return await cases_after(session, after=after, limit=BATCH, submitted_only=True)

    def papers(rows: list[CaseRow]) -> list[Paper]:
        return [_paper(contest, r.case.values, r.unit) for r in rows]

    make = partial(_documents_zip, contest, template, now, total)
    target, count = await _built(
        sessions, make, progress, read, lambda r: r.case.id, 0, papers, finish="close"
    )
    name = f"{contest.forms.case.title}-已提交-{_stamp(contest, now)}.zip"
    return _finished(name, target, ZIP, count)


@one_at_a_time
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
        total = await count_stage_copies(session, stage_key=stage.key)
        await record_event(
            session, person_id=who, action="export", now=now,
            detail={"kind": "stage_documents", "stage": stage.key, "cases": total},
        )  # fmt: skip

    async def read(session: AsyncSession, after: tuple[int, int]) -> list[StageCopy]:
        return await stage_copies_after(session, stage_key=stage.key, after=after, limit=BATCH)

    def key(copy: StageCopy) -> tuple[int, int]:
        return (copy.revision.case_id, copy.revision.number)

    def papers(copies: list[StageCopy]) -> list[Paper]:
        return [_paper(contest, c.revision.values, c.unit) for c in copies]

    make = partial(_documents_zip, contest, template, now, total)
    target, count = await _built(
        sessions, make, progress, read, key, (0, 0), papers, finish="close"
    )
    name = f"{contest.forms.case.title}-{stage.name}截止时-{_stamp(contest, now)}.zip"
    return _finished(name, target, ZIP, count)


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
        paper = await case_paper(session, contest=contest, case_id=case_id, now=now, who=who)
    return None if paper is None else await paper_file(contest, paper, template=template, now=now)


async def case_paper(
    session: AsyncSession, *, contest: Contest, case_id: int, now: datetime, who: int | None
) -> Paper | None:
    """Read one case's document and write its export to the audit log, in the caller's
    transaction; None: no such case."""
    rows = await all_cases(session, case_ids=[case_id])
    if not rows:
        return None
    await record_event(
        session, person_id=who, action="export", now=now,
        detail={"kind": "case_document", "case": case_id},
    )  # fmt: skip
    return _paper(contest, rows[0].case.values, rows[0].unit)


async def paper_file(
    contest: Contest, paper: Paper, *, template: bytes | None, now: datetime
) -> ExportFile:
    """Build one 说明书 as .docx (in the export thread) named 类别-单位-案例名.docx."""
    data = await in_export_thread(
        partial(paper_document, contest, paper, template=template, now=now)
    )
    return ExportFile(paper_name(paper, set()), data, DOCX, 1)
