"""The schedule: every stage with its exact moments, the current one marked."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from channels.telegram.common import Context, responds
from handlers import actions as ids
from handlers.browse import schedule as schedule_of
from handlers.replies import Reply
from handlers.visits import Visit


@responds
async def schedule(update: Update, context: Context, v: Visit) -> Reply:
    """Shows every stage's start and end in Beijing time and the next deadline."""
    return schedule_of(v)


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Adds /schedule and its menu button."""
    app.add_handler(CommandHandler("schedule", schedule))
    app.add_handler(CallbackQueryHandler(schedule, pattern=f"^{ids.MENU_SCHEDULE}$"))
