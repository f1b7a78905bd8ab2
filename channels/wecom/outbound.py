"""The 企业微信 side of the outbox: :class:`~delivery.channel.Channel` over the app's API.

The client's errors are mapped onto the delivery outcomes: a frequency limit (45009,
45033) → RetryLater; a person outside the app's visible range (81013 …) → Unreachable;
network errors, timeouts, 5xx and 系统繁忙 → Transient; anything else 企业微信 refused, and
a wrong corp id, secret or untrusted IP (``Misconfigured``), → Refused. An expired or
revoked access_token is renewed by the client itself, so it never reaches the worker.

A text message cannot be edited in 企业微信: ``edit`` is refused, and the worker sends a
broadcast's final report anew. A notice's attachment is stored where the organizer sent it
(a Telegram file): ``attachments`` (Telegram's channel's ``document_bytes``, handed in by the
wiring) fetches it once, it is uploaded once (media/upload; 企业微信 keeps it three days,
so it is uploaded again after ``MEDIA_KEEP``) and sent to each recipient as a file message
before the text. Without ``attachments``, or when the file cannot be had (too big for
企业微信, gone), the text says where to get it; a network error or 5xx on the way retries
the row later.
"""

from __future__ import annotations

import asyncio
import logging
import mimetypes
import time
from collections.abc import Awaitable, Callable
from typing import Any

from channels.wecom import api
from channels.wecom.render import pairs_of_rows
from channels.wecom.speaker import Speaker
from contest.definition import Contest
from delivery.channel import NeutralActions, Refused, RetryLater, Transient, Unreachable
from messages import render

CHANNEL = "wecom"
MEDIA_KEEP = 2.5 * 24 * 3600  # seconds an uploaded attachment is used (企业微信 keeps 3 days)

# Gives the bytes of a stored document (``{"file_id", "file_name"}``) from where it is kept.
Attachments = Callable[[dict[str, Any]], Awaitable[bytes]]

log = logging.getLogger(__name__)


def mapped(error: api.WecomError) -> Exception:
    """Return the delivery outcome of a 企业微信 error (BadRequest, Misconfigured: Refused)."""
    if isinstance(error, api.RetryLater):
        return RetryLater(error.seconds, str(error))
    if isinstance(error, api.Unreachable):
        return Unreachable(str(error))
    if isinstance(error, api.TransientError):
        return Transient(str(error))
    return Refused(str(error))


class WecomChannel:
    """Deliver outbox rows to 企业微信 members (the account's chat id is their userid)."""

    name = CHANNEL

    def __init__(
        self, speaker: Speaker, contest: Contest, *, attachments: Attachments | None = None
    ) -> None:
        self.speaker = speaker
        self.contest = contest
        self.attachments = attachments
        self._media: dict[str, tuple[str, float]] = {}  # file id → (media id, uploaded at)
        self._uploading = asyncio.Lock()  # one upload per attachment, not one per recipient

    async def close(self) -> None:
        """Nothing to close: the HTTP session belongs to the channel's service."""

    async def send(
        self,
        chat_id: str,
        text: str,
        *,
        actions: NeutralActions | None = None,
        document: dict[str, Any] | None = None,
    ) -> str:
        """Send a message (its attachment first) and its buttons; return the last id."""
        try:
            media_id = await self._media_of(document) if document else None
            if document and media_id is None:
                text = f"{text}\n\n{render('wecom/attachment_note.html', contest=self.contest)}"
            if media_id is not None:
                await self.speaker.client.send_file(chat_id, media_id)
            return await self.speaker.say(chat_id, text, pairs_of_rows(actions or []))
        except api.WecomError as error:
            raise mapped(error) from error

    async def _media_of(self, document: dict[str, Any]) -> str | None:
        """Return the media id of a stored attachment, uploaded once; None if not to be had."""
        key = str(document.get("file_id") or "")
        if self.attachments is None or not key:
            return None
        async with self._uploading:
            cached = self._media.get(key)
            if cached is not None and time.monotonic() - cached[1] < MEDIA_KEEP:
                return cached[0]
            try:
                data = await self.attachments(document)
            except (Refused, Unreachable) as error:  # gone, or too big to fetch: say so
                log.info("a notice's attachment could not be fetched: %s", error)
                return None
            name = str(document.get("file_name") or "附件")
            kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
            try:
                media_id = await self.speaker.client.upload_media(data, name, content_type=kind)
            except api.BadRequest as error:  # e.g. over 企业微信's 20 MB: say so instead
                log.info("a notice's attachment was not uploaded: %s", error)
                return None
            self._media[key] = (media_id, time.monotonic())
            return media_id

    async def edit(
        self, chat_id: str, message_id: str, text: str, *, actions: NeutralActions | None = None
    ) -> None:
        """Refuse: 企业微信 cannot change a text message once sent."""
        raise Refused("企业微信 text messages cannot be edited")
