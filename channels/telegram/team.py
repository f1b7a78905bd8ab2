"""The project team (项目团队) on Telegram: every ``team:`` button goes to one use case.

The use cases, the rules they check and the action ids are in :mod:`handlers.team`.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler

from channels.telegram.common import Context, Visit, callback_parts, responds
from handlers import team
from handlers.actions import number_at, text_at
from handlers.cases import Outcome


@responds
async def on_team(update: Update, context: Context, v: Visit) -> Outcome:
    """Routes every team button to the use case, which re-checks the case and the member."""
    parts = callback_parts(update)
    return await team.act(
        v,
        case_id=number_at(parts, 1),
        op=text_at(parts, 2),
        member_id=number_at(parts, 3),
    )


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Adds the team buttons."""
    team.register_forms()
    app.add_handler(CallbackQueryHandler(on_team, pattern=r"^team:\d+(:[a-z]+(:\d+)?)?$"))
