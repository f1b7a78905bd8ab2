"""The sandbox world kept in a JSON file, so the chat page shows its history after a restart.

``./run`` runs the sandbox and the bot in one process, and the bot's database outlives it;
without this the chats would start empty while the bot remembers every form and case.
What is kept: users, chats (messages with their edit history, the reply keyboard, force
reply), files (base64), updates the bot has not fetched yet, the bot's command menu, and
the counters (version, epoch, update and callback ids) so an open page and the bot's poll
carry on where they were. Not kept: unanswered callback queries, the webhook, rate buckets.

:class:`StateFile` restores on start, writes after changes (at most once a second, to a
temporary file renamed over the old one, so a crash leaves the last good copy) and once
more on shutdown. Delete the file, with the bot stopped, to start the sandbox afresh.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
import os
from collections import deque
from dataclasses import asdict
from pathlib import Path

from sandbox.models import JSON, Chat, FileRecord, Message, User
from sandbox.state import SandboxState

log = logging.getLogger(__name__)

FORMAT = 1
WRITE_INTERVAL = 1.0  # seconds between writes while people are chatting
_MESSAGE_FIELDS = (
    "message_id", "chat_id", "from_bot", "date", "text", "entities", "source", "parse_mode",
    "caption", "caption_entities", "reply_markup", "reply_to", "edit_date", "history",
    "deleted", "version", "created",
)  # fmt: skip
_CHAT_FIELDS = ("next_message_id", "version", "reply_keyboard", "keyboard_hidden", "force_reply")


def _file(record: FileRecord) -> JSON:
    data = asdict(record)
    data["data"] = base64.b64encode(record.data).decode("ascii")
    return data


def _message(msg: Message) -> JSON:
    data: JSON = {name: getattr(msg, name) for name in _MESSAGE_FIELDS}
    data["document"] = msg.document.file_id if msg.document is not None else None
    return data


def dump_state(state: SandboxState) -> JSON:
    """Return the sandbox world as JSON-ready data."""
    return {
        "format": FORMAT,
        "counters": {
            "version": state.version,
            "epoch": state.epoch,
            "next_update_id": state.next_update_id,
            "next_callback": state.next_callback,
        },
        "users": [asdict(user) for user in state.users.values()],
        "chats": [
            {
                "user": chat.user.id,
                **{name: getattr(chat, name) for name in _CHAT_FIELDS},
                "messages": [_message(msg) for msg in chat.messages.values()],
            }
            for chat in state.chats.values()
        ],
        "files": [_file(record) for record in state.files.values()],
        "updates": list(state.updates),
        "commands": [
            {"scope": scope, "chat": chat, "language": language, "commands": commands}
            for (scope, chat, language), commands in state.commands.items()
        ],
    }


def load_state(state: SandboxState, data: JSON) -> None:
    """Replace the sandbox world with ``data`` from :func:`dump_state`."""
    if data.get("format") != FORMAT:
        raise ValueError(f"unknown sandbox state format {data.get('format')!r}")
    state.reset()
    counters = data["counters"]
    # Counters only grow: a page still open from before the restart keeps its place.
    state.version = max(state.version, int(counters["version"]))
    state.epoch = int(counters["epoch"])
    state.next_update_id = int(counters["next_update_id"])
    state.next_callback = int(counters["next_callback"])
    for raw in data["files"]:
        record = FileRecord(**{**raw, "data": base64.b64decode(raw["data"])})
        state.files[record.file_id] = record
        state.files_by_path[record.file_path] = record
    state.users = {int(raw["id"]): User(**raw) for raw in data["users"]}
    state.chats = {}
    for raw in data["chats"]:
        user = state.users[int(raw["user"])]
        chat = Chat(user, **{name: raw[name] for name in _CHAT_FIELDS})
        for fields in raw["messages"]:
            document = fields["document"]
            msg = Message(
                **{name: fields[name] for name in _MESSAGE_FIELDS},
                document=state.files.get(document) if document else None,
            )
            chat.messages[msg.message_id] = msg
        state.chats[user.id] = chat
    state.updates = deque(data["updates"])
    state.commands = {
        (raw["scope"], raw["chat"], raw["language"]): raw["commands"] for raw in data["commands"]
    }
    state.changes.notify()
    state.updates_notifier.notify()


def write_state(state: SandboxState, path: Path) -> None:
    """Write the world to ``path`` atomically (a temporary file renamed over it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(dump_state(state), ensure_ascii=False), encoding="utf-8")
    os.replace(temporary, path)


def read_state(state: SandboxState, path: Path) -> bool:
    """Restore the world from ``path``; False if there is no file or it cannot be used."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        load_state(state, data)
    except FileNotFoundError:
        return False
    except (OSError, ValueError, KeyError, TypeError) as error:
        log.warning("sandbox state in %s not used (%s); starting empty", path, error)
        state.reset()
        return False
    return True


class StateFile:
    """Keeps one sandbox's world in a file: restored at start, written after changes."""

    def __init__(self, state: SandboxState, path: Path) -> None:
        self.state = state
        self.path = path
        self.written: tuple[int, ...] = ()  # what the world looked like when last written
        self.task: asyncio.Task[None] | None = None

    def _marker(self) -> tuple[int, ...]:
        # The version moves with every chat change; the updates part moves when the bot
        # fetches (confirms) updates, which is no chat change but must not be re-delivered.
        updates = self.state.updates
        first = updates[0]["update_id"] if updates else 0
        return (self.state.version, self.state.next_update_id, first, len(updates))

    def restore(self) -> bool:
        """Load the file if there is one; return True if a saved world was restored."""
        restored = read_state(self.state, self.path)
        self.written = self._marker() if restored else ()
        return restored

    def save(self) -> None:
        """Write the world now if it changed since the last write."""
        marker = self._marker()
        if marker != self.written:
            write_state(self.state, self.path)
            self.written = marker

    async def _keep(self) -> None:
        while True:
            await self.state.changes.wait(None)
            await asyncio.sleep(WRITE_INTERVAL)  # one write for a burst of changes
            try:
                self.save()
            except OSError as error:
                log.warning("sandbox state not written to %s: %s", self.path, error)

    def start(self) -> None:
        """Start writing after changes."""
        if self.task is None:
            self.task = asyncio.get_running_loop().create_task(self._keep())

    async def stop(self) -> None:
        """Stop the writer and write a last time."""
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
            self.task = None
        self.save()
