"""``SandboxUser``: an async test/benchmark client playing one Telegram user over the user API.

It never sleeps. Pass ``pump`` (e.g. ``UpdatePump``) to have the bot process every update
before an action returns; without it, use ``wait_for_reply`` (an event-driven long poll).
"""

from __future__ import annotations

import asyncio
import html
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp

Pump = Callable[[], Awaitable[Any]]
Button = tuple[str, str | None]


class SandboxClientError(RuntimeError):
    """The user API refused an action (its Chinese message is kept)."""


@dataclass
class ChatMessage:
    """A message as the user's app shows it (edits applied)."""

    raw: dict[str, Any]

    @property
    def message_id(self) -> int:
        """Return the message id."""
        return int(self.raw["message_id"])

    @property
    def from_bot(self) -> bool:
        """Tell whether the bot sent it."""
        return bool(self.raw["from_bot"])

    @property
    def text(self) -> str:
        """Return the plain text (tags stripped), or the caption for documents."""
        return self.raw.get("text") or self.raw.get("caption") or ""

    @property
    def html(self) -> str:
        """Return the HTML as the bot sent it (escaped plain text if no HTML parse_mode)."""
        source = self.raw.get("source")
        if source is not None and (self.raw.get("parse_mode") or "").lower() == "html":
            return source
        return html.escape(self.text, quote=False)

    @property
    def entities(self) -> list[dict[str, Any]]:
        """Return the text (or caption) entities."""
        return self.raw.get("entities") or self.raw.get("caption_entities") or []

    @property
    def buttons(self) -> list[list[Button]]:
        """Return inline buttons as rows of (text, callback_data or url)."""
        markup = self.raw.get("reply_markup") or {}
        return [
            [(b["text"], b.get("callback_data", b.get("url"))) for b in row]
            for row in markup.get("inline_keyboard", [])
        ]

    @property
    def reply_keyboard(self) -> list[list[str]] | None:
        """Return the reply keyboard this message set, as rows of button texts."""
        markup = self.raw.get("reply_markup") or {}
        if "keyboard" not in markup:
            return None
        return [[b["text"] for b in row] for row in markup["keyboard"]]

    @property
    def document(self) -> dict[str, Any] | None:
        """Return the document (file_id, file_name, mime_type, file_size, url) if any."""
        return self.raw.get("document")

    @property
    def edited(self) -> bool:
        """Tell whether the message was edited."""
        return bool(self.raw.get("edited"))

    def button_labels(self) -> list[str]:
        """Return all inline button texts, row by row."""
        return [text for row in self.buttons for text, _ in row]


class SandboxUser:
    """One Telegram user driven from Python over the sandbox user API."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        base_url: str,
        user_id: int,
        pump: Pump | None = None,
    ) -> None:
        self.session = session
        self.base_url = base_url.rstrip("/")
        self.user_id = user_id
        self.pump = pump
        self.version = 0
        self.epoch: int | None = None
        self._messages: dict[int, ChatMessage] = {}
        self.chat: dict[str, Any] = {}

    # -- plumbing -------------------------------------------------------------------------

    async def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        url = f"{self.base_url}/sandbox/api/{path}"
        async with self.session.request(method, url, **kwargs) as response:
            data = await response.json()
        if not data.get("ok"):
            raise SandboxClientError(data.get("error", f"HTTP {response.status}"))
        return data

    async def _after_action(self) -> None:
        if self.pump is not None:
            await self.pump()
        await self.refresh()

    def _apply(self, data: dict[str, Any]) -> bool:
        """Apply a chat view; return False if the sandbox was reset (view is partial)."""
        if self.epoch is not None and data["epoch"] != self.epoch:
            self.epoch = data["epoch"]
            self.version = 0
            self._messages.clear()
            return False
        self.epoch = data["epoch"]
        for raw in data["messages"]:
            if raw["deleted"]:
                self._messages.pop(raw["message_id"], None)
            else:
                self._messages[raw["message_id"]] = ChatMessage(raw)
        self.version = max(self.version, data["version"])
        self.chat = {k: v for k, v in data.items() if k != "messages"}
        return True

    # -- actions --------------------------------------------------------------------------

    async def send(self, text: str, reply_to: int | None = None) -> ChatMessage:
        """Send ``text`` (``/start payload`` etc.) and return the user's message."""
        body: dict[str, Any] = {"user": self.user_id, "text": text}
        if reply_to is not None:
            body["reply_to"] = reply_to
        data = await self._call("POST", "send", json=body)
        await self._after_action()
        return ChatMessage(data["message"])

    async def press(
        self, label_or_data: str, message: ChatMessage | int | None = None
    ) -> dict[str, Any] | None:
        """Press an inline button (exact text or callback_data); return the answer toast."""
        target = self._button_message(message)
        data = None
        for row in target.buttons:
            for text, value in row:
                if label_or_data in (text, value):
                    data = value
                    break
            if data is not None:
                break
        if data is None:
            raise LookupError(
                f"no button {label_or_data!r} on message {target.message_id}: "
                f"{target.button_labels()}"
            )
        buttons = target.raw["reply_markup"]["inline_keyboard"]
        if not any(b.get("callback_data") == data for row in buttons for b in row):
            raise ValueError(f"button {label_or_data!r} is a URL button, not a callback")
        before = (self.chat.get("toast") or {}).get("version", 0)
        await self._call(
            "POST", "press",
            json={"user": self.user_id, "message_id": target.message_id, "data": data},
        )
        await self._after_action()
        toast = self.chat.get("toast")
        return toast if toast and toast.get("version", 0) > before else None

    def _button_message(self, message: ChatMessage | int | None) -> ChatMessage:
        if isinstance(message, ChatMessage):
            return self._messages.get(message.message_id, message)
        if isinstance(message, int):
            return self._messages[message]
        for msg in reversed(self.messages()):
            if msg.from_bot and msg.buttons:
                return msg
        raise LookupError("no bot message with an inline keyboard")

    async def upload(
        self, filename: str, data: bytes, caption: str | None = None,
        mime_type: str = "application/octet-stream",
    ) -> ChatMessage:
        """Send a document as the user and return the user's message."""
        form = aiohttp.FormData(quote_fields=False)
        form.add_field("user", str(self.user_id))
        form.add_field("file", data, filename=filename, content_type=mime_type)
        if caption is not None:
            form.add_field("caption", caption)
        result = await self._call("POST", "upload", data=form)
        await self._after_action()
        return ChatMessage(result["message"])

    async def set_blocked(self, blocked: bool = True) -> None:
        """Block (or unblock) the bot."""
        await self._call("POST", "block", json={"user": self.user_id, "blocked": blocked})
        await self._after_action()

    async def commands(self) -> list[dict[str, str]]:
        """Return the command menu this chat shows."""
        return (await self._call("GET", "commands", params={"user": self.user_id}))["commands"]

    async def download(self, message: ChatMessage) -> bytes:
        """Download a message's document."""
        if message.document is None:
            raise ValueError("message has no document")
        async with self.session.get(self.base_url + message.document["url"]) as response:
            response.raise_for_status()
            return await response.read()

    # -- reading --------------------------------------------------------------------------

    async def refresh(self) -> list[ChatMessage]:
        """Fetch changes since the last refresh and return all messages."""
        while True:
            data = await self._call(
                "GET", "messages", params={"user": self.user_id, "since": self.version}
            )
            if self._apply(data):
                return self.messages()

    async def wait_for_reply(self, after: int | None = None, timeout: float = 10.0) -> ChatMessage:
        """Long-poll until a bot message newer than message id ``after`` arrives."""
        after = self.mark() if after is None else after
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            replies = self.replies_since(after)
            if replies:
                return replies[0]
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"no bot reply within {timeout}s")
            data = await self._call(
                "GET", "poll",
                params={
                    "user": self.user_id, "since": self.version, "timeout": remaining,
                    **({"epoch": self.epoch} if self.epoch is not None else {}),
                },
            )
            if not self._apply(data):
                await self.refresh()

    def messages(self) -> list[ChatMessage]:
        """Return the chat's messages (bot's and user's) in order."""
        return [self._messages[key] for key in sorted(self._messages)]

    def mark(self) -> int:
        """Return a mark (the highest message id seen) for ``replies_since``."""
        return max(self._messages, default=0)

    def replies_since(self, mark: int) -> list[ChatMessage]:
        """Return bot messages with a message id above ``mark``."""
        return [m for m in self.messages() if m.from_bot and m.message_id > mark]

    @property
    def last_reply(self) -> ChatMessage | None:
        """Return the newest bot message."""
        for msg in reversed(self.messages()):
            if msg.from_bot:
                return msg
        return None

    @property
    def reply_keyboard(self) -> list[list[str]] | None:
        """Return the reply keyboard the chat currently shows (None if none or hidden)."""
        keyboard = self.chat.get("reply_keyboard")
        if not keyboard or self.chat.get("keyboard_hidden"):
            return None
        return [[b["text"] for b in row] for row in keyboard["keyboard"]]

    @property
    def last_toast(self) -> dict[str, Any] | None:
        """Return the last callback answer shown to this user."""
        return self.chat.get("toast")
