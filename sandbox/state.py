"""In-memory world of the sandbox: one bot, users, chats, updates, callback queries, files.

Everything is O(1) per operation (dicts and a deque), and waiting is event-driven: the
``updates`` notifier wakes long-polling ``getUpdates``; ``changes`` and each chat's notifier
wake the web page and tests when a chat changes. Nothing here sleeps.
"""

from __future__ import annotations

import asyncio
import hashlib
import mimetypes
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from sandbox.config import SandboxConfig, TokenBucket, retry_after_seconds
from sandbox.errors import BLOCKED, CHAT_NOT_FOUND, ApiError, bad_request, too_many_requests
from sandbox.models import JSON, CallbackQuery, Chat, FileRecord, Message, Notifier, User

DEFAULT_ALLOWED = frozenset(
    {
        "message", "edited_message", "channel_post", "edited_channel_post", "callback_query",
        "inline_query", "chosen_inline_result", "shipping_query", "pre_checkout_query", "poll",
        "poll_answer", "my_chat_member", "chat_join_request", "business_connection",
        "business_message", "edited_business_message", "deleted_business_messages",
        "purchased_paid_media", "chat_boost", "removed_chat_boost",
    }
)
CommandKey = tuple[str, int | None, str]


class SandboxState:
    """The whole simulated Telegram world seen by one bot."""

    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.webhook_sink: Callable[[JSON], None] | None = None
        # Counters stay monotonic across reset() so running pollers and pages never go stale.
        self.version = 0
        self.epoch = 0
        self.next_update_id = 100_000_001
        self.poll_generation = 0
        self.next_callback = 1
        self.changes = Notifier()
        self.updates_notifier = Notifier()
        self.chats: dict[int, Chat] = {}
        self.reset()

    def reset(self) -> None:
        """Forget the world (users, chats, updates, files, commands, webhook, limits)."""
        for chat in self.chats.values():
            chat.notifier.notify()
        self.epoch += 1
        self.version += 1
        self.users: dict[int, User] = {}
        self.chats = {}
        self.updates: deque[JSON] = deque()
        self.allowed_updates: frozenset[str] = DEFAULT_ALLOWED
        self.callbacks: dict[str, CallbackQuery] = {}
        self.files: dict[str, FileRecord] = {}
        self.files_by_path: dict[str, FileRecord] = {}
        self.commands: dict[CommandKey, list[JSON]] = {}
        self.webhook: JSON = {"url": "", "secret_token": None, "max_connections": 40}
        self.webhook_errors: JSON = {}
        self.global_bucket: TokenBucket | None = None
        self.chat_buckets: dict[int, TokenBucket] = {}
        self._bucket_source: tuple[object, ...] = ()
        for user_id in self.config.known_users:
            self.ensure_user(user_id)
        self.changes.notify()
        self.updates_notifier.notify()

    # -- identity -------------------------------------------------------------------------

    def bot_json(self) -> JSON:
        """Return the bot's ``User`` object (as in ``from`` of its messages)."""
        return {
            "id": self.config.bot_id,
            "is_bot": True,
            "first_name": self.config.bot_first_name,
            "username": self.config.bot_username,
        }

    def ensure_user(self, user_id: int) -> User:
        """Return user ``user_id``, registering (seeing) it on first use."""
        user = self.users.get(user_id)
        if user is None:
            user = User(
                user_id, f"用户{user_id}", language_code=self.config.default_language_code
            )
            self.users[user_id] = user
            self.chats[user_id] = Chat(user)
        return user

    def chat_for_bot(self, chat_id: Any, *, check_blocked: bool = True) -> Chat:
        """Return a chat the bot may act in, or raise Telegram's error."""
        try:
            key = int(chat_id)
        except (TypeError, ValueError):
            raise bad_request(CHAT_NOT_FOUND) from None
        chat = self.chats.get(key)
        if chat is None:
            raise bad_request(CHAT_NOT_FOUND)
        if check_blocked and chat.user.blocked:
            raise ApiError(403, BLOCKED)
        return chat

    # -- change notification --------------------------------------------------------------

    def touch(self, chat: Chat, message: Message | None = None) -> None:
        """Record a change in ``chat`` and wake its waiters."""
        self.version += 1
        chat.version = self.version
        if message is not None:
            message.version = self.version
        chat.notifier.notify()
        self.changes.notify()

    async def wait_until(self, predicate: Callable[[], bool], timeout: float) -> bool:
        """Wait (event-driven) until ``predicate()`` holds; return False on timeout."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate():
            remaining = deadline - loop.time()
            if remaining <= 0 or not await self.changes.wait(remaining):
                return predicate()
        return True

    async def wait_bot_message(
        self, chat_id: int | None = None, after_version: int = 0, timeout: float = 10.0
    ) -> Message:
        """Wait for the first bot message sent after ``after_version`` (a ``state.version``)."""
        found: list[Message] = []

        def check() -> bool:
            chats = [self.chats.get(chat_id)] if chat_id is not None else self.chats.values()
            for chat in chats:
                if chat is None or chat.version <= after_version:
                    continue
                newer = []
                for msg in reversed(chat.messages.values()):
                    if msg.created <= after_version:
                        break
                    if msg.from_bot and not msg.deleted:
                        newer.append(msg)
                if newer:
                    found.append(newer[-1])
                    return True
            return False

        if not await self.wait_until(check, timeout):
            raise TimeoutError(f"no new bot message within {timeout}s")
        return found[0]

    # -- messages -------------------------------------------------------------------------

    def add_message(self, chat: Chat, *, from_bot: bool, **fields: Any) -> Message:
        """Append a message to ``chat`` with the next message id."""
        msg = Message(chat.next_message_id, chat.user.id, from_bot, int(time.time()), **fields)
        chat.next_message_id += 1
        chat.messages[msg.message_id] = msg
        self.touch(chat, msg)
        msg.created = self.version
        return msg

    def message_json(self, msg: Message, *, with_reply: bool = True) -> JSON:
        """Return the Bot API ``Message`` object for ``msg``."""
        chat = self.chats[msg.chat_id]
        data: JSON = {
            "message_id": msg.message_id,
            "from": self.bot_json() if msg.from_bot else chat.user.to_json(),
            "chat": chat.user.chat_json(),
            "date": msg.date,
        }
        if msg.edit_date is not None:
            data["edit_date"] = msg.edit_date
        reply = chat.messages.get(msg.reply_to) if msg.reply_to else None
        if with_reply and reply is not None and not reply.deleted:
            data["reply_to_message"] = self.message_json(reply, with_reply=False)
        if msg.text is not None:
            data["text"] = msg.text
            if msg.entities:
                data["entities"] = msg.entities
        if msg.document is not None:
            data["document"] = msg.document.document_json()
        if msg.caption:
            data["caption"] = msg.caption
            if msg.caption_entities:
                data["caption_entities"] = msg.caption_entities
        if msg.inline_keyboard is not None:
            data["reply_markup"] = msg.reply_markup
        return data

    # -- updates --------------------------------------------------------------------------

    def push_update(self, kind: str, payload: JSON) -> JSON | None:
        """Create an update; deliver it to the webhook or queue it for ``getUpdates``."""
        if kind not in self.allowed_updates:
            return None
        update = {"update_id": self.next_update_id, kind: payload}
        self.next_update_id += 1
        if self.webhook["url"] and self.webhook_sink is not None:
            self.webhook_sink(update)
        else:
            self.updates.append(update)
            self.updates_notifier.notify()
        return update

    def confirm_updates(self, offset: int | None) -> None:
        """Forget updates before ``offset`` (negative: keep only the last ``-offset``)."""
        if not offset:
            return
        if offset < 0:
            while len(self.updates) > -offset:
                self.updates.popleft()
            return
        while self.updates and self.updates[0]["update_id"] < offset:
            self.updates.popleft()

    def set_allowed_updates(self, allowed: list[str] | None) -> None:
        """Remember ``allowed_updates`` as Telegram does (empty list: the default set)."""
        if allowed is None:
            return
        self.allowed_updates = frozenset(allowed) if allowed else DEFAULT_ALLOWED

    def drop_pending_updates(self) -> None:
        """Discard every queued update."""
        self.updates.clear()

    # -- callback queries -----------------------------------------------------------------

    def new_callback(self, user: User, msg: Message, data: str) -> CallbackQuery:
        """Register a callback query for a pressed button."""
        query_id = str(4_000_000_000_000_000_000 + self.next_callback)
        self.next_callback += 1
        query = CallbackQuery(query_id, user.id, msg.message_id, data, self.config.clock())
        self.callbacks[query_id] = query
        return query

    def chat_instance(self, chat_id: int) -> str:
        """Return a stable ``chat_instance`` string for a chat."""
        digest = hashlib.sha1(f"{self.config.bot_id}:{chat_id}".encode()).hexdigest()
        return str(-(int(digest[:15], 16)))

    # -- files ----------------------------------------------------------------------------

    def add_file(self, data: bytes, file_name: str | None, mime_type: str | None) -> FileRecord:
        """Store an uploaded document and return its record."""
        number = len(self.files) + 1
        digest = hashlib.sha1(data).hexdigest()[:16]
        if not mime_type or mime_type == "application/octet-stream":
            guessed = mimetypes.guess_type(file_name or "")[0]
            mime_type = guessed or mime_type or "application/octet-stream"
        ext = ""
        if file_name and "." in file_name:
            ext = "." + file_name.rsplit(".", 1)[1][:8]
        record = FileRecord(
            file_id=f"BQACAgUAAxkBAAI{number:06d}{digest}",
            file_unique_id=f"AgAD{digest[:12]}",
            file_path=f"documents/file_{number}{ext}",
            data=data,
            file_name=file_name,
            mime_type=mime_type,
        )
        self.files[record.file_id] = record
        self.files_by_path[record.file_path] = record
        return record

    # -- commands -------------------------------------------------------------------------

    def visible_commands(self, user: User) -> list[JSON]:
        """Return the commands a private chat shows (chat > all_private_chats > default)."""
        lang = (user.language_code or "")[:2]
        for scope in (("chat", user.id), ("all_private_chats", None), ("default", None)):
            for code in (lang, ""):
                commands = self.commands.get((scope[0], scope[1], code))
                if commands:
                    return commands
        return []

    # -- rate limits ----------------------------------------------------------------------

    def check_rate(self, chat_id: int) -> None:
        """Consume a send token for ``chat_id`` or raise Telegram's 429."""
        self._sync_buckets()
        buckets = [b for b in (self.global_bucket, self._chat_bucket(chat_id)) if b]
        wait = max((bucket.wait_time() for bucket in buckets), default=0.0)
        if wait > 0:
            raise too_many_requests(retry_after_seconds(wait))
        for bucket in buckets:
            bucket.take()

    def _sync_buckets(self) -> None:
        """Rebuild the buckets when the config's limits or clock were changed at runtime."""
        config = self.config
        source = (config.global_rate, config.per_chat_rate, config.clock)
        if source == self._bucket_source:
            return
        self._bucket_source = source
        self.chat_buckets.clear()
        self.global_bucket = (
            TokenBucket(config.global_rate, config.clock) if config.global_rate else None
        )

    def _chat_bucket(self, chat_id: int) -> TokenBucket | None:
        if self.config.per_chat_rate is None:
            return None
        bucket = self.chat_buckets.get(chat_id)
        if bucket is None:
            bucket = TokenBucket(self.config.per_chat_rate, self.config.clock)
            self.chat_buckets[chat_id] = bucket
        return bucket
