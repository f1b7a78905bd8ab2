"""Telegram handlers, one module per user flow; each exposes ``register(app)``.

``register_all`` adds them in an order that matters where two handle the same update
(e.g. ``/start <code>`` before plain ``/start``). Background work (the delivery worker,
the reminder scheduler) starts and stops through the hooks listed here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from telegram import BotCommand, BotCommandScopeChat, BotCommandScopeDefault
from telegram.ext import Application

from handlers import errors, start
from messages import render

AnyApp = Application[Any, Any, Any, Any, Any, Any]
Hook = Callable[[AnyApp], Awaitable[None]]

MODULES = [start, errors]
STARTUP_HOOKS: list[Hook] = []
SHUTDOWN_HOOKS: list[Hook] = []

USER_COMMANDS = ["start", "schedule", "todo", "me", "reminders", "cancel", "help"]
ORGANIZER_COMMANDS = ["organizer", "invite", "broadcast", "status"]


def register_all(app: AnyApp) -> None:
    """Adds every flow's handlers to the application."""
    for module in MODULES:
        module.register(app)


def _commands(names: list[str]) -> list[BotCommand]:
    return [BotCommand(name, render(f"commands/{name}.html")) for name in names]


async def publish_commands(app: AnyApp) -> None:
    """Publishes the command menu; organizers get theirs in a per-chat scope."""
    from bot.services import services_of

    users = _commands(USER_COMMANDS)
    await app.bot.set_my_commands(users, scope=BotCommandScopeDefault())
    organizers = users + _commands(ORGANIZER_COMMANDS)
    for telegram_id in services_of(app).settings.organizer_ids:
        await app.bot.set_my_commands(organizers, scope=BotCommandScopeChat(telegram_id))
