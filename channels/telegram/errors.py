"""The error handler: log the failed update by its ids; the user sees an apology, never a trace.

The log line names the update (``update_id``, its kind, keyed hashes of the user and chat
ids) and the error, never the update's content: messages carry names and phone numbers.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter
from telegram.ext import Application

from channels.telegram.common import Context, reply
from channels.telegram.metered import update_ids
from handlers.inbox import AlreadyApplied

log = logging.getLogger(__name__)


async def on_error(update: object, context: Context) -> None:
    """Logs an unhandled error and tells the user, briefly, that it did not work."""
    error = context.error
    ids = update_ids(update, context.bot.token)
    if isinstance(error, AlreadyApplied):
        log.info("update_id=%s: already applied by another dispatch", ids["update_id"])
        return  # its effect and answer are another dispatch's: nothing to say here
    log.error(
        "update_id=%s kind=%s user=%s chat=%s failed: %s",
        ids["update_id"], ids["kind"], ids.get("user"), ids.get("chat"), type(error).__name__,
        exc_info=error, extra=ids,
    )  # fmt: skip
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    if isinstance(error, Forbidden | RetryAfter) or (
        isinstance(error, NetworkError) and not isinstance(error, BadRequest)
    ):
        return  # telling the user would fail the same way
    try:
        await reply(update, context, "common/error.html")
    except Exception:  # noqa: BLE001 - last resort: never raise from the error handler
        log.exception("could not tell the user about the error")


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Installs the error handler."""
    app.add_error_handler(on_error)
