"""Metering of Telegram updates at one place, and the ids that may be logged of one.

:class:`MeteredApplication` is PTB's ``Application`` whose ``process_update`` times every
update and counts it by kind and outcome (``error`` when a handler raised and the error
handler ran). Polling, webhook and the test pump all go through ``process_update``.
:func:`update_ids` gives what the logs may say about an update: its ``update_id``, its kind,
and keyed hashes of the user and chat ids, never its content.
"""

from __future__ import annotations

import hashlib
import time
from typing import Any

from telegram import Update
from telegram.ext import Application

from config.services import SERVICES
from observability.metrics import metrics_of

_KINDS = tuple(Update.ALL_TYPES)
_LETTERS = str.maketrans("0123456789", "ghijklmnop")


def update_kind(update: object) -> str:
    """Return what an update carries: command, message, callback_query, …, or other."""
    if not isinstance(update, Update):
        return "other"
    message = update.message
    if message is not None and message.text and message.text.startswith("/"):
        return "command"
    for kind in _KINDS:
        if getattr(update, kind, None) is not None:
            return str(kind)
    return "other"


def pseudonym(value: int, key: str) -> str:
    """Return a short keyed hash of an id: the same person reads the same, but not back."""
    digest = hashlib.blake2b(str(value).encode(), key=key.encode()[:64], digest_size=5)
    return "#" + digest.hexdigest().translate(_LETTERS)  # letters only: never a "number"


def update_ids(update: object, key: str) -> dict[str, Any]:
    """Return the loggable ids of an update (update_id, kind, hashed user and chat)."""
    if not isinstance(update, Update):
        return {"update_id": None, "kind": update_kind(update)}
    user, chat = update.effective_user, update.effective_chat
    return {
        "update_id": update.update_id,
        "kind": update_kind(update),
        "user": pseudonym(user.id, key) if user else None,
        "chat": pseudonym(chat.id, key) if chat else None,
    }


class MeteredApplication(Application):  # type: ignore[type-arg]
    """An Application that counts and times each update it handles."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._failing: set[int] = set()

    async def process_update(self, update: object) -> None:
        """Handle the update as PTB does, then count its kind, outcome and time."""
        started = time.perf_counter()
        try:
            await super().process_update(update)
        finally:
            failed = id(update) in self._failing
            self._failing.discard(id(update))
            services = self.bot_data.get(SERVICES)
            if services is not None:
                metrics = metrics_of(services)
                kind = update_kind(update)
                metrics.updates.labels(kind, "error" if failed else "ok").inc()
                metrics.update_seconds.labels(kind).observe(time.perf_counter() - started)

    async def process_error(
        self, update: object | None, error: Exception, *args: Any, **kwargs: Any
    ) -> bool:
        """Note that this update failed, then run the error handlers."""
        if update is not None:
            self._failing.add(id(update))
        return await super().process_error(update, error, *args, **kwargs)
