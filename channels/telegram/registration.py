"""Registration (报名): joining a unit with an invite code, the unit and contact forms, /me.

A person comes in through ``t.me/<bot>?start=<code>``, by typing the code (anywhere outside a
form, or after "输入邀请码"), or, when the contest allows it, by registering a new unit
directly (pending until an organizer confirms it). A new unit's first contact fills in the
unit form and then, straight on, the contact form; later contacts fill in only their own.
The conversation is drawn in docs/registration.md.

Buttons: ``menu:register``, ``menu:me``, ``reg:code`` (type a code), ``reg:cancel``,
``reg:open`` (open registration), ``reg:me:contact``, ``reg:me:unit``, ``reg:colleague``.
"""

from __future__ import annotations

from telegram import Message, Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from channels.telegram.commands import publish_organizer_commands
from channels.telegram.common import (
    Context,
    Visit,
    chat_of,
    preamble,
    responds,
    send_replies,
)
from channels.telegram.invites import invite_link
from handlers import registration
from handlers.forms import resume_offer, waiting
from handlers.registration import Joined, join_with_code, normalize_code, register_forms
from handlers.replies import Reply

CODE_GROUP = -3  # before every other group (organizer files are -2)

# Something that looks like a code: 8 letters/digits alone, or a pasted t.me link.
_CODE_TEXT = filters.Regex(
    r"^\s*(?:\S*t\.me/\S+\?start=\S+|[A-Za-z0-9Ａ-Ｚａ-ｚ０-９ \-]{8,11})\s*$"
)


class _Code(filters.MessageFilter):
    """Text that holds an invite code (a phone number, which has no letter, holds none)."""

    def filter(self, message: Message) -> bool:
        return bool(message.text) and normalize_code(message.text or "") is not None


# ---- joining with a code ------------------------------------------------------------


async def _send_joined(update: Update, context: Context, _v: Visit, joined: Joined) -> None:
    """Send what using a code answered; a new organizer gets their commands in this chat."""
    if joined.became_organizer:
        await publish_organizer_commands(context.bot, chat_of(update))
    await send_replies(update, context, joined.replies)


@preamble(_send_joined)
async def on_start_code(update: Update, context: Context, v: Visit) -> Joined:
    """Takes the code of a t.me/<bot>?start=<code> link."""
    return await join_with_code(v, " ".join(context.args or []))


@preamble(_send_joined, stop=True)
async def on_typed_code(update: Update, context: Context, v: Visit) -> Joined | None:
    """Takes a code typed outside any form; in a form it is the answer (e.g. a phone number)."""
    message = update.effective_message
    code = normalize_code(message.text or "") if message else None
    if code is None or await waiting(v) is not None:
        return None
    return await join_with_code(v, code)


# ---- the register menu, typed codes, open registration, /me -----------------------------


@responds
async def on_register(update: Update, context: Context, v: Visit) -> Reply:
    """Explains how to get an invite link; offers to type a code (or register directly)."""
    return await registration.register_home(v)


@responds
async def on_enter_code(update: Update, context: Context, v: Visit) -> Reply:
    """Waits for the person to type their invite code."""
    return await registration.ask_code(v)


@responds
async def on_cancel_code(update: Update, context: Context, v: Visit) -> Reply:
    """Stops waiting for a code and shows the main menu."""
    return await registration.cancel_code(v)


@responds
async def on_open(update: Update, context: Context, v: Visit) -> list[Reply]:
    """Registers a new unit without an invite, pending an organizer's confirmation."""
    return await registration.open_registration(v)


@responds
async def on_me(update: Update, context: Context, v: Visit) -> list[Reply]:
    """Shows a half-filled form first, then the person's own details and their unit."""
    return [*await resume_offer(v), await registration.me(v)]


@responds
async def on_edit_contact(update: Update, context: Context, v: Visit) -> list[Reply]:
    """Opens the contact form on the person's saved details."""
    return await registration.edit_contact(v)


@responds
async def on_edit_unit(update: Update, context: Context, v: Visit) -> list[Reply]:
    """Opens the unit form on the unit's saved details."""
    return await registration.edit_unit(v)


@responds
async def on_colleague(update: Update, context: Context, v: Visit) -> Reply:
    """Shows a link that brings colleagues into the same unit (made once, then reused)."""
    return await registration.colleague(v, link_for=lambda code: invite_link(context, code))


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Adds the registration handlers (before /start, so /start <code> comes here)."""
    register_forms()
    app.add_handler(CommandHandler("start", on_start_code, has_args=True))
    app.add_handler(CommandHandler("me", on_me))
    app.add_handler(CallbackQueryHandler(on_me, pattern="^menu:me$"))
    app.add_handler(CallbackQueryHandler(on_register, pattern="^menu:register$"))
    app.add_handler(CallbackQueryHandler(on_enter_code, pattern="^reg:code$"))
    app.add_handler(CallbackQueryHandler(on_cancel_code, pattern="^reg:cancel$"))
    app.add_handler(CallbackQueryHandler(on_open, pattern="^reg:open$"))
    app.add_handler(CallbackQueryHandler(on_edit_contact, pattern="^reg:me:contact$"))
    app.add_handler(CallbackQueryHandler(on_edit_unit, pattern="^reg:me:unit$"))
    app.add_handler(CallbackQueryHandler(on_colleague, pattern="^reg:colleague$"))
    # A code typed outside a form is taken before the question router sees it; its own
    # group, ahead of the others, so it never shadows another group's text handler.
    code_text = MessageHandler(
        filters.TEXT & ~filters.COMMAND & _CODE_TEXT & _Code(), on_typed_code
    )
    app.add_handler(code_text, group=CODE_GROUP)
