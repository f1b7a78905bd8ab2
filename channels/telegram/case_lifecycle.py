"""A case's lifecycle in the chat: submit, withdraw, the deadline guard, stage-close copies, /todo.

Submitting checks the moment to the second (``contest.lifecycle.may_submit``) and lists
exactly what is missing (``case_gaps``); each submission is kept as a revision. A guard in
front of the form handlers (handler group -1) stops typed answers and form buttons for a
case that may no longer be edited (its stage closed, or it was submitted meanwhile on
another phone), pauses the form and says why, with the moment.

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
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from channels.telegram.case_common import (
    CASE_FORMS,
    EVIDENCE,
    FORM,
    CaseView,
    case_button,
    case_view,
    own_case,
    refuse,
    remember_evidence,
    send_card,
    unit_for,
    unit_ready,
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
from channels.telegram.questions import ASKING, QUESTION_MARKS
from contest.lifecycle import (
    Phase,
    closed_editing_stages,
    closing_editing_stages,
    editing_window,
    freezes,
    may_create,
    may_submit,
    may_withdraw,
)
from contest.schedule import position
from handlers.services import services_of
from storage.cases import (
    forget_case_forms,
    freeze_stage,
    list_cases,
    progress_of,
    submit_case,
    unit_case,
    withdraw_case,
)
from storage.db import transaction
from storage.forms import active_form, pause_forms
from storage.models import CaseStatus, FormProgress

log = logging.getLogger(__name__)

GUARD_GROUP = -1
FREEZE_JOB = "case-freeze:"
# Fire a moment after the stage's last second, so that the stage has closed (end < now).
FREEZE_DELAY = timedelta(seconds=1)

AnyApp = Any


# -------------------------------------------------------------------------- submit


async def submit(update: Update, context: Context) -> None:
    """Submits a complete draft while its stage is open; otherwise says exactly what is missing."""
    v = await visit(update, context)
    view = await own_case(update, context, v, int_part(callback_parts(update), 1))
    if view is None:
        return
    contest = v.services.contest
    verdict = may_submit(contest, v.now, status=view.case.status, advancing=view.advancing)
    if not verdict.allowed:
        await refuse(update, context, v, view, verdict, "submit")
        return
    if view.standing.gaps:
        await answer(update, "cases/gaps_toast.html")
        await send_card(update, context, v, view, "gaps")
        return
    assert verdict.window.stage is not None
    async with transaction(v.services.sessions) as session:
        case = await unit_case(session, case_id=view.case_id, unit_id=v.person.unit_id)
        assert case is not None
        if case.status != CaseStatus.DRAFT:
            revision = None  # a second press of the same button: already submitted
        else:
            revision = await submit_case(
                session,
                case=case,
                stage_key=verdict.window.stage.key,
                person_id=v.person.id,
                now=v.now,
            )
            await forget_case_forms(session, case_id=view.case_id, form_keys=CASE_FORMS)
        view = await case_view(session, v, case)
    await answer(update, "cases/submitted_toast.html")
    await send_card(
        update, context, v, view, "submitted", revision=revision.number if revision else None
    )


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


# --------------------------------------------------------------------------- guard


async def guard_text(update: Update, context: Context) -> None:
    """Stops a typed answer to a case that may no longer be edited (before the form takes it)."""
    message = update.effective_message
    if message is None or not message.text:
        return
    # A question inside the form is answered whatever the case's state, then the field is
    # asked again: only its evidence is needed then (for the restricted-word hints).
    question = message.text.strip().startswith(QUESTION_MARKS) or bool(
        context.user_data and context.user_data.get(ASKING)
    )
    v = await visit(update, context)
    async with v.services.sessions() as session:
        progress = await active_form(session, person_id=v.person.id or 0)
    if progress is not None and progress.form_key in (FORM, EVIDENCE):
        await _guard(update, context, v, progress, stop=not question)


async def guard_form_button(update: Update, context: Context) -> None:
    """Stops a case form's button for a case that may no longer be edited."""
    progress_id = int_part(callback_parts(update), 1)
    if progress_id is None:
        return
    v = await visit(update, context)
    async with v.services.sessions() as session:
        progress = await progress_of(session, progress_id=progress_id)
    if progress is None or progress.person_id != v.person.id or progress.form_key != FORM:
        return  # not a case form, or not this person's: the form handler answers
    await _guard(update, context, v, progress)


async def _guard(
    update: Update, context: Context, v: Visit, progress: FormProgress, *, stop: bool = True
) -> None:
    """Let the update through if the case may be edited; otherwise pause, say why, stop it."""
    view: CaseView | None = None
    async with v.services.sessions() as session:
        case = await unit_case(session, case_id=progress.subject_id, unit_id=v.person.unit_id)
        if case is not None:
            view = await case_view(session, v, case)
    if view is not None and (view.standing.edit.allowed or not stop):
        remember_evidence(view.case)
        return
    if view is None and not stop:
        return
    async with transaction(v.services.sessions) as session:
        await pause_forms(session, person_id=v.person.id or 0)
    if view is None:
        await own_case(update, context, v, None)  # says the case is not theirs
    else:
        await refuse(update, context, v, view, view.standing.edit, "edit")
    raise ApplicationHandlerStop


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
    """Adds submit, withdraw, the deadline guard and /todo."""
    app.add_handler(
        MessageHandler(filters.TEXT & ~filters.COMMAND, guard_text), group=GUARD_GROUP
    )
    app.add_handler(CallbackQueryHandler(guard_form_button, pattern=r"^f:"), group=GUARD_GROUP)
    app.add_handler(CallbackQueryHandler(submit, pattern=r"^case:\d+:submit$"))
    app.add_handler(CallbackQueryHandler(ask_withdraw, pattern=r"^case:\d+:withdraw$"))
    app.add_handler(CallbackQueryHandler(withdraw, pattern=r"^case:\d+:withdraw:yes$"))
    app.add_handler(CommandHandler("todo", todo))
    app.add_handler(CallbackQueryHandler(todo, pattern=r"^menu:todo$"))
