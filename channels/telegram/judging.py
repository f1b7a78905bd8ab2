"""Judging on the phone: judges score their cases, organizers run the judged stages.

Judges: ``/judge`` or ``jdg:home`` (their stages and the next case), ``jdg:web`` (a link
to score on a computer), ``jdg:<op>:<judge>:<case>[:…]`` (read, score, comment, confirm;
:mod:`handlers.judging_scoring`); a typed score or comment is taken by the stored wait
through the typed-text dispatcher (``questions.py``). Organizers: ``/judging`` or
``jud:home``, then ``jud:<stage>:<op>`` (:mod:`handlers.judging_stage`). Each handler
parses and calls the use case, which re-checks the judge, the assignment and the
organizer right for every id.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from channels.telegram.common import Context, Visit, callback_parts, responds
from channels.telegram.organizing import responds_to_organizer
from handlers import actions as ids
from handlers import judging_scoring, judging_stage
from handlers.actions import number_at, text_at
from handlers.organizing import Answer
from handlers.replies import Reply


@responds
async def home(update: Update, context: Context, v: Visit) -> list[Reply]:
    """Shows the stages this person judges and offers the next case."""
    return await judging_scoring.home(v)


@responds
async def desk(update: Update, context: Context, v: Visit) -> list[Reply]:
    """Sends a judge a one-time link to score in the web console, on a computer."""
    return await judging_scoring.desk(v)


@responds
async def on_judge(update: Update, context: Context, v: Visit) -> list[Reply]:
    """Hands a judge's button on a case (``jdg:<op>:<judge>:<case>[:…]``) to the use case."""
    parts = callback_parts(update)
    return await judging_scoring.press(
        v, op=text_at(parts, 1), judge_id=number_at(parts, 2),
        case_id=number_at(parts, 3), args=parts[4:],
    )  # fmt: skip


@responds_to_organizer
async def organizer_home(update: Update, context: Context, v: Visit) -> Answer:
    """Lists the judged stages."""
    return await judging_stage.organizer_home(v)


@responds_to_organizer
async def on_organizer(update: Update, context: Context, v: Visit) -> Answer:
    """Hands an organizer's judging button (``jud:<stage>:<op>[:…]``) to the use case."""
    parts = callback_parts(update)
    return await judging_stage.press(
        v, stage_key=text_at(parts, 1), op=text_at(parts, 2),
        args=parts[3:],
    )  # fmt: skip


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Adds /judge, /judging, their buttons and the typed score's wait."""
    judging_scoring.register_waits()
    app.add_handler(CommandHandler("judge", home))
    app.add_handler(CommandHandler("judging", organizer_home))
    app.add_handler(CallbackQueryHandler(home, pattern=rf"^{ids.JUDGE_HOME}$"))
    app.add_handler(CallbackQueryHandler(desk, pattern=rf"^{ids.JUDGE_DESK}$"))
    app.add_handler(CallbackQueryHandler(on_judge, pattern=rf"^{ids.JUDGE}:"))
    app.add_handler(CallbackQueryHandler(organizer_home, pattern=rf"^{ids.JUDGING_HOME}$"))
    app.add_handler(CallbackQueryHandler(on_organizer, pattern=rf"^{ids.JUDGING}:"))
