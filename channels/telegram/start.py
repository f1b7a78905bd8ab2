"""The way in: /start, /help, /cancel and the main menu."""

from __future__ import annotations

from dataclasses import replace

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from channels.telegram.commands import publish_organizer_commands
from channels.telegram.common import Context, Visit, chat_of, preamble, responds, send_replies
from channels.telegram.keyboard import offer_keyboard
from handlers import actions as ids
from handlers import browse, forms
from handlers.replies import Reply

MENU = ids.MENU_MAIN
HELP = ids.MENU_HELP


async def _send_welcome(update: Update, context: Context, v: Visit, replies: list[Reply]) -> None:
    """Send the welcome; an organizer gets their commands, a registered person the keyboard."""
    if v.is_organizer:
        await publish_organizer_commands(context.bot, chat_of(update))
    await send_replies(update, context, replies)
    await offer_keyboard(update, context, v)


@preamble(_send_welcome)
async def start(update: Update, context: Context, v: Visit) -> list[Reply]:
    """Greets the person with the contest, where it stands, and the main menu."""
    return [*await forms.resume_offer(v), browse.welcome(v)]


@responds
async def menu(update: Update, context: Context, v: Visit) -> Reply:
    """Shows the main menu again, in place of the message whose button was pressed."""
    return replace(browse.welcome(v), in_place=True)


@responds
async def help_command(update: Update, context: Context, v: Visit) -> Reply:
    """Explains what the bot does and lists its commands."""
    return browse.help_page(v)


@responds
async def cancel(update: Update, context: Context, v: Visit) -> Reply:
    """Leaves the current form; everything entered so far is kept for later."""
    return await browse.pause(v)


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Adds the start, help, cancel and menu handlers."""
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CommandHandler("help", help_command))
    app.add_handler(CommandHandler("cancel", cancel))
    app.add_handler(CommandHandler("menu", start))
    app.add_handler(CallbackQueryHandler(menu, pattern=f"^{MENU}$"))
    app.add_handler(CallbackQueryHandler(help_command, pattern=f"^{HELP}$"))
    app.add_handler(CallbackQueryHandler(cancel, pattern=f"^{ids.MENU_PAUSE}$"))
