"""Sending an organizer use case's answer in Telegram: the toast, then each reply in order.

A reply ``in_place`` edits the message whose button was pressed (its caption, if that
message is a file or a picture); an attachment is sent as a document, or as a photo when it
is an image; ``ref`` sends a file Telegram already holds by its file_id.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest

from channels.telegram.common import Context, answer, markup_of, reply, show
from handlers.organizing import Answer
from handlers.replies import Reply
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
