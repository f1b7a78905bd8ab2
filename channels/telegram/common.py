"""Small helpers every Telegram handler uses: who is asking, how to reply, how to render.

Every handler has one preamble, :func:`preamble`: it loads who is asking once and hands
what the handler's use case answered to a sender. :func:`responds` is it with the common
sender (the toast, then the replies); ``organizing.responds_to_organizer`` with the
organizers' (share buttons, a notice's progress tracked). Only the typed-text and file
dispatchers call their use case without it, since that use case loads the person in its
own transaction (``handlers.forms.take_text``).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace as copy
from typing import Any, Protocol, TypeVar, overload

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import ApplicationHandlerStop, ContextTypes

from channels.telegram.codec import CHANNEL, encode
from channels.telegram.replybot import ReplyBot
from config.services import services_of
from handlers.replies import Actions, Reply, actions, label_text
from handlers.visits import Sender, Visit, visit_of
from messages import render
from messages.markup import plain_length, split_messages

log = logging.getLogger(__name__)

Context = ContextTypes.DEFAULT_TYPE
Button = tuple[str, str]  # (label key or ready text, callback_data)
MESSAGE_LIMIT = 4096


def sender_of(update: Update) -> Sender:
    """Return who sent this update, in the channel-neutral form the use cases take."""
    user = update.effective_user
    chat = update.effective_chat
    assert user is not None and chat is not None
    return Sender(CHANNEL, str(user.id), str(chat.id), user.full_name)


def bot_of(context: Context) -> ReplyBot:
    """Return the application's bot (see :mod:`channels.telegram.replybot`)."""
    bot = context.bot
    assert isinstance(bot, ReplyBot), "the application is built by bot.app.build_application"
    return bot


def chat_of(update: Update) -> int:
    """Return the id of the chat an update came from."""
    chat = update.effective_chat
    assert chat is not None
    return chat.id


async def visit(update: Update, context: Context) -> Visit:
    """Load (or create) the person behind this update and read the clock once."""
    services = services_of(context)
    return await visit_of(services, sender_of(update), services.clock.now())


class Answered(Protocol):
    """What a use case answers to a press: replies in order and a short notice (toast)."""

    replies: list[Reply]
    toast: str | None


Result = Answered | Reply | Sequence[Reply] | None
Handler = Callable[[Update, Context], Awaitable[None]]
R = TypeVar("R")
VisitHandler = Callable[[Update, Context, Visit], Awaitable[R | None]]
Send = Callable[[Update, Context, Visit, R], Awaitable[None]]


def preamble(send: Send[R], *, stop: bool = False) -> Callable[[VisitHandler[R]], Handler]:
    """Make a decorator for handlers that parse and call a use case: load who is asking
    once, call the handler, and hand what it returns to ``send`` (nothing: nothing sent).

    ``stop``: what the handler answers, no later handler group sees (a handler ahead of
    the others, e.g. a typed invite code); an update it answers nothing to passes on.
    """

    def decorate(handler: VisitHandler[R]) -> Handler:
        @functools.wraps(handler)
        async def wrapper(update: Update, context: Context) -> None:
            if update.effective_user is None or update.effective_chat is None:
                return  # nobody to answer (a channel post, a poll's update …)
            v = await visit(update, context)
            result = await handler(update, context, v)
            if result is None:
                return
            await send(update, context, v, result)
            if stop:
                raise ApplicationHandlerStop

        return wrapper

    return decorate


Markups = Sequence[InlineKeyboardMarkup | None]
# What a send answers: the message sent or edited (a Message where PTB parsed Telegram's
# answer, else its id: see channels.telegram.replybot), True when the message was already
# as asked ("not modified"), None when nothing was sent.
Sent = Message | int | bool | None


async def send_answer(
    update: Update, context: Context, done: Result, *, markups: Markups = ()
) -> Sent:
    """Acknowledge the press (with the use case's toast), send its replies in order, and
    return the last message sent (True: it was already as asked; None: nothing sent).

    ``markups`` replaces the keyboard of the reply at the same index (a channel's own
    buttons, such as a share link, that no neutral action expresses).
    """
    if done is None:
        return None
    if isinstance(done, Reply):
        replies, toast, toast_values = [done], None, {}
    elif isinstance(done, Sequence):
        replies, toast, toast_values = list(done), None, {}
    else:
        replies, toast = done.replies, done.toast
        toast_values = getattr(done, "toast_values", None) or {}
    await answer(update, toast, **toast_values)
    return await send_replies(update, context, replies, markups=markups)


async def send_result(update: Update, context: Context, _v: Visit, result: Result) -> None:
    """The common sender of :func:`responds`: the toast, then the replies in order."""
    await send_answer(update, context, result)


@overload
def responds(handler: VisitHandler[Result]) -> Handler: ...


@overload
def responds(*, stop: bool = False) -> Callable[[VisitHandler[Result]], Handler]: ...


def responds(
    handler: VisitHandler[Result] | None = None, *, stop: bool = False
) -> Handler | Callable[[VisitHandler[Result]], Handler]:
    """Wrap a handler that parses and calls a use case: load who is asking once, then
    acknowledge the press (with the use case's toast) and send its replies in order.

    Used bare (``@responds``) or with ``stop=True`` (see :func:`preamble`).
    """
    decorate = preamble(send_result, stop=stop)
    return decorate if handler is None else decorate(handler)


def markup_of(actions: Actions) -> InlineKeyboardMarkup | None:
    """Render neutral actions as an inline keyboard (callback data checked by the codec)."""
    if not actions:
        return None
    try:
        return _keyboard(actions)
    except TypeError:  # rows given as lists (unhashable): built each time
        return _keyboard.__wrapped__(actions)


@functools.lru_cache(maxsize=2048)
def _keyboard(actions: Actions) -> InlineKeyboardMarkup:
    """Build the keyboard of these actions once: the same buttons come back (a field's
    prompt, the menus), and PTB's keyboards cannot change once built (≈30 µs each)."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(a.text, callback_data=encode(a.id)) for a in row] for row in actions]
    )


PROMPT = "prompt"  # chat_data: id of the form prompt whose buttons are live (cosmetic only)


async def _edit(context: Context, chat_id: int, message_id: int, item: Reply) -> bool:
    """Edit one message into a reply; False if Telegram refuses (too old, deleted, too long)."""
    text = render(item.template, **item.values)
    if plain_length(text) > MESSAGE_LIMIT:
        return False
    try:
        await bot_of(context).edit_text(chat_id, message_id, text,
                                        reply_markup=markup_of(item.actions))  # fmt: skip
    except BadRequest as error:
        if "not modified" in str(error).lower():
            return True
        log.info("edit failed (%s)", error)
        return False
    return True


async def _strip_buttons(context: Context, chat_id: int, message_id: int) -> None:
    """Take the buttons off a prompt the conversation has moved past."""
    try:
        await context.bot.edit_message_reply_markup(chat_id, message_id, reply_markup=None)
    except BadRequest as error:
        log.info("could not take the buttons off an old prompt: %s", error)


async def _send_prompted(
    update: Update, context: Context, replies: Sequence[Reply], markups: Markups
) -> Sent:
    """Send replies that carry form prompts and receipts; return the last message sent.

    One prompt stays live: a receipt edits the prompt it answers (the pressed message, or
    the live prompt for a typed answer) into its one line without buttons; a new prompt
    takes the buttons off the one before.
    """
    assert context.chat_data is not None
    chat = chat_of(update)
    query = update.callback_query
    pressed = query.message.message_id if query is not None and query.message else None
    live = context.chat_data.get(PROMPT)
    target = pressed or live
    sent: Sent = None
    for index, item in enumerate(replies):
        if (item.receipt or (item.prompt and item.in_place)) and target is not None:
            if await _edit(context, chat, target, item):
                if item.prompt:
                    live = target
                elif target == live:
                    live = None
                target = None
                sent = True
                continue
        if item.receipt:
            continue  # nothing to stand in for: the receipt is not sent on its own
        if item.prompt and live is not None:
            await _strip_buttons(context, chat, live)
            live = None
        if not item.prompt:
            # In place only while the pressed message is still untouched by a receipt.
            fresh = item if target is not None or not item.in_place else copy(item, in_place=False)
            sent = await _send_one(update, context, fresh, _markup_at(markups, index, item))
            continue
        live = sent = await prompt(
            update, context, item.template, markup=item.actions, **item.values
        )
        if item.values.get("wants_own_mobile"):
            await offer_contact(update, context)
    context.chat_data[PROMPT] = live
    return sent


SHARE_CONTACT = "form.share_mobile"


async def offer_contact(update: Update, context: Context) -> None:
    """Offer Telegram's 📱 button that shares the person's own number (one tap, then gone)."""
    button = KeyboardButton(label_text(SHARE_CONTACT), request_contact=True)
    markup = ReplyKeyboardMarkup([[button]], resize_keyboard=True, one_time_keyboard=True)
    await context.bot.send_message(chat_of(update), render("form/share_mobile.html"),
                                   reply_markup=markup)  # fmt: skip
    if context.chat_data is not None:
        context.chat_data.pop("reply_keyboard", None)  # the menu keyboard is set again later


async def send_replies(
    update: Update, context: Context, replies: Sequence[Reply], *, markups: Markups = ()
) -> Sent:
    """Send a use case's replies in order and return the last message sent: in place where
    asked and possible, else anew; joined replies packed into as few messages as fit; form
    prompts and receipts as :func:`_send_prompted` says. If a reply says the main menu is
    now the person's (``Reply.menu``: 登记完成), the reply keyboard comes first, so that the
    replies themselves stay the last word. ``markups``: see :func:`send_answer`."""
    if any(item.menu for item in replies):
        from channels.telegram.keyboard import show_keyboard  # keyboard imports this module

        await show_keyboard(update, context)
    if any(r.prompt or r.receipt for r in replies) and context.chat_data is not None:
        return await _send_prompted(update, context, replies, markups)
    sent: Sent = None
    blocks: list[str] = []
    for index, item in enumerate(replies):
        if item.joined:
            blocks.append(render(item.template, **item.values))
            continue
        if blocks:
            sent = await _send_blocks(update, context, blocks)
            blocks = []
        sent = await _send_one(update, context, item, _markup_at(markups, index, item))
    if blocks:
        sent = await _send_blocks(update, context, blocks)
    return sent


def _markup_at(markups: Markups, index: int, item: Reply) -> InlineKeyboardMarkup | None:
    """Return the channel's own keyboard for the reply at ``index``, else its actions'."""
    own = markups[index] if index < len(markups) else None
    return own or markup_of(item.actions)


async def _send_blocks(update: Update, context: Context, blocks: list[str]) -> int | None:
    sent = None
    for part in split_messages(blocks):
        sent = await bot_of(context).send_text(chat_of(update), part)
    return sent


async def _send_one(
    update: Update, context: Context, item: Reply, markup: InlineKeyboardMarkup | None
) -> Sent:
    """Send one reply: in place of the pressed message (its caption, if that message is a
    file or a picture), or anew; an attachment as a document, or as a photo when it is an
    image; ``ref`` sends a file Telegram already holds by its file_id."""
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
        content = file.ref or file.data
        if file.image:
            return await context.bot.send_photo(
                chat_of(update), content, caption=text, parse_mode=ParseMode.HTML,
                reply_markup=markup, filename=file.filename or None,
            )  # fmt: skip
        return await context.bot.send_document(
            chat_of(update), content, caption=text, parse_mode=ParseMode.HTML,
            reply_markup=markup, filename=None if file.ref else file.filename,
        )  # fmt: skip
    if text is None:
        text = render(item.template, **item.values)
    if item.in_place:
        return await _show_text(update, context, text, markup)
    return await _send_text(update, context, text, markup)


def keyboard(rows: Sequence[Sequence[Button]]) -> Actions:
    """Build neutral actions from (label key or ready text, action id) pairs."""
    return actions(rows)


Markup = Actions | InlineKeyboardMarkup | None


def _markup(markup: Markup) -> InlineKeyboardMarkup | None:
    if isinstance(markup, InlineKeyboardMarkup) or markup is None:
        return markup
    return markup_of(markup)


def _text(text_or_key: str) -> str:
    return label_text(text_or_key)


async def reply(
    update: Update,
    context: Context,
    template: str,
    *,
    markup: Markup = None,
    **values: Any,
) -> Message:
    """Send a rendered template to the chat the update came from (split if over 4096)."""
    chat = update.effective_chat
    assert chat is not None
    text = render(template, **values)
    parts = split_messages([text]) or [text]
    for part in parts[:-1]:
        await context.bot.send_message(chat.id, part)
    return await context.bot.send_message(
        chat.id,
        parts[-1],
        parse_mode=ParseMode.HTML,
        reply_markup=_markup(markup),
        disable_web_page_preview=True,
    )


async def _send_text(
    update: Update, context: Context, text: str, markup: InlineKeyboardMarkup | None
) -> int:
    """Send rendered text as :func:`reply` does; return the id of the (last) message sent."""
    chat, bot = chat_of(update), bot_of(context)
    parts = split_messages([text]) or [text]
    for part in parts[:-1]:
        await bot.send_text(chat, part)
    return await bot.send_text(chat, parts[-1], reply_markup=markup)


async def prompt(
    update: Update, context: Context, template: str, *, markup: Actions, **values: Any
) -> int:
    """Send a form prompt as :func:`reply` sends a message; return the id of its message."""
    return await _send_text(update, context, render(template, **values), markup_of(markup))


async def show(
    update: Update,
    context: Context,
    template: str,
    *,
    markup: Markup = None,
    **values: Any,
) -> Sent:
    """Answer a button press by editing its message in place; send anew if that fails."""
    return await _show_text(update, context, render(template, **values), _markup(markup))


async def _show_text(
    update: Update, context: Context, text: str, markup: InlineKeyboardMarkup | None
) -> Sent:
    """Edit the pressed message into rendered text (as :func:`show`), else send it anew."""
    query = update.callback_query
    if query is not None and query.message is not None and plain_length(text) <= MESSAGE_LIMIT:
        try:
            return await query.edit_message_text(text, reply_markup=markup)
        except BadRequest as error:
            if "not modified" in str(error).lower():
                return True
            log.info("edit failed (%s); sending a new message", error)
    return await _send_text(update, context, text, markup)


async def answer(update: Update, template: str | None = None, **values: Any) -> None:
    """Acknowledge a button press, optionally with a short toast."""
    query = update.callback_query
    if query is None:
        return
    text = render(template, **values) if template else None
    try:
        await query.answer(text)
    except BadRequest as error:
        # A second answer or an expired query: the user has already moved on.
        log.info("callback answer refused: %s", error)


def callback_parts(update: Update) -> list[str]:
    """Split a button's callback_data on ':' (it is user input: callers re-check ids)."""
    query = update.callback_query
    return (query.data or "").split(":") if query else []
