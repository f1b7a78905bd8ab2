"""``WecomUser``: an async test client playing one 企业微信 member over the sandbox's user API.

It never sleeps. Pass ``after`` (e.g. the callback handler's ``join``) to have the bot handle
every callback before an action returns; without it, use ``wait_for_reply`` (a long poll).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp

After = Callable[[], Awaitable[Any]]


class WecomClientError(RuntimeError):
    """The sandbox refused an action (its Chinese message is kept)."""


@dataclass
class WecomMessage:
    """A message as the member's app shows it (card updates applied)."""

    raw: dict[str, Any]

    @property
    def id(self) -> int:
        """Return the message id."""
        return int(self.raw["id"])

    @property
    def from_bot(self) -> bool:
        """Tell whether the app sent it."""
        return bool(self.raw["from_bot"])

    @property
    def kind(self) -> str:
        """Return text, markdown, template_card or file."""
        return str(self.raw["kind"])

    @property
    def text(self) -> str:
        """Return the text; for a card its title and description; for a file its name."""
        card = self.raw.get("card")
        if card:
            title = (card.get("main_title") or {}).get("title", "")
            return "\n".join(part for part in (title, card.get("sub_title_text", "")) if part)
        return self.raw.get("text") or self.raw.get("file_name") or ""

    @property
    def buttons(self) -> list[tuple[str, str]]:
        """Return a card's clickable buttons as (key, text); none once replaced by a label."""
        card = self.raw.get("card")
        if not card or self.raw.get("replaced_label"):
            return []
        return [(b["key"], b["text"]) for b in card.get("button_list", [])]

    @property
    def replaced_label(self) -> str:
        """Return the label that replaced a card's buttons (update_template_card)."""
        return str(self.raw.get("replaced_label") or "")

    @property
    def file_name(self) -> str:
        """Return a file message's name."""
        return str(self.raw.get("file_name") or "")


class WecomUser:
    """One 企业微信 member driven from Python over the sandbox's user API."""

    def __init__(
        self, session: aiohttp.ClientSession, base_url: str, user_id: str,
        after: After | None = None,
    ) -> None:
        self.session = session
        self.base_url = base_url.rstrip("/")
        self.user_id = user_id
        self.after = after
        self.version = 0
        self.epoch: int | None = None
        self._messages: dict[int, WecomMessage] = {}

    async def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        async with self.session.request(
            method, f"{self.base_url}/sandbox/api/{path}", **kwargs
        ) as response:
            data = await response.json()
        if not data.get("ok"):
            raise WecomClientError(data.get("error", f"HTTP {response.status}"))
        return data

    async def _after_action(self) -> None:
        if self.after is not None:
            await self.after()
        await self.refresh()

    # -- actions --------------------------------------------------------------------------

    async def send(self, text: str) -> dict[str, Any]:
        """Type ``text`` in the app's chat; return the sandbox's answer (callback status)."""
        data = await self._call("POST", "send", json={"user": self.user_id, "text": text})
        await self._after_action()
        return data

    async def press(self, key_or_text: str, message: WecomMessage | int | None = None) -> None:
        """Press a card button (its key or its text) on ``message`` or the newest card."""
        target = self._card(message)
        key = next((k for k, t in target.buttons if key_or_text in (k, t)), None)
        if key is None:
            raise LookupError(f"no button {key_or_text!r} on message {target.id}: "
                              f"{target.buttons}")
        await self._call("POST", "press",
                         json={"user": self.user_id, "message_id": target.id, "key": key})
        await self._after_action()

    def _card(self, message: WecomMessage | int | None) -> WecomMessage:
        if isinstance(message, WecomMessage):
            return self._messages.get(message.id, message)
        if isinstance(message, int):
            return self._messages[message]
        for candidate in reversed(self.messages()):
            if candidate.from_bot and candidate.buttons:
                return candidate
        raise LookupError("no card with buttons")

    async def upload(
        self, file_name: str, data: bytes, content_type: str = "application/octet-stream"
    ) -> dict[str, Any]:
        """Send a file in the app's chat."""
        form = aiohttp.FormData(quote_fields=False)
        form.add_field("user", self.user_id)
        form.add_field("file", data, filename=file_name, content_type=content_type)
        result = await self._call("POST", "upload", data=form)
        await self._after_action()
        return result

    async def enter(self) -> None:
        """Open the app (enter_agent)."""
        await self._call("POST", "enter", json={"user": self.user_id})
        await self._after_action()

    async def download(self, message: WecomMessage) -> bytes:
        """Download a file message."""
        url = message.raw.get("url")
        if not url:
            raise ValueError("message has no file")
        async with self.session.get(self.base_url + url) as response:
            response.raise_for_status()
            return await response.read()

    # -- reading ----------------------------------------------------------------------------

    def _apply(self, data: dict[str, Any]) -> bool:
        if self.epoch is not None and data["epoch"] != self.epoch:
            self.epoch, self.version = data["epoch"], 0
            self._messages.clear()
            return False
        self.epoch = data["epoch"]
        for raw in data["messages"]:
            self._messages[raw["id"]] = WecomMessage(raw)
        self.version = max(self.version, data["version"])
        return True

    async def refresh(self) -> list[WecomMessage]:
        """Fetch changes since the last refresh and return all messages."""
        while True:
            data = await self._call(
                "GET", "messages", params={"user": self.user_id, "since": self.version}
            )
            if self._apply(data):
                return self.messages()

    async def wait_for_reply(self, after: int | None = None, timeout: float = 10.0
                             ) -> WecomMessage:
        """Long-poll until an app message newer than id ``after`` arrives."""
        after = self.mark() if after is None else after
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            replies = self.replies_since(after)
            if replies:
                return replies[0]
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"no reply within {timeout}s")
            params: dict[str, Any] = {"user": self.user_id, "since": self.version,
                                      "timeout": remaining}
            if self.epoch is not None:
                params["epoch"] = self.epoch
            if not self._apply(await self._call("GET", "poll", params=params)):
                await self.refresh()

    def messages(self) -> list[WecomMessage]:
        """Return the chat's messages in order."""
        return [self._messages[key] for key in sorted(self._messages)]

    def mark(self) -> int:
        """Return the highest message id seen, for ``replies_since``."""
        return max(self._messages, default=0)

    def replies_since(self, mark: int) -> list[WecomMessage]:
        """Return the app's messages with an id above ``mark``."""
        return [m for m in self.messages() if m.from_bot and m.id > mark]

    @property
    def last_reply(self) -> WecomMessage | None:
        """Return the app's newest message."""
        replies = [m for m in self.messages() if m.from_bot]
        return replies[-1] if replies else None
