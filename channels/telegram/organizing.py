"""Sending an organizer use case's answer in Telegram: the common sender, with two extras.

The toast and the replies go as for everybody (``common.send_answer``). An active invite
code's card gets a share button (t.me/share) beside its neutral actions, and a reply that
shows a notice's sending progress is tracked where it landed, so the delivery worker edits
it in place. :func:`responds_to_organizer` is the organizer handlers' preamble.
"""

from __future__ import annotations

from urllib.parse import urlencode

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update

from channels.telegram.common import Context, Sent, Visit, markup_of, preamble, send_answer
from handlers import compose, invites
from handlers.organizing import Answer
from handlers.replies import Reply, label_text


def message_id_of(sent: Sent) -> str | None:
    """Return the id of a message just sent or edited (None: it was not modified)."""
    if isinstance(sent, Message):
        return str(sent.message_id)
    return None if sent is None or isinstance(sent, bool) else str(sent)


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
    sent = await send_answer(update, context, done, markups=[card_markup(r) for r in done.replies])
    if done.progress_of is not None:
        await compose.track_progress(
            v, broadcast_id=done.progress_of, message_id=message_id_of(sent)
        )


# The organizer handlers' preamble: load who is asking once, call, send the answer.
responds_to_organizer = preamble(send_organizer)
