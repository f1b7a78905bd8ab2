"""The command menu Telegram shows: everyone's, and organizers' in a per-chat scope."""

from __future__ import annotations

import logging
from typing import Any

from telegram import Bot, BotCommand, BotCommandScopeChat, BotCommandScopeDefault
from telegram.error import BadRequest, Forbidden
from telegram.ext import Application

from config.services import services_of
from messages import render

log = logging.getLogger(__name__)

USER_COMMANDS = [
    "start", "schedule", "todo", "me", "reminders", "mydata", "deleteme", "cancel", "help"
]  # fmt: skip
ORGANIZER_COMMANDS = [
    "organizer", "invite", "broadcast", "status", "console", "stats", "export", "judging"
]  # fmt: skip


def _commands(names: list[str]) -> list[BotCommand]:
    return [BotCommand(name, render(f"commands/{name}.html")) for name in names]


async def publish_organizer_commands(bot: Bot, chat_id: int) -> bool:
    """Shows the organizer commands in one organizer's chat; False if the chat is unknown."""
    try:
        await bot.set_my_commands(
            _commands(USER_COMMANDS + ORGANIZER_COMMANDS), scope=BotCommandScopeChat(chat_id)
        )
    except (BadRequest, Forbidden) as error:
        # Telegram knows a chat only after its user wrote to the bot; /start publishes then.
        log.info("organizer commands for %s not published yet: %s", chat_id, error)
        return False
    return True


async def publish_commands(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Publishes the command menu; organizers get theirs in a per-chat scope."""
    await app.bot.set_my_commands(_commands(USER_COMMANDS), scope=BotCommandScopeDefault())
    for telegram_id in services_of(app).settings.organizer_ids:
        await publish_organizer_commands(app.bot, telegram_id)
