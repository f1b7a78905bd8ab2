"""The reminder job: deadline reminders and stage openings, written to the outbox.

:func:`remind` looks at the clock, asks ``contest/reminders.py`` what is due, works out
each unit's personal content (which case lacks what, by when) and writes one outbox row
per person; the dedupe key ``rem:<stage>:<offset>:<person>`` (``rem:<stage>:done:<person>``
for the one confirmation to a unit that is done, ``open:<stage>:<person>`` for an opening)
makes a second fire, a restart or a catch-up harmless.

It runs from PTB's JobQueue (APScheduler's ``AsyncIOScheduler`` in the bot's loop, time zone
from the contest file): :func:`schedule` adds one job per reminder and opening moment still
to come, and ``start_services`` runs it once at start, which sends what was missed while
the bot was down (if its deadline is still ahead; older reminders are dropped and logged).
Jobs are placed relative to the bot's clock, so a sandbox whose clock was moved into the
contest gets its reminders at the moments it believes in. Muted and unreachable people
get none.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.ext import CallbackContext, JobQueue

from bot.services import Services, services_of
from contest.definition import Contest
from contest.reminders import (
    Opening,
    Slot,
    due_openings,
    due_slots,
    quiet_until,
    superseded_slots,
    unit_todo,
    upcoming,
)
from delivery import wake
from messages import label, render
from observability.metrics import metrics_of
from storage.db import transaction
from storage.models import Person
from storage.outbox import enqueue_many, existing_keys
from storage.reports import UnitReport, case_facts, unit_reports, visitors

log = logging.getLogger(__name__)

JOB = "reminders"  # job names: "reminders:submission:7d", "reminders:open:coaching", …
Render = Callable[[], str]


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
    markup: InlineKeyboardMarkup


def reminder_markup() -> InlineKeyboardMarkup:
    """Return the buttons under a deadline reminder: my cases, and mute."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(label("menu.cases"), callback_data="menu:cases"),
                InlineKeyboardButton(label("reminders.mute"), callback_data="rem:mute"),
            ]
        ]
    )


def opening_markup() -> InlineKeyboardMarkup:
    """Return the buttons under a stage announcement: the schedule, and mute."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(label("menu.schedule"), callback_data="menu:schedule"),
                InlineKeyboardButton(label("reminders.mute"), callback_data="rem:mute"),
            ]
        ]
    )


def _reachable(people: list[Person]) -> list[Person]:
    return [p for p in people if not p.reminders_muted and not p.unreachable]


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
            key = (
                f"rem:{slot.stage.key}:done:{person.id}"
                if todo.done
                else f"rem:{slot.key}:{person.id}"
            )
            plans.append(
                _Planned(key, person, "reminder", _renderer(template, values), reminder_markup())
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
                f"{opening.key}:{person.id}",
                person,
                "announcement",
                _renderer("reminders/opening.html", values),
                opening_markup(),
            )
        )
    return plans


def _renderer(template: str, values: dict[str, Any]) -> Render:
    return lambda: render(template, **values)


async def remind(services: Services) -> ReminderRun:
    """Write the reminders and announcements due now to the outbox; wake the worker."""
    contest = services.contest
    now = services.clock.now()
    run = ReminderRun(slots=due_slots(contest, now), openings=due_openings(contest, now))
    if quiet_until(contest, now) is not None:
        run.deferred_until = quiet_until(contest, now)
    if not run.slots and not run.openings:
        return run
    async with transaction(services.sessions) as session:
        reports = await unit_reports(session)
        others = await visitors(session) if run.openings else []
        plans: list[_Planned] = []
        for slot in run.slots:
            plans += _deadline_plans(contest, slot, reports, now)
        for opening in run.openings:
            plans += _opening_plans(contest, opening, reports, others, now)
        seen = await existing_keys(session, dedupe_keys=[p.dedupe_key for p in plans])
        rows = [
            {
                "person_id": plan.person.id,
                "chat_id": plan.person.chat_id,
                "kind": plan.kind,
                "dedupe_key": plan.dedupe_key,
                "text": plan.text(),
                "due_at": now,
                "reply_markup": plan.markup.to_dict(),
            }
            for plan in plans
            if plan.dedupe_key not in seen
        ]
        run.written = await enqueue_many(session, messages=rows) if rows else 0
    metrics_of(services).reminders_planned.inc(run.written)
    if run.written:
        log.info(
            "reminders %s, openings %s: %d messages written",
            [s.key for s in run.slots], [o.key for o in run.openings], run.written,
        )  # fmt: skip
        wake(services)
    return run


async def reminder_job(context: CallbackContext[Any, Any, Any, Any]) -> None:
    """Run the reminder job from the JobQueue; try again when quiet hours end."""
    services = services_of(context.application)
    run = await remind(services)
    if run.deferred_until is not None and context.job_queue is not None:
        _add(context.job_queue, services, "quiet_end", run.deferred_until)


def _add(job_queue: JobQueue[Any], services: Services, name: str, moment: datetime) -> None:
    # Place the job relative to the bot's clock (the sandbox's may be moved into the contest).
    delay = moment - services.clock.now()
    job_queue.run_once(
        reminder_job,
        when=delay,
        name=f"{JOB}:{name}",
        data=moment,
        job_kwargs={"misfire_grace_time": None, "coalesce": True},
    )


def schedule(job_queue: JobQueue[Any], services: Services) -> int:
    """Add one job per reminder and announcement still to come; return how many."""
    scheduler = job_queue.scheduler
    if not scheduler.running:
        zone = services.contest.zone
        scheduler.configure(**{**job_queue.scheduler_configuration, "timezone": zone})
    now = services.clock.now()
    moments = upcoming(services.contest, now)
    for name, moment in moments:
        _add(job_queue, services, name, moment)
    return len(moments)


async def start_reminders(services: Services, job_queue: JobQueue[Any] | None) -> ReminderRun:
    """Schedule the reminder jobs and send what was missed while the bot was down."""
    contest = services.contest
    now = services.clock.now()
    if job_queue is None:
        log.warning("no JobQueue: deadline reminders are not scheduled")
    else:
        log.info("%d reminder jobs scheduled", schedule(job_queue, services))
    dropped = superseded_slots(contest, now)
    if dropped:
        log.info("reminders not sent (superseded or deadline passed): %s", [s.key for s in dropped])
    run = await remind(services)
    if run.deferred_until is not None and job_queue is not None:
        _add(job_queue, services, "quiet_end", run.deferred_until)
    return run
