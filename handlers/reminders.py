"""The reminder use case: deadline reminders and stage openings, written to the outbox.

:func:`remind` looks at the clock, asks ``contest/reminders.py`` what is due, works out
each unit's personal content (which case lacks what, by when) and writes one outbox row
per person; the dedupe key ``rem:<stage>:<offset>:<person>`` (``rem:<stage>:done:<person>``
for the one confirmation to a unit that is done, ``open:<stage>:<person>`` for an opening)
makes a second fire, a restart or a catch-up harmless.

Muted and unreachable people get none. It runs at each reminder and opening moment, and
once at start to catch up, from the scheduler ``bot/scheduler.py`` wires.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from config.services import Services
from contest.definition import Contest
from contest.reminders import (
    CaseFacts,
    Opening,
    Slot,
    due_openings,
    due_slots,
    quiet_until,
    unit_done,
    unit_todo,
)
from delivery import wake
from handlers import actions as ids
from handlers.heavy import one_at_a_time
from handlers.replies import Actions, actions, stored
from handlers.visits import Visit
from messages import render
from observability.metrics import metrics_of
from storage.db import off_loop, transaction
from storage.models import Account, Person
from storage.outbox import enqueue_many, existing_keys
from storage.people import accounts_of
from storage.reports import (
    UnitReport,
    case_facts,
    case_states,
    set_reminders_muted,
    unit_ids,
    unit_people,
    unit_reports,
    visitors,
)

log = logging.getLogger(__name__)

JOB = "reminders"  # job names: "reminders:submission:7d", "reminders:open:coaching", …
BATCH = 100  # units planned per transaction (and per trip to the worker thread)
Render = Callable[[str], str]  # the text, in the words of the recipient's channel


@dataclass
class ReminderRun:
    """What one run of the reminder job did."""

    slots: list[Slot] = field(default_factory=list)
    openings: list[Opening] = field(default_factory=list)
    written: int = 0
    deferred_until: datetime | None = None


@dataclass
class _Planned:
    dedupe_key: str
    person: Person
    kind: str
    text: Render
    buttons: Actions


def reminder_actions() -> Actions:
    """Return the buttons under a deadline reminder: my cases, and mute."""
    return actions([[("menu.cases", ids.MENU_CASES), ("reminders.mute", ids.REMINDERS_MUTE)]])


def opening_actions() -> Actions:
    """Return the buttons under a stage announcement: the schedule, and mute."""
    return actions([[("menu.schedule", ids.MENU_SCHEDULE), ("reminders.mute", ids.REMINDERS_MUTE)]])


def _reachable(people: list[Person]) -> list[Person]:
    return [p for p in people if not p.reminders_muted and not p.unreachable]


def _slot_key(slot: Slot, person: Person) -> str:
    return f"rem:{slot.key}:{person.id}"


def _done_key(slot: Slot, person: Person) -> str:
    return f"rem:{slot.stage.key}:done:{person.id}"


def _opening_key(opening: Opening, person: Person) -> str:
    return f"{opening.key}:{person.id}"


def _due_keys(
    contest: Contest, run: ReminderRun, people: list[Person], cases: list[CaseFacts]
) -> set[str]:
    """Return the dedupe keys of the rows this run makes for one unit (``_plan``'s, exactly).

    Told from the cases' states alone (``storage.reports.case_states``): which reminder a
    unit gets does not depend on what its drafts lack, only what the reminder says does.
    """
    reachable = _reachable(people)
    keys: set[str] = set()
    for slot in run.slots:
        done = unit_done(contest, slot.stage, cases)
        if done is None or (done and not contest.reminders.confirm_done):
            continue
        keys.update(_done_key(slot, p) if done else _slot_key(slot, p) for p in reachable)
    for opening in run.openings:
        if opening.stage.announce_to == "advancing" and not any(c.advancing for c in cases):
            continue
        keys.update(_opening_key(opening, p) for p in reachable)
    return keys


def _deadline_plans(
    contest: Contest, slot: Slot, reports: list[UnitReport], now: datetime
) -> list[_Planned]:
    plans: list[_Planned] = []
    for report in reports:
        people = _reachable(report.people)
        if not people:
            continue
        todo = unit_todo(contest, slot.stage, case_facts(report), now)
        if not todo.concerned or (todo.done and not contest.reminders.confirm_done):
            continue
        for person in people:
            values = {
                "contest": contest, "stage": slot.stage, "slot": slot, "todo": todo,
                "unit": report.unit, "person": person, "now": now,
            }  # fmt: skip
            template = "reminders/done.html" if todo.done else "reminders/deadline.html"
            key = _done_key(slot, person) if todo.done else _slot_key(slot, person)
            plans.append(
                _Planned(key, person, "reminder", _renderer(template, values), reminder_actions())
            )
    return plans


def _opening_plans(
    contest: Contest,
    opening: Opening,
    reports: list[UnitReport],
    others: list[Person],
    now: datetime,
) -> list[_Planned]:
    plans: list[_Planned] = []
    audience: list[tuple[Person, list[str]]] = []
    for report in reports:
        advancing = [c.title for c in report.cases if c.advancing]
        if opening.stage.announce_to == "advancing" and not advancing:
            continue
        audience += [(p, advancing) for p in _reachable(report.people)]
    if opening.stage.announce_to == "all":
        audience += [(p, []) for p in _reachable(others)]
    for person, titles in audience:
        values = {
            "contest": contest, "stage": opening.stage, "titles": titles,
            "person": person, "now": now,
        }  # fmt: skip
        plans.append(
            _Planned(
                _opening_key(opening, person),
                person,
                "announcement",
                _renderer("reminders/opening.html", values),
                opening_actions(),
            )
        )
    return plans


def _renderer(template: str, values: dict[str, Any]) -> Render:
    return lambda channel: render(template, **{**values, "channel": channel})


def _plan(
    contest: Contest,
    run: ReminderRun,
    reports: list[UnitReport],
    others: list[Person],
    now: datetime,
) -> list[_Planned]:
    plans: list[_Planned] = []
    for slot in run.slots:
        plans += _deadline_plans(contest, slot, reports, now)
    for opening in run.openings:
        plans += _opening_plans(contest, opening, reports, others, now)
    return plans


def _rows(
    plans: list[_Planned], seen: set[str], now: datetime, accounts: dict[int, Account]
) -> list[dict[str, Any]]:
    """Render each new plan in the words of the channel its person is reached on."""
    return [
        {
            "person_id": plan.person.id,
            "kind": plan.kind,
            "dedupe_key": plan.dedupe_key,
            "text": plan.text(accounts[plan.person.id or 0].channel),
            "due_at": now,
            "actions": stored(plan.buttons),
        }
        for plan in plans
        if plan.dedupe_key not in seen and (plan.person.id or 0) in accounts
    ]


async def _unplanned(
    session: AsyncSession, contest: Contest, run: ReminderRun, unit_ids: list[int]
) -> list[int]:
    """Return the units with a row of this run not written yet: only their cases are read.

    In SQL first: each unit's people and its cases' states tell the keys of its rows; a
    unit all of whose rows were written (a second fire, a restart's catch-up), or that gets
    none, is left out, and its drafts are neither loaded nor judged.
    """
    people = await unit_people(session, unit_ids=unit_ids)
    cases = await case_states(session, unit_ids=unit_ids)
    due = {
        unit_id: _due_keys(contest, run, people.get(unit_id, []), cases.get(unit_id, []))
        for unit_id in unit_ids
    }
    written = await existing_keys(session, dedupe_keys=sorted(set().union(*due.values())))
    return [unit_id for unit_id in unit_ids if not due[unit_id] <= written]


@one_at_a_time
async def _write_batches(services: Services, run: ReminderRun, now: datetime) -> int:
    """Plan every unit, ``BATCH`` units per transaction; return how many rows were written."""
    contest, written = services.contest, 0
    async with transaction(services.sessions) as session:
        units = await unit_ids(session)
        others = await visitors(session) if run.openings else []
    for start in range(0, max(len(units), 1), BATCH):
        batch, last = units[start : start + BATCH], start + BATCH >= len(units)
        async with transaction(services.sessions) as session:
            batch = await _unplanned(session, contest, run, batch)
            reports = await unit_reports(session, unit_ids=batch) if batch else []
            plans = await asyncio.to_thread(
                _plan, contest, run, reports, others if last else [], now
            )
            seen = await existing_keys(session, dedupe_keys=[p.dedupe_key for p in plans])
            fresh = sorted({p.person.id or 0 for p in plans if p.dedupe_key not in seen})
            accounts = await accounts_of(session, person_ids=fresh) if fresh else {}
            rows = await asyncio.to_thread(_rows, plans, seen, now, accounts)
            if rows:
                written += await enqueue_many(session, messages=rows, accounts=accounts)
    return written


async def remind(services: Services) -> ReminderRun:
    """Write the reminders and announcements due now to the outbox; wake the worker.

    Units are taken ``BATCH`` at a time, each batch in a transaction of its own: only that
    batch's cases are in memory, and judging and rendering them runs in a thread, so the
    bot keeps answering while every unit of a big contest is planned. The dedupe keys make
    a run cut short (a crash, a stop) harmless: the next one writes only what is missing,
    and reads only the cases of the units it is missing for (:func:`_unplanned`).
    """
    contest = services.contest
    now = services.clock.now()
    run = ReminderRun(slots=due_slots(contest, now), openings=due_openings(contest, now))
    if quiet_until(contest, now) is not None:
        run.deferred_until = quiet_until(contest, now)
    if not run.slots and not run.openings:
        return run
    with off_loop():  # on SQLite, the statements run in a thread: the loop answers meanwhile
        run.written = await _write_batches(services, run, now)
    metrics_of(services).reminders_planned.inc(run.written)
    if run.written:
        log.info(
            "reminders %s, openings %s: %d messages written",
            [s.key for s in run.slots], [o.key for o in run.openings], run.written,
        )  # fmt: skip
        wake(services)
    return run


async def set_muted(v: Visit, *, muted: bool) -> None:
    """Switch this person's deadline reminders off (muted) or on."""
    async with transaction(v.services.sessions) as session:
        await set_reminders_muted(session, person_id=v.person.id or 0, muted=muted)
