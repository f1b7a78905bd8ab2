"""Telegram handlers, one module per user flow; each exposes ``register(app)``.

``register_all`` adds them in an order that matters where two handle the same update
(e.g. ``/start <code>`` before plain ``/start``). A module may define ``on_startup(app)``
and ``on_shutdown(app)`` for background work (the delivery worker, the reminder scheduler).
"""

from __future__ import annotations

from typing import Any

from telegram.ext import Application

from channels.telegram import (
    broadcast,
    busy,
    cases,
    console_commands,
    errors,
    fallback,
    forms,
    invites,
    judging,
    keyboard,
    mydata,
    organizer,
    questions,
    registration,
    reminders,
    schedule,
    start,
    team,
)
from channels.telegram.commands import publish_commands

__all__ = ["publish_commands", "register_all", "startup", "shutdown"]

AnyApp = Application[Any, Any, Any, Any, Any, Any]

# Order matters where two modules handle the same update: registration takes
# "/start <code>" before start takes plain "/start"; the free-text router comes last.
MODULES = [
    busy,
    keyboard,
    registration,
    start,
    invites,
    team,
    cases,
    schedule,
    reminders,
    mydata,
    organizer,
    broadcast,
    console_commands,
    judging,
    forms,
    errors,
    questions,
    fallback,
]


def register_all(app: AnyApp) -> None:
    """Adds every flow's handlers to the application."""
    for module in MODULES:
        module.register(app)


async def startup(app: AnyApp) -> None:
    """Runs each module's on_startup (background workers, warm-ups), in order."""
    for module in MODULES:
        hook = getattr(module, "on_startup", None)
        if hook is not None:
            await hook(app)


async def shutdown(app: AnyApp) -> None:
    """Runs each module's on_shutdown, in reverse order."""
    for module in reversed(MODULES):
        hook = getattr(module, "on_shutdown", None)
        if hook is not None:
            await hook(app)
