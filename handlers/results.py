"""Use cases of a stage's results (晋级名单): mark cases, match an uploaded list, tell units.

Buttons: ``org:adv`` (stages to mark), ``adv:<stage>:v:<page>`` (the cases, a page of
them), ``adv:<stage>:t:<case id>:<page>`` (mark or unmark one), ``adv:<stage>:up`` (upload
a list), ``adv:<stage>:n`` (tell the advancing units, through the outbox).

A list is a .txt or .csv file (or pasted text), one case a line, given by its number (“12”
or “#12”) or its exact title; in a CSV line the first cell that names a case counts. Cases
named are marked (never unmarked: the buttons do that); the lines that name nothing are
shown back. Only units with a marked case are told, once per set of marks. While a list is
awaited, the person's ``results`` wait (``{"stage": key}``) is in the database.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence

from sqlmodel.ext.asyncio.session import AsyncSession

from contest.definition import Stage, StageKind
from delivery import wake
from handlers import actions as ids
from handlers.audit import record as audit
from handlers.notices import result_rows
from handlers.organizing import Answer, organizers_only, stale
from handlers.replies import Reply, actions
from handlers.visits import Visit
from messages import label
from storage.db import transaction
from storage.forms import delete_form, get_form, save_form
from storage.outbox import enqueue_many
from storage.reports import (
    ResultCase,
    advancing_cases,
    mark_advancing,
    result_cases,
    unit_reports,
)

WAIT = "results"  # the next message (or upload) is a list of cases
PAGE = 8
MAX_UPLOAD = 1024 * 1024
Rows = list[list[tuple[str, str]]]


def result_stages(v: Visit) -> list[Stage]:
    """Return the stages after which cases advance (a quota, or a review or final)."""
    kinds = (StageKind.REVIEW, StageKind.FINAL)
    return [s for s in v.services.contest.stages if s.advances or s.kind in kinds]


def _stage(v: Visit, key: str) -> Stage | None:
    return next((s for s in result_stages(v) if s.key == key), None)


def _next_stage(v: Visit, stage: Stage) -> Stage | None:
    stages = v.services.contest.stages
    index = stages.index(stage)
    return stages[index + 1] if index + 1 < len(stages) else None


@organizers_only()
async def stages(v: Visit) -> Answer:
    """List the stages whose results can be marked."""
    shown = result_stages(v)
    rows: Rows = [[(s.name, f"adv:{s.key}:v:0")] for s in shown]
    rows.append([("org.home", ids.ORG_HOME)])
    reply = Reply("organizer/results_home.html", {"stages": shown}, actions(rows), in_place=True)
    return Answer([reply])


def _case_label(item: ResultCase) -> str:
    title = item.title if len(item.title) <= 22 else item.title[:21] + "…"
    key = "org.case_marked" if item.marked else "org.case_unmarked"
    return label(key, label=f"#{item.case.id} {title}".strip())


def _listing(
    v: Visit, stage: Stage, cases: Sequence[ResultCase], page: int, *, in_place: bool
) -> Reply:
    pages = max(1, -(-len(cases) // PAGE))
    page = min(max(page, 0), pages - 1)
    shown = cases[page * PAGE : (page + 1) * PAGE]
    rows: Rows = [[(_case_label(c), f"adv:{stage.key}:t:{c.case.id}:{page}")] for c in shown]
    nav = []
    if page > 0:
        nav.append(("broadcast.prev", f"adv:{stage.key}:v:{page - 1}"))
    if page + 1 < pages:
        nav.append(("broadcast.next", f"adv:{stage.key}:v:{page + 1}"))
    rows.append(nav)
    rows.append([("org.upload", f"adv:{stage.key}:up"), ("org.notify", f"adv:{stage.key}:n")])
    rows.append([("org.results", "org:adv"), ("org.home", ids.ORG_HOME)])
    marked: dict[str, int] = defaultdict(int)
    for item in cases:
        if item.marked:
            marked[item.category] += 1
    values = {
        "contest": v.services.contest, "stage": stage, "cases": shown, "total": len(cases),
        "marked": marked, "page": page + 1, "pages": pages,
    }  # fmt: skip
    return Reply("organizer/results.html", values, actions(rows), in_place=in_place)


@organizers_only()
async def press(v: Visit, *, stage_key: str, op: str, args: list[str]) -> Answer:
    """Do what a results button asks: view a page, mark one, ask for a list, notify."""
    stage = _stage(v, stage_key)
    if stage is None:
        return stale("organizer/stale_toast.html")
    async with transaction(v.services.sessions) as session:
        done = await _press(session, v, stage, op, [int(a) if a.isdigit() else 0 for a in args])
    if op == "n":
        wake(v.services)  # after the commit: the worker reads the rows written
    return done


async def _press(
    session: AsyncSession, v: Visit, stage: Stage, op: str, number: list[int]
) -> Answer:
    if op == "up":
        await save_form(
            session, person_id=v.person.id or 0, form_key=WAIT,
            state={"stage": stage.key}, now=v.now,
        )  # fmt: skip
        return Answer([Reply("organizer/results_upload.html", {"stage": stage})])
    if op == "n":
        return await _notify(session, v, stage)
    cases = await result_cases(session, stage_key=stage.key)
    page = (number[1] if len(number) > 1 else 0) if op == "t" else (number[0] if number else 0)
    if op == "t":
        item = next((c for c in cases if number and c.case.id == number[0]), None)
        if item is not None:
            await mark_advancing(
                session, case_id=item.case.id or 0, stage_key=stage.key,
                marked_by=v.person.id, now=v.now, advancing=not item.marked,
            )  # fmt: skip
            await audit(
                session, v, "results", stage=stage.key, case=item.case.id,
                marked=not item.marked,
            )  # fmt: skip
            item.marked = not item.marked
    return Answer([_listing(v, stage, cases, page, in_place=True)])


async def _notify(session: AsyncSession, v: Visit, stage: Stage) -> Answer:
    contest = v.services.contest
    marked = await advancing_cases(session, stage_key=stage.key)
    by_unit: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for item in marked:
        by_unit[item.unit.id or 0].append((item.case.id or 0, item.title))
    reports = await unit_reports(session, unit_ids=list(by_unit))
    people = [p for r in reports for p in r.people]
    rows = result_rows(
        contest, stage=stage, next_stage=_next_stage(v, stage), unit_cases=by_unit,
        people=people, now=v.now,
    )  # fmt: skip
    written = await enqueue_many(session, messages=rows) if rows else 0
    await audit(
        session, v, "results_notify", stage=stage.key, units=len(by_unit), cases=len(marked),
    )  # fmt: skip
    values = {"stage": stage, "units": len(by_unit), "cases": len(marked), "written": written}
    buttons = actions([[("org.results", "org:adv"), ("org.home", ids.ORG_HOME)]])
    return Answer([Reply("organizer/results_notified.html", values, buttons)])


# ------------------------------------------------------------------------------- lists


def _cells(line: str) -> list[str]:
    cleaned = unicodedata.normalize("NFKC", line).strip()
    cells = re.split(r"[,;\t，；]", cleaned)
    return [c.strip().strip("\"'“”《》「」 ") for c in cells if c.strip()]


def match_lines(text: str, cases: Sequence[ResultCase]) -> tuple[list[ResultCase], list[str]]:
    """Return the cases a pasted or uploaded list names, and the lines naming none."""
    by_id = {str(c.case.id): c for c in cases}
    by_title: dict[str, list[ResultCase]] = defaultdict(list)
    for c in cases:
        by_title[unicodedata.normalize("NFKC", c.title).strip()].append(c)
    found: dict[int, ResultCase] = {}
    unmatched: list[str] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        hits: list[ResultCase] = []
        for cell in _cells(line):
            number = cell.lstrip("#＃")
            hits = [by_id[number]] if number in by_id else by_title.get(cell, [])
            if hits:
                break
        if not hits:
            unmatched.append(line.strip()[:60])
        for hit in hits:
            found[hit.case.id or 0] = hit
    return list(found.values()), unmatched


def decode(data: bytes) -> str:
    """Read an uploaded list: UTF-8 (with or without BOM), else GB18030 (Excel's CSV)."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", errors="replace")


@organizers_only(wait=WAIT)
async def take_list(v: Visit, *, text: str) -> Answer:
    """Mark the cases a pasted list names; show what matched and what did not."""
    async with transaction(v.services.sessions) as session:
        progress = await get_form(session, person_id=v.person.id or 0, form_key=WAIT)
        stage = _stage(v, str(progress.state.get("stage", ""))) if progress else None
        await delete_form(session, person_id=v.person.id or 0, form_key=WAIT)
        if stage is None:
            return Answer([Reply("organizer/stale.html")])
        cases = await result_cases(session, stage_key=stage.key)
        found, unmatched = match_lines(text, cases)
        for item in found:
            await mark_advancing(
                session, case_id=item.case.id or 0, stage_key=stage.key,
                marked_by=v.person.id, now=v.now,
            )  # fmt: skip
            item.marked = True
        await audit(session, v, "results", stage=stage.key, cases=len(found))
    values = {"found": found, "unmatched": unmatched, "stage": stage}
    matched = Reply("organizer/results_matched.html", values)
    return Answer([matched, _listing(v, stage, cases, 0, in_place=False)])


@organizers_only(wait=WAIT)
async def take_upload(
    v: Visit, *, file_name: str, size: int, read: Callable[[], Awaitable[bytes]] | None
) -> Answer:
    """Take an uploaded .txt/.csv list (``read`` None: the upload is not a file)."""
    name = file_name.lower()
    if read is None or not name.endswith((".txt", ".csv")) or size > MAX_UPLOAD:
        big = read is not None and name.endswith((".txt", ".csv"))
        values = {"file_name": name, "big": big}
        return Answer([Reply("organizer/results_wrong_file.html", values)])
    return await take_list(v, text=decode(await read()))
