"""Sending an organizer use case's answer in Telegram: the toast, then each reply in order.

A reply ``in_place`` edits the message whose button was pressed (its caption, if that
message is a file or a picture); an attachment is sent as a document, or as a photo when it
is an image; ``ref`` sends a file Telegram already holds by its file_id. An active invite
code's card gets a share button (t.me/share) beside its neutral actions, and a reply that
shows a notice's sending progress is tracked where it landed, so the delivery worker edits
it in place. :func:`responds_to_organizer` is the organizer handlers' preamble.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from urllib.parse import urlencode

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest

from channels.telegram.common import Context, Visit, answer, markup_of, preamble, reply, show
from handlers import compose, invites
from handlers.organizing import Answer
from handlers.replies import Reply, label_text
from messages import render

log = logging.getLogger(__name__)


async def send_answer(
    update: Update,
    context: Context,
    done: Answer,
    *,
    extra: Sequence[InlineKeyboardMarkup | None] = (),
) -> Message | bool | None:
    """Answer the button (with the toast, if any), send the replies; return the last one sent.

    ``extra`` replaces the keyboard of the reply at the same index (a channel's own buttons,
    such as a share link, that no neutral action expresses).
    """
    await answer(update, done.toast, **done.toast_values)
    sent: Message | bool | None = None
    for index, item in enumerate(done.replies):
        markup = extra[index] if index < len(extra) and extra[index] else markup_of(item.actions)
        sent = await _send(update, context, item, markup)
    return sent


async def _send(
    update: Update, context: Context, item: Reply, markup: InlineKeyboardMarkup | None
) -> Message | bool:
    text = render(item.template, **item.values) if item.template else None
    query = update.callback_query
    pressed = query.message if query is not None else None
    media = isinstance(pressed, Message) and bool(pressed.photo or pressed.document)
    if item.in_place and text and media:
        try:  # the pressed message is a file or a picture: its caption is what changes
            return await query.edit_message_caption(  # type: ignore[union-attr]
                text, parse_mode=ParseMode.HTML, reply_markup=markup
            )
        except BadRequest as error:
            if "not modified" in str(error).lower():
                return True
            log.info("caption edit failed (%s); sending anew", error)
    file = item.attachment
    if file is not None:
        chat = update.effective_chat
        assert chat is not None
        content = file.ref or file.data
        if file.image:
            return await context.bot.send_photo(
                chat.id, content, caption=text, parse_mode=ParseMode.HTML,
                reply_markup=markup, filename=file.filename or None,
            )  # fmt: skip
        return await context.bot.send_document(
            chat.id, content, caption=text, parse_mode=ParseMode.HTML,
            reply_markup=markup, filename=None if file.ref else file.filename,
        )  # fmt: skip
    if item.in_place:
        return await show(update, context, item.template, markup=markup, **item.values)
    return await reply(update, context, item.template, markup=markup, **item.values)


def message_id_of(sent: Message | bool | None) -> str | None:
    """Return the id of a message just sent or edited (None: it was not modified)."""
    return str(sent.message_id) if isinstance(sent, Message) else None


def card_markup(item: Reply) -> InlineKeyboardMarkup | None:
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


async def send_organizer(update: Update, context: Context, v: Visit, done: Answer) -> None:
    """Send an organizer's answer: share buttons on code cards, a notice's progress tracked."""
    sent = await send_answer(update, context, done, extra=[card_markup(r) for r in done.replies])
    if done.progress_of is not None:
        await compose.track_progress(
            v, broadcast_id=done.progress_of, message_id=message_id_of(sent)
        )


# The organizer handlers' preamble: load who is asking once, call, send the answer.
responds_to_organizer = preamble(send_organizer)
