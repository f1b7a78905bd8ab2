"""What a Telegram user can do in the bot's private chat; each action creates an update."""

from __future__ import annotations

import re
import time

from sandbox.models import JSON, CallbackQuery, Chat, Message, User
from sandbox.state import SandboxState
from sandbox.telegram_html import TRIM_CHARS, utf16_len

BOT_COMMAND_RE = re.compile(r"(?<![\w/<>])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![\w/<>])")


class UserActionError(ValueError):
    """A user action the Telegram app would not allow (message for the page, in Chinese)."""


def command_entities(text: str) -> list[JSON]:
    """Return the ``bot_command`` entities Telegram detects in ``text``."""
    entities = []
    for match in BOT_COMMAND_RE.finditer(text):
        entities.append(
            {
                "offset": utf16_len(text[: match.start()]),
                "length": utf16_len(match.group()),
                "type": "bot_command",
            }
        )
    return entities


def _chat(state: SandboxState, user_id: int) -> tuple[User, Chat]:
    user = state.ensure_user(user_id)
    if user.blocked:
        set_blocked(state, user_id, False)
    return user, state.chats[user_id]


def _after_user_message(chat: Chat) -> int | None:
    """Apply one-time keyboards and force-reply like the app does; return the reply target."""
    if chat.reply_keyboard and chat.reply_keyboard.get("one_time_keyboard"):
        chat.keyboard_hidden = True
    reply_to, chat.force_reply = chat.force_reply, None
    return reply_to


def send_text(state: SandboxState, user_id: int, text: str, reply_to: int | None = None) -> Message:
    """Send ``text`` as the user: creates a ``message`` update."""
    text = text.strip(TRIM_CHARS)
    if not text:
        raise UserActionError("消息不能为空")
    if utf16_len(text) > 4096:
        raise UserActionError("消息过长（最多 4096 个字符）")
    _user, chat = _chat(state, user_id)
    forced = _after_user_message(chat)
    target = reply_to if reply_to is not None else forced
    if target is not None and (target not in chat.messages or chat.messages[target].deleted):
        target = None
    msg = state.add_message(
        chat, from_bot=False, text=text, entities=command_entities(text), reply_to=target
    )
    state.push_update("message", state.message_json(msg))
    return msg


def upload_document(
    state: SandboxState,
    user_id: int,
    filename: str,
    data: bytes,
    mime_type: str | None = None,
    caption: str | None = None,
) -> Message:
    """Send a document as the user: stores the file and creates a ``message`` update."""
    if not data:
        raise UserActionError("文件不能为空")
    caption = (caption or "").strip(TRIM_CHARS) or None
    if caption is not None and utf16_len(caption) > 1024:
        raise UserActionError("说明文字过长（最多 1024 个字符）")
    _user, chat = _chat(state, user_id)
    forced = _after_user_message(chat)
    record = state.add_file(data, filename, mime_type)
    msg = state.add_message(
        chat, from_bot=False, document=record, caption=caption,
        caption_entities=command_entities(caption) if caption else [], reply_to=forced,
    )
    state.push_update("message", state.message_json(msg))
    return msg


def press_button(state: SandboxState, user_id: int, message_id: int, data: str) -> CallbackQuery:
    """Press an inline button carrying ``data``: creates a ``callback_query`` update."""
    user, chat = _chat(state, user_id)
    msg = chat.messages.get(message_id)
    if msg is None or msg.deleted or not msg.from_bot:
        raise UserActionError("消息不存在")
    if not msg.has_callback_data(data):
        raise UserActionError("该消息没有这个按钮")
    query = state.new_callback(user, msg, data)
    state.push_update(
        "callback_query",
        {
            "id": query.id,
            "from": user.to_json(),
            "message": state.message_json(msg),
            "chat_instance": state.chat_instance(chat.user.id),
            "data": data,
        },
    )
    return query


def set_blocked(state: SandboxState, user_id: int, blocked: bool) -> None:
    """Block or unblock the bot as the user: creates a ``my_chat_member`` update."""
    user = state.ensure_user(user_id)
    if user.blocked == blocked:
        return
    user.blocked = blocked
    bot = state.bot_json()
    old = {"user": bot, "status": "kicked" if not blocked else "member"}
    new = {"user": bot, "status": "kicked" if blocked else "member"}
    for member in (old, new):
        if member["status"] == "kicked":
            member["until_date"] = 0
    state.push_update(
        "my_chat_member",
        {
            "chat": user.chat_json(),
            "from": user.to_json(),
            "date": int(time.time()),
            "old_chat_member": old,
            "new_chat_member": new,
        },
    )
    state.touch(state.chats[user_id])


def update_profile(state: SandboxState, user_id: int, fields: JSON) -> User:
    """Change the user's name, username or language."""
    user = state.ensure_user(user_id)
    for key in ("first_name", "last_name", "username", "language_code"):
        if key in fields:
            value = fields[key]
            setattr(user, key, str(value) if value else None)
    if not user.first_name:
        user.first_name = f"用户{user_id}"
    state.touch(state.chats[user_id])
    return user
