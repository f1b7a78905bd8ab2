"""The schedule: every stage with its exact moments, the current one marked."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from channels.telegram.common import Context, answer, keyboard, reply, visit
from contest.schedule import position


async def schedule(update: Update, context: Context) -> None:
    """Shows every stage's start and end in Beijing time and the next deadline."""
    v = await visit(update, context)
    await answer(update)
    contest = v.services.contest
    await reply(
        update,
        context,
        "schedule/overview.html",
        markup=keyboard([[("menu.todo", "menu:todo"), ("menu.back", "menu:main")]]),
        contest=contest,
        now=v.now,
        position=position(contest, v.now),
    )


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Adds /schedule and its menu button."""
    app.add_handler(CommandHandler("schedule", schedule))
    app.add_handler(CallbackQueryHandler(schedule, pattern="^menu:schedule$"))
