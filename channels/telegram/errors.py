"""The error handler: log the failure with its update; the user sees an apology, never a trace."""

from __future__ import annotations

import html
import json
import logging

from telegram import Update
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter
from telegram.ext import Application

from channels.telegram.common import Context, reply

log = logging.getLogger(__name__)


async def on_error(update: object, context: Context) -> None:
    """Logs an unhandled error and tells the user, briefly, that it did not work."""
    error = context.error
    payload = update.to_dict() if isinstance(update, Update) else repr(update)
    log.error(
        "update failed: %s\nupdate: %s",
        error,
        html.unescape(json.dumps(payload, ensure_ascii=False, default=str)),
        exc_info=error,
    )
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
