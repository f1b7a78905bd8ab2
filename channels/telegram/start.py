"""The way in: /start, /help, /cancel and the main menu."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from channels.telegram.commands import publish_organizer_commands
from channels.telegram.common import (
    Context,
    Visit,
    answer,
    chat_of,
    keyboard,
    reply,
    send_replies,
    show,
    visit,
)
from channels.telegram.keyboard import offer_keyboard
from contest.schedule import position
from handlers import forms
from handlers.menus import main_menu

MENU = "menu:main"
HELP = "menu:help"


def _welcome_context(v: Visit) -> dict[str, object]:
    contest = v.services.contest
    return {
        "contest": contest,
        "now": v.now,
        "position": position(contest, v.now),
        "person": v.person,
    }


async def start(update: Update, context: Context) -> None:
    """Greets the person with the contest, where it stands, and the main menu."""
    v = await visit(update, context)
    if v.is_organizer:
        await publish_organizer_commands(context.bot, chat_of(update))
    await send_replies(update, context, await forms.resume_offer(v))
    await reply(
        update, context, "start/welcome.html", markup=keyboard(main_menu(v)), **_welcome_context(v)
    )
    await offer_keyboard(update, context, v)


async def menu(update: Update, context: Context) -> None:
    """Shows the main menu again, in place of the message whose button was pressed."""
    v = await visit(update, context)
    await answer(update)
    await show(
        update, context, "start/welcome.html", markup=keyboard(main_menu(v)), **_welcome_context(v)
    )


async def help_command(update: Update, context: Context) -> None:
    """Explains what the bot does and lists its commands."""
    v = await visit(update, context)
    await answer(update)
    markup = keyboard([[("menu.back", MENU)]])
    await reply(
        update,
        context,
        "start/help.html",
        markup=markup,
        contest=v.services.contest,
        organizer=v.is_organizer,
    )


async def cancel(update: Update, context: Context) -> None:
    """Leaves the current form; everything entered so far is kept for later."""
    v = await visit(update, context)
    await answer(update)
    paused = await forms.pause(v)
    await reply(
        update, context, "start/cancelled.html", markup=keyboard(main_menu(v)), paused=paused
    )


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Adds the start, help, cancel and menu handlers."""
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CommandHandler("help", help_command))
    app.add_handler(CommandHandler("cancel", cancel))
    app.add_handler(CommandHandler("menu", start))
    app.add_handler(CallbackQueryHandler(menu, pattern=f"^{MENU}$"))
    app.add_handler(CallbackQueryHandler(help_command, pattern=f"^{HELP}$"))
    app.add_handler(CallbackQueryHandler(cancel, pattern="^menu:pause$"))
