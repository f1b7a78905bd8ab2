"""Deadline reminders, the person's side (/reminders, mute, unmute), and starting the pushes.

Buttons: ``rem:off`` and ``rem:on`` on the settings message (edited in place), ``rem:mute``
under every reminder (the reminder stays; the settings come as a new message). The pushes
themselves (the delivery worker, the reminder jobs) are started by ``bot/app.py``.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from channels.telegram.common import Context, callback_parts, responds
from handlers.browse import Switched, switch_reminders
from handlers.visits import Visit


@responds
async def settings(update: Update, context: Context, v: Visit) -> Switched:
    """Shows whether reminders are on, when they come, and the switch."""
    parts = callback_parts(update)
    pressed = parts[1] if len(parts) > 1 and parts[0] == "rem" else ""
    return await switch_reminders(v, pressed)


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Adds /reminders and its switch."""
    app.add_handler(CommandHandler("reminders", settings))
    app.add_handler(CallbackQueryHandler(settings, pattern="^rem:(on|off|mute)$"))
