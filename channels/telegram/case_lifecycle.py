"""A case's lifecycle in the chat: submit, withdraw, stage-close copies, /todo.

Submitting (``handlers.cases.submit``) checks the moment to the second and lists exactly
what is missing; each submission is kept as a revision. The case form's gate
(``handlers/cases.py``) stops typed answers and form buttons for a case that may no longer
be edited (its stage closed, or it was submitted meanwhile on another phone), pauses the
form and says why, with the moment.

When a stage during which text could change closes, the submitted text is frozen
(CaseRevision reason "stage_close", ``handlers.cases.freeze_closed_stages``): a job per
closing stage (``bot/scheduler.py``), and a catch-up at start for stages that closed while
the bot was down. Both are idempotent.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
)

from channels.telegram.common import Context, Visit, answer, callback_parts, responds
from handlers import cases
from handlers.actions import number_at
from handlers.forms import resume_offer
from handlers.replies import Reply

log = logging.getLogger(__name__)

AnyApp = Any


# -------------------------------------------------------------------------- submit


def _case_id(update: Update) -> int | None:
    return number_at(callback_parts(update), 1)


@responds
async def submit(update: Update, context: Context, v: Visit) -> cases.Outcome:
    """Submits a complete draft while its stage is open; otherwise says exactly what is missing."""
    return await cases.submit(v, case_id=_case_id(update))


@responds
async def ask_withdraw(update: Update, context: Context, v: Visit) -> cases.Outcome:
    """Asks before taking a submitted case back to draft (it must then be submitted again)."""
    return await cases.ask_withdraw(v, case_id=_case_id(update))


@responds
async def withdraw(update: Update, context: Context, v: Visit) -> cases.Outcome:
    """Takes a submitted case back to draft so it can be edited, while its stage is open."""
    return await cases.withdraw(v, case_id=_case_id(update))


@responds
async def official_steps(update: Update, context: Context, v: Visit) -> cases.Outcome:
    """Gives the official system's steps with the .docx to upload (a drafting-aid contest)."""
    return await cases.steps(v, case_id=_case_id(update))


@responds
async def mark_official(update: Update, context: Context, v: Visit) -> cases.Outcome:
    """Marks the case as submitted in the organizer's own system (已在官网提交), or undoes it."""
    done = callback_parts(update)[3:] != ["no"]
    return await cases.mark_submitted_there(v, case_id=_case_id(update), done=done)


async def stale_button(update: Update, context: Context) -> None:
    """Answers a case button whose data is not understood (old or forged)."""
    await answer(update, "form/stale_toast.html")


# ---------------------------------------------------------------------------- todo


@responds
async def todo(update: Update, context: Context, v: Visit) -> list[Reply]:
    """Says what to do now: a half-filled form first, each case's gaps, the next deadline."""
    return [*await resume_offer(v), await cases.todo(v)]


def register(app: AnyApp) -> None:
    """Adds submit, withdraw, the official system's steps and mark, and /todo."""
    app.add_handler(CallbackQueryHandler(submit, pattern=r"^case:\d+:submit$"))
    app.add_handler(CallbackQueryHandler(ask_withdraw, pattern=r"^case:\d+:withdraw$"))
    app.add_handler(CallbackQueryHandler(withdraw, pattern=r"^case:\d+:withdraw:yes$"))
    app.add_handler(CallbackQueryHandler(official_steps, pattern=r"^case:\d+:steps$"))
    app.add_handler(CallbackQueryHandler(mark_official, pattern=r"^case:\d+:official(:no)?$"))
    app.add_handler(CommandHandler("todo", todo))
    app.add_handler(CallbackQueryHandler(todo, pattern=r"^menu:todo$"))
