"""Invite codes, organizer side, in Telegram: parse, call :mod:`handlers.invites`, send.

Telegram's own parts are here: a code's link is a deep link
(``telegram.helpers.create_deep_linked_url``), and an active code's card gets a share
button (t.me/share) beside the neutral actions. A new code's card comes as the QR code
picture with the card as its caption. The unit's name typed after ``inv:unit`` reaches the
use case through the ``invite_label`` wait (a text hook).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from urllib.parse import urlencode

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler
from telegram.helpers import create_deep_linked_url

from channels.telegram.common import Context, Visit, callback_parts, int_part, markup_of, visit
from channels.telegram.forms import TEXT_HOOKS
from channels.telegram.organizing import send_answer
from handlers import invites
from handlers.organizing import Answer
from handlers.replies import Reply, label_text

HOME = "inv:home"


def invite_expiry(v: Visit) -> datetime:
    """Return when a code made now stops working."""
    return invites.invite_expiry(v)


def invite_link(context: Context, code: str) -> str:
    """Return the t.me link that opens the bot with this code."""
    return create_deep_linked_url(context.bot.username, code)


def _link_of(context: Context) -> Callable[[str], str]:
    return lambda code: invite_link(context, code)


def _card_markup(item: Reply) -> InlineKeyboardMarkup | None:
    """Return an active code's keyboard with a share button on top (None: no card)."""
    if item.template != invites.CARD or item.values.get("state") != "active":
        return None
    contest = item.values["contest"]
    query = urlencode(
        {
            "url": item.values["link"],
            "text": label_text("invite.share_text", label=contest.short_name),
        }
    )
    share = InlineKeyboardButton(label_text("invite.share"), url=f"https://t.me/share/url?{query}")
    neutral = markup_of(item.actions)
    return InlineKeyboardMarkup([[share], *(neutral.inline_keyboard if neutral else ())])


async def _send(update: Update, context: Context, done: Answer) -> None:
    await send_answer(update, context, done, extra=[_card_markup(r) for r in done.replies])


async def on_home(update: Update, context: Context) -> None:
    """Shows the invite console: what exists and what can be made."""
    await _send(update, context, await invites.home(await visit(update, context)))


async def on_unit(update: Update, context: Context) -> None:
    """Asks for the name of the unit the new code is for."""
    await _send(update, context, await invites.ask_label(await visit(update, context)))


async def label_hook(update: Update, context: Context, v: Visit, _progress: object) -> None:
    """Takes the typed unit name (a text hook)."""
    message = update.effective_message
    assert message is not None and message.text is not None
    done = await invites.take_label(v, text=message.text, link_of=_link_of(context))
    await _send(update, context, done)


async def on_district(update: Update, context: Context) -> None:
    """Lets the organizer pick the submitting body a district code is for."""
    await _send(update, context, await invites.districts(await visit(update, context)))


async def on_district_code(update: Update, context: Context) -> None:
    """Makes a district code for the chosen submitting body."""
    parts = callback_parts(update)
    done = await invites.district_code(
        await visit(update, context),
        submitter_key=parts[2] if len(parts) > 2 else "",
        link_of=_link_of(context),
    )
    await _send(update, context, done)


async def on_organizer_code(update: Update, context: Context) -> None:
    """Makes a one-time code that gives its user organizer rights."""
    done = await invites.organizer_code(await visit(update, context), link_of=_link_of(context))
    await _send(update, context, done)


async def on_show(update: Update, context: Context) -> None:
    """Shows one code."""
    invite_id = int_part(callback_parts(update), 2)
    v = await visit(update, context)
    done = await invites.show(v, invite_id=invite_id, link_of=_link_of(context))
    await _send(update, context, done)


async def on_revoke(update: Update, context: Context) -> None:
    """Revokes a code."""
    invite_id = int_part(callback_parts(update), 2)
    v = await visit(update, context)
    done = await invites.revoke(v, invite_id=invite_id, link_of=_link_of(context))
    await _send(update, context, done)


async def on_list(update: Update, context: Context) -> None:
    """Lists codes, a page at a time."""
    page = int_part(callback_parts(update), 2) or 0
    await _send(update, context, await invites.listing(await visit(update, context), page=page))


async def on_pending(update: Update, context: Context) -> None:
    """Lists units that registered themselves and wait for confirmation."""
    await _send(update, context, await invites.pending(await visit(update, context)))


async def on_confirm_unit(update: Update, context: Context) -> None:
    """Confirms a pending unit."""
    unit_id = int_part(callback_parts(update), 2)
    done = await invites.confirm(await visit(update, context), unit_id=unit_id)
    await _send(update, context, done)


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Adds the /invite command, the invite console's buttons and the label hook."""
    TEXT_HOOKS[invites.LABEL_WAIT] = label_hook
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
