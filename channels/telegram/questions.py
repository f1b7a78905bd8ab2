"""Questions in free text, answered from the contest definition.

Text that is not an answer to an open form is a question; inside a form, a leading "?"
(or "？"), or the ❓ button, asks one without leaving the form: the answer comes, then the
same field is asked again.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, MessageHandler, filters

from channels.telegram import forms
from channels.telegram.common import (
    Context,
    Visit,
    answer,
    callback_parts,
    reply,
    send_replies,
    sender_of,
    visit,
)
from channels.telegram.judging import on_typed as on_typed_score
from config.services import services_of
from contest.asking import ask
from contest.questions import Answer, Asker, answer_context, answer_for
from handlers import judging
from handlers.asking import asker_for
from handlers.forms import take_text

ASKING = "asking"  # user_data flag: the next text is a question (a convenience, not user work)
QUESTION_MARKS = ("?", "？")


async def _send_answers(update: Update, context: Context, v: Visit, question: str) -> None:
    """Answers every question in the message, one reply each, about now and the asker's unit."""
    asker = await asker_for(v.services.sessions, person=v.person)
    for result in ask(question, v.services.contest, now=v.now, asker=asker):
        await _send_answer(update, context, v, result, asker)


async def _send_answer(
    update: Update, context: Context, v: Visit, result: Answer, asker: Asker | None = None
) -> None:
    contest = v.services.contest
    markup = None
    if not result.confident:
        rows = [
            [InlineKeyboardButton(alt.label, callback_data=f"q:{alt.ref}")]
            for alt in result.alternatives
        ]
        markup = InlineKeyboardMarkup(rows) if rows else None
    await reply(
        update,
        context,
        f"answers/{result.topic}.html",
        markup=markup,
        **answer_context(result, contest, v.now, asker),
    )


async def on_text(update: Update, context: Context) -> None:
    """Routes typed text: a question, an answer to the waiting form or hook, or a question."""
    message = update.effective_message
    if message is None or not message.text:
        return
    text = message.text.strip()
    asking = bool(context.user_data and context.user_data.pop(ASKING, False))
    if text.startswith(QUESTION_MARKS) or asking:
        v = await visit(update, context)
        question = text.lstrip("?？ ").strip()
        if not question:
            await reply(update, context, "questions/how_to_ask.html")
            return
        await _send_answers(update, context, v, question)
        await forms.reask(update, context, v)
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
        return
    if taken.turn is not None:
        await send_replies(update, context, taken.turn.replies)
        return
    if taken.waiting is not None and taken.waiting.form_key == judging.TYPED:
        # Not yet a stored wait: judging's use cases open their own transactions and its
        # steps are rendered here, so the typed score is routed to them explicitly.
        await on_typed_score(update, context, taken.visit, taken.waiting)
        return
    await _send_answers(update, context, taken.visit, text)


async def on_ask_button(update: Update, context: Context) -> None:
    """Invites a question; the next message is answered, then any form goes on."""
    await answer(update)
    if context.user_data is not None:
        context.user_data[ASKING] = True
    await reply(update, context, "questions/how_to_ask.html")


async def on_topic_button(update: Update, context: Context) -> None:
    """Answers the topic a person picked after an unsure answer."""
    v = await visit(update, context)
    ref = ":".join(callback_parts(update)[1:])
    result = answer_for(ref, v.services.contest)
    await answer(update)
    if result is None:
        await reply(update, context, "questions/topic_gone.html")
        return
    await _send_answer(update, context, v, result)


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Adds the free-text router and the question buttons."""
    app.add_handler(CallbackQueryHandler(on_ask_button, pattern="^menu:ask$"))
    app.add_handler(CallbackQueryHandler(on_topic_button, pattern="^q:"))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, on_text))
