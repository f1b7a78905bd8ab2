"""A case's lifecycle in the chat: submit, withdraw, stage-close copies, /todo.

Submitting (``handlers.cases.submit``) checks the moment to the second and lists exactly
what is missing; each submission is kept as a revision. The case form's gate
(``handlers/cases.py``) stops typed answers and form buttons for a case that may no longer
be edited (its stage closed, or it was submitted meanwhile on another phone), pauses the
form and says why, with the moment.

When a stage during which text could change closes, the submitted text is frozen
(CaseRevision reason "stage_close"): a PTB job per closing stage, and a catch-up at start
for stages that closed while the bot was down. Both are idempotent.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from telegram import Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
)

from channels.telegram.case_common import (
    own_case,
    refuse,
    send_card,
)
from channels.telegram.common import (
    Button,
    Context,
    answer,
    callback_parts,
    int_part,
    keyboard,
    reply,
    send_replies,
    visit,
)
from config.services import services_of
from contest.lifecycle import (
    Phase,
    closed_editing_stages,
    closing_editing_stages,
    editing_window,
    freezes,
    may_create,
    may_withdraw,
)
from contest.schedule import position
from handlers import cases
from handlers.cases import (
    CaseView,
    case_button,
    case_view,
    unit_for,
    unit_ready,
)
from storage.cases import (
    freeze_stage,
    list_cases,
    unit_case,
    withdraw_case,
)
from storage.db import transaction

log = logging.getLogger(__name__)

FREEZE_JOB = "case-freeze:"
# Fire a moment after the stage's last second, so that the stage has closed (end < now).
FREEZE_DELAY = timedelta(seconds=1)

AnyApp = Any


# -------------------------------------------------------------------------- submit


async def submit(update: Update, context: Context) -> None:
    """Submits a complete draft while its stage is open; otherwise says exactly what is missing."""
    v = await visit(update, context)
    outcome = await cases.submit(v, case_id=int_part(callback_parts(update), 1))
    await answer(update, outcome.toast)
    await send_replies(update, context, outcome.replies)


async def ask_withdraw(update: Update, context: Context) -> None:
    """Asks before taking a submitted case back to draft (it must then be submitted again)."""
    v = await visit(update, context)
    view = await own_case(update, context, v, int_part(callback_parts(update), 1))
    if view is None:
        return
    contest = v.services.contest
    verdict = may_withdraw(contest, v.now, status=view.case.status, advancing=view.advancing)
    if not verdict.allowed:
        await refuse(update, context, v, view, verdict, "withdraw")
        return
    await answer(update)
    rows: list[list[Button]] = [
        [
            ("case.withdraw_yes", f"case:{view.case_id}:withdraw:yes"),
            ("case.withdraw_no", f"case:{view.case_id}"),
        ]
    ]
    await reply(
        update,
        context,
        "cases/withdraw_confirm.html",
        markup=keyboard(rows),
        contest=contest,
        now=v.now,
        window=verdict.window,
        title=view.case.values.get("title") or "",
        case=view.case,
    )


async def withdraw(update: Update, context: Context) -> None:
    """Takes a submitted case back to draft so it can be edited, while its stage is open."""
    v = await visit(update, context)
    view = await own_case(update, context, v, int_part(callback_parts(update), 1))
    if view is None:
        return
    contest = v.services.contest
    verdict = may_withdraw(contest, v.now, status=view.case.status, advancing=view.advancing)
    if not verdict.allowed:
        await refuse(update, context, v, view, verdict, "withdraw")
        return
    async with transaction(v.services.sessions) as session:
        case = await unit_case(session, case_id=view.case_id, unit_id=v.person.unit_id)
        assert case is not None
        await withdraw_case(session, case=case, now=v.now)
        view = await case_view(session, v, case)
    await answer(update)
    await send_card(update, context, v, view, "withdrawn")


async def stale_button(update: Update, context: Context) -> None:
    """Answers a case button whose data is not understood (old or forged)."""
    await answer(update, "form/stale_toast.html")


# -------------------------------------------------------------- stage-close copies


async def freeze_closed_stages(app: AnyApp) -> int:
    """Freezes the submitted text of every stage that has closed; return how many copies."""
    services = services_of(app)
    contest = services.contest
    now = services.clock.now()
    frozen = 0
    for stage in closed_editing_stages(contest, now):
        async with transaction(services.sessions) as session:
            frozen += await freeze_stage(
                session,
                stage_key=stage.key,
                closed_at=stage.end,
                only_advancing=not freezes(stage, advancing=False),
                now=now,
            )
    if frozen:
        log.info("froze %d case texts at stage close", frozen)
    return frozen


async def _freeze_job(context: Context) -> None:
    await freeze_closed_stages(context.application)


def schedule_freezes(app: AnyApp) -> list[str]:
    """Schedules a freeze just after each editing stage still to close; return the job names."""
    job_queue = app.job_queue
    if job_queue is None:
        log.warning("no job queue: stage-close copies are made at the next start only")
        return []
    services = services_of(app)
    now = services.clock.now()
    names = []
    for stage in closing_editing_stages(services.contest, now):
        name = FREEZE_JOB + stage.key
        for job in job_queue.get_jobs_by_name(name):
            job.schedule_removal()
        # A delay, not a moment: the bot's clock may be shifted (the sandbox's is).
        job_queue.run_once(
            _freeze_job,
            when=stage.end - now + FREEZE_DELAY,
            name=name,
            job_kwargs={"misfire_grace_time": None},
        )
        names.append(name)
    return names


async def on_startup(app: AnyApp) -> None:
    """Catches up on stages that closed while the bot was down, then schedules the rest."""
    await freeze_closed_stages(app)
    schedule_freezes(app)


# ---------------------------------------------------------------------------- todo


async def todo(update: Update, context: Context) -> None:
    """Says what to do now: for a unit, each case's gaps and the next deadline."""
    v = await visit(update, context)
    contest = v.services.contest
    async with v.services.sessions() as session:
        unit = await unit_for(session, v)
        views: list[CaseView] = []
        if unit_ready(unit):
            assert unit is not None and unit.id is not None
            for case in await list_cases(session, unit_id=unit.id):
                views.append(await case_view(session, v, case))
    await answer(update)
    where = position(contest, v.now)
    if not unit_ready(unit):
        await reply(
            update,
            context,
            "todo/unregistered.html",
            markup=keyboard([[("menu.schedule", "menu:schedule"), ("menu.back", "menu:main")]]),
            contest=contest,
            now=v.now,
            position=where,
            pending=unit is not None,
        )
        return
    creation = may_create(contest, v.now, existing=len(views))
    rows: list[list[Button]] = []
    for view in views:
        if view.standing.edit.allowed or view.standing.window.phase is Phase.OPEN:
            rows.append([(case_button(view.case), f"case:{view.case_id}")])
    if creation.allowed:
        rows.append([("menu.new_case", "case:new")])
    rows.append([("menu.cases", "menu:cases"), ("menu.back", "menu:main")])
    await reply(
        update,
        context,
        "todo/overview.html",
        markup=keyboard(rows),
        contest=contest,
        now=v.now,
        position=where,
        views=views,
        creation=creation,
        window=editing_window(contest, v.now, advancing=False),
    )


def register(app: AnyApp) -> None:
    """Adds submit, withdraw and /todo."""
    app.add_handler(CallbackQueryHandler(submit, pattern=r"^case:\d+:submit$"))
    app.add_handler(CallbackQueryHandler(ask_withdraw, pattern=r"^case:\d+:withdraw$"))
    app.add_handler(CallbackQueryHandler(withdraw, pattern=r"^case:\d+:withdraw:yes$"))
    app.add_handler(CommandHandler("todo", todo))
    app.add_handler(CallbackQueryHandler(todo, pattern=r"^menu:todo$"))
