"""Records of the sandbox world (users, chats, messages, files) and their Bot API JSON shapes."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

JSON = dict[str, Any]


class Notifier:
    """Broadcast wake-ups without polling: waiters await an event that ``notify`` swaps out."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        """Wake every current waiter."""
        event, self._event = self._event, asyncio.Event()
        event.set()

    async def wait(self, timeout: float | None) -> bool:
        """Wait for the next ``notify``; return False on timeout."""
        event = self._event
        if timeout is not None and timeout <= 0:
            return False
        try:
            await asyncio.wait_for(event.wait(), timeout)
        except TimeoutError:
            return False
        return True


@dataclass
class User:
    """A sandbox Telegram user; its private chat has the same id."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = "zh-hans"
    blocked: bool = False

    def to_json(self) -> JSON:
        """Return the Bot API ``User`` object."""
        data: JSON = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        if self.language_code:
            data["language_code"] = self.language_code
        return data

    def chat_json(self) -> JSON:
        """Return the Bot API ``Chat`` object of the private chat with this user."""
        data: JSON = {"id": self.id, "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        data["type"] = "private"
        return data


@dataclass
class FileRecord:
    """A stored file, reachable by ``file_id`` and by ``file_path``."""

    file_id: str
    file_unique_id: str
    file_path: str
    data: bytes
    file_name: str | None
    mime_type: str | None

    @property
    def file_size(self) -> int:
        """Return the size in bytes."""
        return len(self.data)

    def document_json(self) -> JSON:
        """Return the Bot API ``Document`` object."""
        data: JSON = {"file_id": self.file_id, "file_unique_id": self.file_unique_id}
        if self.file_name:
            data["file_name"] = self.file_name
        if self.mime_type:
            data["mime_type"] = self.mime_type
        data["file_size"] = self.file_size
        return data

    def file_json(self) -> JSON:
        """Return the Bot API ``File`` object (``getFile``)."""
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": self.file_size,
            "file_path": self.file_path,
        }


@dataclass
class Message:
    """One message of a private chat, from the bot or from the user."""

    message_id: int
    chat_id: int
    from_bot: bool
    date: int
    text: str | None = None
    entities: list[JSON] = field(default_factory=list)
    source: str | None = None
    parse_mode: str | None = None
    caption: str | None = None
    caption_entities: list[JSON] = field(default_factory=list)
    reply_markup: JSON | None = None
    document: FileRecord | None = None
    reply_to: int | None = None
    edit_date: int | None = None
    history: list[JSON] = field(default_factory=list)
    deleted: bool = False
    version: int = 0
    created: int = 0

    @property
    def inline_keyboard(self) -> list[list[JSON]] | None:
        """Return the inline keyboard rows, if the message has one."""
        if self.reply_markup and "inline_keyboard" in self.reply_markup:
            return self.reply_markup["inline_keyboard"]
        return None

    def snapshot(self) -> JSON:
        """Return the editable content, for the edit history."""
        return {
            "text": self.text,
            "entities": self.entities,
            "source": self.source,
            "parse_mode": self.parse_mode,
            "caption": self.caption,
            "caption_entities": self.caption_entities,
            "reply_markup": self.reply_markup,
            "edit_date": self.edit_date,
        }

    def has_callback_data(self, data: str) -> bool:
        """Tell whether an inline button of this message carries ``data``."""
        rows = self.inline_keyboard or []
        return any(button.get("callback_data") == data for row in rows for button in row)


@dataclass
class Chat:
    """A private chat: its messages and the client-side state a Telegram app would show."""

    user: User
    messages: dict[int, Message] = field(default_factory=dict)
    next_message_id: int = 1
    version: int = 0
    reply_keyboard: JSON | None = None
    keyboard_hidden: bool = False
    force_reply: int | None = None
    toast: JSON | None = None
    action: JSON | None = None
    notifier: Notifier = field(default_factory=Notifier)


@dataclass
class CallbackQuery:
    """A pressed inline button waiting for ``answerCallbackQuery``."""

    id: str
    user_id: int
    message_id: int
    data: str
    created: float
    answered: bool = False
    answer: JSON | None = None
