"""The main menu as Telegram's reply keyboard under the input field, always there.

The keyboard is set once per chat (at 登记完成, or with the first welcome of a registered
person); a pressed key arrives as its label's text, taken here ahead of the forms and the
question router and handed to the same handler as the menu's inline button.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import KeyboardButton, ReplyKeyboardMarkup, Update
from telegram.ext import Application, ApplicationHandlerStop, MessageHandler, filters

from channels.telegram import cases, questions, registration, schedule
from channels.telegram.common import Context, responds, sender_of
from handlers import actions as ids
from handlers import forms
from handlers.menus import keyboard_menu
from handlers.replies import Reply, label_text
from handlers.visits import Visit
from messages import render

KEYBOARD_GROUP = -4  # ahead of the typed-code group and the forms: a key is never an answer
SHOWN = "reply_keyboard"  # chat_data: the keyboard was set in this chat (cosmetic only)
Handler = Callable[[Update, Context], Awaitable[None]]
HANDLERS: dict[str, Handler] = {
    ids.MENU_CASES: cases.show_cases,
    ids.MENU_SCHEDULE: schedule.schedule,
    ids.MENU_ASK: questions.on_ask_button,
    ids.MENU_ME: registration.on_me,
}


def _keys() -> dict[str, str]:
    return {label_text(key): action for row in keyboard_menu() for key, action in row}


def reply_keyboard() -> ReplyKeyboardMarkup:
    """Return the reply keyboard (persistent, small keys)."""
    rows = [[KeyboardButton(label_text(key)) for key, _ in row] for row in keyboard_menu()]
    return ReplyKeyboardMarkup(rows, resize_keyboard=True, is_persistent=True)


async def offer_keyboard(update: Update, context: Context, v: Visit) -> None:
    """Set the reply keyboard in this chat once, for a person with a unit."""
    if v.person.unit_id is None:
        return
    await show_keyboard(update, context)


async def show_keyboard(update: Update, context: Context) -> None:
    """Set the reply keyboard in this chat, unless it was set already."""
    if context.chat_data is None or context.chat_data.get(SHOWN):
        return
    chat = update.effective_chat
    assert chat is not None
    await context.bot.send_message(
        chat.id, render("start/keyboard.html"), reply_markup=reply_keyboard()
    )
    context.chat_data[SHOWN] = True


async def on_key(update: Update, context: Context) -> None:
    """Hands a pressed key to the menu button's handler; nothing else sees the text."""
    message = update.effective_message
    action = _keys().get((message.text or "").strip()) if message else None
    if action is None:
        return
    await HANDLERS[action](update, context)
    raise ApplicationHandlerStop


@responds(stop=True)
async def on_contact(update: Update, context: Context, v: Visit) -> list[Reply] | None:
    """Takes a shared contact as the answer to the person's own mobile, if it is their own."""
    message = update.effective_message
    user = update.effective_user
    if message is None or message.contact is None or user is None:
        return None
    if not await forms.asks_own_mobile(v):
        return None  # not asked for: the fallback says what the bot takes here
    if message.contact.user_id != user.id:
        return [Reply("form/not_own_contact.html")]
    taken = await forms.take_text(
        v.services, sender=sender_of(update), text=message.contact.phone_number, now=v.now
    )
    return taken.turn.replies if taken.turn is not None else []


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Adds the reply keyboard's keys."""
    keys = filters.Text(list(_keys()))
    app.add_handler(MessageHandler(keys & filters.ChatType.PRIVATE, on_key), group=KEYBOARD_GROUP)
    app.add_handler(MessageHandler(filters.CONTACT, on_contact), group=KEYBOARD_GROUP)
