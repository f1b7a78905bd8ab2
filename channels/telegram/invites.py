"""Invite codes, organizer side, in Telegram: parse, call :mod:`handlers.invites`, send.

Telegram's own parts are here: a code's link is a deep link
(``telegram.helpers.create_deep_linked_url``), and an active code's card gets a share
button (t.me/share) beside the neutral actions. A new code's card comes as the QR code
picture with the card as its caption. The unit's name typed after ``inv:unit`` reaches the
use case through the ``invite_label`` wait (a stored wait, :mod:`handlers.invites`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler
from telegram.helpers import create_deep_linked_url

from channels.telegram.common import Context, Visit, callback_parts
from channels.telegram.organizing import responds_to_organizer
from handlers import invites
from handlers.actions import number_at, text_at
from handlers.organizing import Answer

HOME = "inv:home"


def invite_expiry(v: Visit) -> datetime:
    """Return when a code made now stops working."""
    return invites.invite_expiry(v)


def invite_link(context: Context, code: str) -> str:
    """Return the t.me link that opens the bot with this code."""
    return create_deep_linked_url(context.bot.username, code)


def _link_of(context: Context) -> Callable[[str], str]:
    return lambda code: invite_link(context, code)


@responds_to_organizer
async def on_home(update: Update, context: Context, v: Visit) -> Answer:
    """Shows the invite console: what exists and what can be made."""
    return await invites.home(v)


@responds_to_organizer
async def on_unit(update: Update, context: Context, v: Visit) -> Answer:
    """Asks for the name of the unit the new code is for."""
    return await invites.ask_label(v)


@responds_to_organizer
async def on_district(update: Update, context: Context, v: Visit) -> Answer:
    """Lets the organizer pick the submitting body a district code is for."""
    return await invites.districts(v)


@responds_to_organizer
async def on_district_code(update: Update, context: Context, v: Visit) -> Answer:
    """Makes a district code for the chosen submitting body."""
    parts = callback_parts(update)
    return await invites.district_code(
        v, submitter_key=text_at(parts, 2), link_of=_link_of(context)
    )


@responds_to_organizer
async def on_organizer_code(update: Update, context: Context, v: Visit) -> Answer:
    """Makes a one-time code that gives its user organizer rights."""
    return await invites.organizer_code(v, link_of=_link_of(context))


@responds_to_organizer
async def on_show(update: Update, context: Context, v: Visit) -> Answer:
    """Shows one code."""
    invite_id = number_at(callback_parts(update), 2)
    return await invites.show(v, invite_id=invite_id, link_of=_link_of(context))


@responds_to_organizer
async def on_revoke(update: Update, context: Context, v: Visit) -> Answer:
    """Revokes a code."""
    invite_id = number_at(callback_parts(update), 2)
    return await invites.revoke(v, invite_id=invite_id, link_of=_link_of(context))


@responds_to_organizer
async def on_list(update: Update, context: Context, v: Visit) -> Answer:
    """Lists codes, a page at a time."""
    return await invites.listing(v, page=number_at(callback_parts(update), 2) or 0)


@responds_to_organizer
async def on_pending(update: Update, context: Context, v: Visit) -> Answer:
    """Lists units that registered themselves and wait for confirmation."""
    return await invites.pending(v)


@responds_to_organizer
async def on_confirm_unit(update: Update, context: Context, v: Visit) -> Answer:
    """Confirms a pending unit."""
    return await invites.confirm(v, unit_id=number_at(callback_parts(update), 2))


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Adds the /invite command and the invite console's buttons; the unit name's wait."""
    invites.register_waits()
    app.add_handler(CommandHandler("invite", on_home))
    app.add_handler(CallbackQueryHandler(on_home, pattern=f"^{HOME}$"))
    app.add_handler(CallbackQueryHandler(on_unit, pattern="^inv:unit$"))
    app.add_handler(CallbackQueryHandler(on_home, pattern="^inv:cancel$"))
    app.add_handler(CallbackQueryHandler(on_district, pattern="^inv:district$"))
    app.add_handler(CallbackQueryHandler(on_district_code, pattern="^inv:d:"))
    app.add_handler(CallbackQueryHandler(on_organizer_code, pattern="^inv:org$"))
    app.add_handler(CallbackQueryHandler(on_list, pattern=r"^inv:list:\d+$"))
    app.add_handler(CallbackQueryHandler(on_show, pattern=r"^inv:show:\d+$"))
    app.add_handler(CallbackQueryHandler(on_revoke, pattern=r"^inv:rv:\d+$"))
    app.add_handler(CallbackQueryHandler(on_pending, pattern="^inv:pending$"))
    app.add_handler(CallbackQueryHandler(on_confirm_unit, pattern=r"^inv:ok:\d+$"))
