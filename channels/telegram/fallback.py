"""Last in line: whatever no other handler took (an unknown command, a photo, a sticker …).

Each gets a short answer from :func:`handlers.talk.unexpected`: what the bot takes here
and the way on. Registered after every other module, so it only sees what they left.
"""

from __future__ import annotations

from telegram import Message, Update
from telegram.ext import Application, MessageHandler, filters

from channels.telegram.common import Context, Visit, responds
from handlers.replies import Reply
from handlers.talk import unexpected

LEFT_OVER = filters.ChatType.PRIVATE & ~filters.StatusUpdate.ALL & ~filters.UpdateType.EDITED


def kind_of(message: Message) -> str:
    """Name what arrived, in the words :mod:`handlers.talk` knows."""
    kinds = (
        ("sticker", message.sticker),
        ("photo", message.photo),
        ("voice", message.voice or message.audio or message.video_note),
        ("video", message.video or message.animation),
        ("file", message.document),
        ("location", message.location or message.venue),
        ("contact", message.contact),
    )
    if message.text and message.text.startswith("/"):
        return "command"
    return next((kind for kind, present in kinds if present), "other")


@responds
async def on_left_over(update: Update, context: Context, v: Visit) -> list[Reply] | None:
    """Answers a message no other handler took: what the bot takes here, and the way on."""
    message = update.effective_message
    if message is None:
        return None
    kind = kind_of(message)
    command = (message.text or "").split()[0].split("@")[0] if kind == "command" else ""
    return await unexpected(v, kind=kind, command=command)


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Adds the handler of what is left over (last of the default group)."""
    app.add_handler(MessageHandler(LEFT_OVER, on_left_over))
