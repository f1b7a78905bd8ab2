"""The organizer console: /organizer, /status, and the results (晋级名单) of a stage.

Buttons: ``org:home`` (the console), ``org:status``, ``org:bcl`` (notices sent), ``org:adv``
(stages to mark), ``adv:<stage>:v:<page>`` (the cases, a page of them),
``adv:<stage>:t:<case id>:<page>`` (mark or unmark one), ``adv:<stage>:up`` (upload a
list), ``adv:<stage>:n`` (tell the advancing units, through the outbox). ``org:bc`` and
the notices are in handlers/broadcast.py, ``inv:home`` in handlers/invites.py. Every
command, button, typed list and upload re-checks the organizer right.

Results: a list is a .txt or .csv file (or pasted text), one case a line, given by its
number (“12” or “#12”) or its exact title; in a CSV line the first cell that names a case
counts. Cases named are marked (never unmarked: the buttons do that); the lines that name
nothing are shown back. Only units with a marked case are told, once per set of marks.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Sequence

from markupsafe import Markup
from telegram import Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
)

from channels.telegram.common import (
    Context,
    Visit,
    answer,
    callback_parts,
    int_part,
    keyboard,
    reply,
    require_organizer,
    show,
    visit,
)
from channels.telegram.forms import FILE_HOOKS, TEXT_HOOKS
from contest.definition import Stage, StageKind
from contest.reminders import standing
from contest.schedule import position
from delivery import wake
from handlers.audit import record as audit
from handlers.notices import result_rows
from messages import label, render
from messages.markup import split_messages
from storage.db import transaction
from storage.forms import delete_form, save_form
from storage.models import FormProgress
from storage.outbox import enqueue_many, pending_count
from storage.reports import (
    ResultCase,
    advancing_cases,
    case_facts,
    mark_advancing,
    result_cases,
    unit_reports,
)

HOME = "org:home"
RESULTS_WAIT = "results"  # a text hook (and upload): the next message is a list of cases
PAGE = 8
MAX_UPLOAD = 1024 * 1024
Rows = list[list[tuple[str, str]]]


async def organizer_visit(update: Update, context: Context) -> Visit | None:
    """Return the visit of an organizer; refuse anybody else politely."""
    v = await visit(update, context)
    if not await require_organizer(update, context, v):
        return None
    return v


def console_rows() -> Rows:
    """Return the console's buttons."""
    return [
        [("org.broadcast", "org:bc"), ("org.status", "org:status")],
        [("org.results", "org:adv"), ("org.invites", "inv:home")],
        [("org.history", "org:bcl"), ("menu.back", "menu:main")],
        [("judging.org_home", "jud:home")],
    ]


async def home(update: Update, context: Context) -> None:
    """Shows the console: where the contest stands and what an organizer can do."""
    v = await organizer_visit(update, context)
    if v is None:
        return
    await answer(update)
    async with v.services.sessions() as session:
        reports = await unit_reports(session)
        waiting = await pending_count(session)
    contest = v.services.contest
    standings = [standing(contest, case_facts(r), v.now) for r in reports]
    await show(
        update,
        context,
        "organizer/home.html",
        markup=keyboard(console_rows()),
        contest=contest,
        now=v.now,
        position=position(contest, v.now),
        units=sum(1 for r in reports if r.unit.registered),
        contacts=sum(len(r.people) for r in reports),
        drafts=sum(s.drafts for s in standings),
        submitted=sum(s.submitted for s in standings),
        unreachable=sum(len(r.unreachable) for r in reports),
        waiting=waiting,
    )


async def status(update: Update, context: Context) -> None:
    """Shows where every unit stands, split into messages under Telegram's limit."""
    v = await organizer_visit(update, context)
    if v is None:
        return
    await answer(update)
    contest = v.services.contest
    async with v.services.sessions() as session:
        reports = await unit_reports(session)
    rows = [(r, standing(contest, case_facts(r), v.now)) for r in reports]
    submitters = {s.key: s.name for s in contest.registration.submitters}
    totals = {
        "units": len(rows),
        "empty": sum(1 for _, s in rows if not s.cases),
        "contacts": sum(len(r.people) for r, _ in rows),
        "unreachable": sum(len(r.unreachable) for r, _ in rows),
        **{
            key: sum(getattr(s, key) for _, s in rows)
            for key in ("cases", "submitted", "drafts", "gaps", "advancing")
        },
    }
    blocks = [
        render("organizer/status.html", now=v.now, totals=totals),
        *(
            render("organizer/status_unit.html", report=r, standing=s, submitters=submitters)
            for r, s in rows
        ),
    ]
    pages = split_messages(blocks)
    for number, page in enumerate(pages, start=1):
        last = number == len(pages)
        markup = keyboard([[("console.units", "cons:u:1"), ("org.home", HOME)]]) if last else None
        await reply(update, context, "organizer/page.html", markup=markup, page=Markup(page))


# ----------------------------------------------------------------------------- results


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


async def results_home(update: Update, context: Context) -> None:
    """Lists the stages whose results can be marked."""
    v = await organizer_visit(update, context)
    if v is None:
        return
    await answer(update)
    stages = result_stages(v)
    rows: Rows = [[(s.name, f"adv:{s.key}:v:0")] for s in stages]
    rows.append([("org.home", HOME)])
    await show(update, context, "organizer/results_home.html", markup=keyboard(rows), stages=stages)


def _case_label(item: ResultCase) -> str:
    title = item.title if len(item.title) <= 22 else item.title[:21] + "…"
    key = "org.case_marked" if item.marked else "org.case_unmarked"
    return label(key, label=f"#{item.case.id} {title}".strip())


async def _show_results(
    update: Update, context: Context, v: Visit, stage: Stage, page: int, **extra: object
) -> None:
    async with v.services.sessions() as session:
        cases = await result_cases(session, stage_key=stage.key)
    pages = max(1, -(-len(cases) // PAGE))
    page = min(max(page, 0), pages - 1)
    shown = cases[page * PAGE : (page + 1) * PAGE]
    rows: Rows = [
        [(_case_label(item), f"adv:{stage.key}:t:{item.case.id}:{page}")] for item in shown
    ]
    nav = []
    if page > 0:
        nav.append(("broadcast.prev", f"adv:{stage.key}:v:{page - 1}"))
    if page + 1 < pages:
        nav.append(("broadcast.next", f"adv:{stage.key}:v:{page + 1}"))
    rows.append(nav)
    rows.append([("org.upload", f"adv:{stage.key}:up"), ("org.notify", f"adv:{stage.key}:n")])
    rows.append([("org.results", "org:adv"), ("org.home", HOME)])
    marked: dict[str, int] = defaultdict(int)
    for item in cases:
        if item.marked:
            marked[item.category] += 1
    await show(
        update,
        context,
        "organizer/results.html",
        markup=keyboard(rows),
        contest=v.services.contest,
        stage=stage,
        cases=shown,
        total=len(cases),
        marked=marked,
        page=page + 1,
        pages=pages,
        **extra,
    )


async def on_results(update: Update, context: Context) -> None:
    """Handles the results buttons: view a page, mark one, upload a list, notify."""
    v = await organizer_visit(update, context)
    if v is None:
        return
    parts = callback_parts(update)
    stage = _stage(v, parts[1] if len(parts) > 1 else "")
    op = parts[2] if len(parts) > 2 else ""
    if stage is None:
        await answer(update, "organizer/stale_toast.html")
        return
    await answer(update)
    if op == "t":
        case_id, page = int_part(parts, 3), int_part(parts, 4) or 0
        await _toggle(update, context, v, stage, case_id, page)
    elif op == "up":
        async with transaction(v.services.sessions) as session:
            await save_form(
                session, person_id=v.person.id or 0, form_key=RESULTS_WAIT,
                state={"stage": stage.key}, now=v.now,
            )  # fmt: skip
        await reply(update, context, "organizer/results_upload.html", stage=stage)
    elif op == "n":
        await _notify(update, context, v, stage)
    else:
        await _show_results(update, context, v, stage, int_part(parts, 3) or 0)


async def _toggle(
    update: Update, context: Context, v: Visit, stage: Stage, case_id: int | None, page: int
) -> None:
    async with transaction(v.services.sessions) as session:
        cases = {c.case.id: c for c in await result_cases(session, stage_key=stage.key)}
        item = cases.get(case_id)
        if item is not None:
            await mark_advancing(
                session, case_id=item.case.id or 0, stage_key=stage.key,
                marked_by=v.person.id, now=v.now, advancing=not item.marked,
            )  # fmt: skip
            await audit(
                session, v, "results", stage=stage.key, case=item.case.id, marked=not item.marked,
            )  # fmt: skip
    await _show_results(update, context, v, stage, page)


async def _notify(update: Update, context: Context, v: Visit, stage: Stage) -> None:
    contest = v.services.contest
    async with transaction(v.services.sessions) as session:
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
    wake(v.services)
    await reply(
        update,
        context,
        "organizer/results_notified.html",
        markup=keyboard([[("org.results", "org:adv"), ("org.home", HOME)]]),
        stage=stage,
        units=len(by_unit),
        cases=len(marked),
        written=written,
    )


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


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", errors="replace")


async def _take_list(
    update: Update, context: Context, v: Visit, progress: FormProgress, text: str
) -> None:
    stage = _stage(v, str(progress.state.get("stage", "")))
    async with transaction(v.services.sessions) as session:
        await delete_form(session, person_id=v.person.id or 0, form_key=RESULTS_WAIT)
        if stage is None:
            found, unmatched = [], []
        else:
            cases = await result_cases(session, stage_key=stage.key)
            found, unmatched = match_lines(text, cases)
            for item in found:
                await mark_advancing(
                    session, case_id=item.case.id or 0, stage_key=stage.key,
                    marked_by=v.person.id, now=v.now,
                )  # fmt: skip
            await audit(
                session, v, "results", stage=stage.key, cases=len(found),
            )  # fmt: skip
    if stage is None:
        await reply(update, context, "organizer/stale.html")
        return
    await reply(
        update, context, "organizer/results_matched.html",
        found=found, unmatched=unmatched, stage=stage,
    )  # fmt: skip
    await _show_results(update, context, v, stage, 0)


async def on_list_text(update: Update, context: Context, v: Visit, progress: FormProgress) -> None:
    """Takes a pasted list of cases (a text hook)."""
    message = update.effective_message
    if not v.is_organizer:
        await _refuse_waiting(update, context, v)
        return
    assert message is not None and message.text is not None
    await _take_list(update, context, v, progress, message.text)


async def _refuse_waiting(update: Update, context: Context, v: Visit) -> None:
    async with transaction(v.services.sessions) as session:
        await delete_form(session, person_id=v.person.id or 0, form_key=RESULTS_WAIT)
    await require_organizer(update, context, v)


async def on_list_file(update: Update, context: Context, v: Visit, progress: FormProgress) -> None:
    """Takes an uploaded .txt/.csv list of cases while one is awaited (a file hook)."""
    message = update.effective_message
    assert message is not None
    if not v.is_organizer:
        await _refuse_waiting(update, context, v)
        return
    document = message.document
    name = (document.file_name or "").lower() if document else ""
    if document is None or not name.endswith((".txt", ".csv")):
        await reply(update, context, "organizer/results_wrong_file.html", file_name=name, big=False)
        return
    if (document.file_size or 0) > MAX_UPLOAD:
        await reply(update, context, "organizer/results_wrong_file.html", file_name=name, big=True)
        return
    data = await (await document.get_file()).download_as_bytearray()
    await _take_list(update, context, v, progress, _decode(bytes(data)))


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Adds the console, /status and the results handlers."""
    app.add_handler(CommandHandler("organizer", home))
    app.add_handler(CommandHandler("status", status))
    app.add_handler(CallbackQueryHandler(home, pattern=rf"^{HOME}$"))
    app.add_handler(CallbackQueryHandler(status, pattern="^org:status$"))
    app.add_handler(CallbackQueryHandler(results_home, pattern="^org:adv$"))
    app.add_handler(CallbackQueryHandler(on_results, pattern="^adv:"))
    FILE_HOOKS[RESULTS_WAIT] = on_list_file
    TEXT_HOOKS[RESULTS_WAIT] = on_list_text
