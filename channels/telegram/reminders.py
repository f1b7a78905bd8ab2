"""Deadline reminders, the person's side (/reminders, mute, unmute), and starting the pushes.

Buttons: ``rem:off`` and ``rem:on`` on the settings message (edited in place), ``rem:mute``
under every reminder (the reminder stays; the settings come as a new message). The pushes
themselves (the delivery worker, the reminder jobs) are started by ``bot/app.py``.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from channels.telegram.common import Context, answer, callback_parts, keyboard, reply, show, visit
from contest.reminders import upcoming
from handlers.reminders import set_muted


async def settings(update: Update, context: Context) -> None:
    """Shows whether reminders are on, when they come, and the switch."""
    v = await visit(update, context)
    parts = callback_parts(update)
    pressed = parts[1] if len(parts) > 1 and parts[0] == "rem" else ""
    muted = v.person.reminders_muted
    if pressed:
        muted = pressed != "on"
        await set_muted(v, muted=muted)
    await answer(update, "reminders/toggled_toast.html" if pressed else None, muted=muted)
    contest = v.services.contest
    coming = [moment for name, moment in upcoming(contest, v.now) if not name.startswith("open:")]
    switch = ("reminders.unmute", "rem:on") if muted else ("reminders.mute", "rem:off")
    send = reply if pressed == "mute" else show
    await send(
        update,
        context,
        "reminders/settings.html",
        markup=keyboard([[switch], [("menu.back", "menu:main")]]),
        muted=muted,
        contest=contest,
        offsets=contest.reminders.deltas,
        next_moment=coming[0] if coming else None,
        now=v.now,
        changed=bool(pressed),
    )


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Adds /reminders and its switch."""
    app.add_handler(CommandHandler("reminders", settings))
    app.add_handler(CallbackQueryHandler(settings, pattern="^rem:(on|off|mute)$"))
