"""Questions in free text, answered from the contest definition.

Text that is not an answer to an open form is a question; inside a form, a leading "?"
(or "？"), or the ❓ button, asks one without leaving the form: the answer comes, then the
same field is asked again.
"""

from __future__ import annotations

import asyncio

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, MessageHandler, filters

from channels.telegram import forms
from channels.telegram.common import (
    Context,
    Visit,
    answer,
    callback_parts,
    reply,
    responds,
    send_replies,
    sender_of,
)
from config.services import services_of
from contest.questions import prepare
from handlers import browse
from handlers.forms import reask, take_text
from handlers.replies import Reply

ASKING = "asking"  # user_data flag: the next text is a question (a convenience, not user work)
QUESTION_MARKS = ("?", "？")


async def on_text(update: Update, context: Context) -> None:
    """Routes typed text: a question, an answer to the waiting form or wait, or a question."""
    message = update.effective_message
    if message is None or not message.text:
        return
    asking = bool(context.user_data and context.user_data.pop(ASKING, False))
    if message.text.strip().startswith(QUESTION_MARKS) or asking:
        await on_question(update, context)
        return
    services = services_of(context)
    taken = await take_text(
        services,
        sender=sender_of(update),
        text=message.text,
        now=services.clock.now(),
        html=message.text_html,
        link_of=forms.link_of(context),
    )
    if taken.turn is not None and taken.from_wait:
        await forms.send_turn(update, context, taken.visit, taken.turn)
    elif taken.turn is not None:
        await send_replies(update, context, taken.turn.replies)
    else:
        answers = await browse.questions(taken.visit, message.text.strip())
        await send_replies(update, context, answers)


@responds
async def on_question(update: Update, context: Context, v: Visit) -> list[Reply]:
    """Answers a question (after "?" or ❓), then asks the waiting form's field again."""
    message = update.effective_message
    question = (message.text or "").strip().lstrip("?？ ").strip() if message else ""
    if not question:
        return [Reply("questions/how_to_ask.html")]
    return [*await browse.questions(v, question), *await reask(v)]


async def on_ask_button(update: Update, context: Context) -> None:
    """Invites a question; the next message is answered, then any form goes on."""
    await answer(update)
    if context.user_data is not None:
        context.user_data[ASKING] = True
    await reply(update, context, "questions/how_to_ask.html")


@responds
async def on_topic_button(update: Update, context: Context, v: Visit) -> Reply:
    """Answers the topic a person picked after an unsure answer."""
    return browse.topic(v, ":".join(callback_parts(update)[1:]))


async def on_startup(_app: Application) -> None:  # type: ignore[type-arg]
    """Loads the segmentation dictionary before the first question, in a thread (≈1 s)."""
    await asyncio.to_thread(prepare)


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Adds the free-text router and the question buttons."""
    app.add_handler(CallbackQueryHandler(on_ask_button, pattern="^menu:ask$"))
    app.add_handler(CallbackQueryHandler(on_topic_button, pattern="^q:"))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, on_text))
