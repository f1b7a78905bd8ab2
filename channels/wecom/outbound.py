"""The 企业微信 side of the outbox: :class:`~delivery.channel.Channel` over the app's API.

The client's errors are mapped onto the delivery outcomes: a frequency limit (45009,
45033) → RetryLater; a person outside the app's visible range (81013 …) → Unreachable;
network errors, timeouts, 5xx and 系统繁忙 → Transient; anything else 企业微信 refused, and
a wrong corp id, secret or untrusted IP (``Misconfigured``), → Refused. An expired or
revoked access_token is renewed by the client itself, so it never reaches the worker.

A text message cannot be edited in 企业微信: ``edit`` is refused, and the worker sends a
broadcast's final report anew. A notice's attachment is a Telegram file; it cannot be
forwarded, so the text says where to get it.
"""

from __future__ import annotations

from typing import Any

from channels.wecom import api
from channels.wecom.render import pairs_of_rows
from channels.wecom.speaker import Speaker
from contest.definition import Contest
from delivery.channel import NeutralActions, Refused, RetryLater, Transient, Unreachable
from messages import render

CHANNEL = "wecom"


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

    def __init__(self, speaker: Speaker, contest: Contest) -> None:
        self.speaker = speaker
        self.contest = contest

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
        """Send a message and its buttons; return the id of the last 企业微信 message."""
        if document:
            text = f"{text}\n\n{render('wecom/attachment_note.html', contest=self.contest)}"
        try:
            return await self.speaker.say(chat_id, text, pairs_of_rows(actions or []))
        except api.WecomError as error:
            raise mapped(error) from error

    async def edit(
        self, chat_id: str, message_id: str, text: str, *, actions: NeutralActions | None = None
    ) -> None:
        """Refuse: 企业微信 cannot change a text message once sent."""
        raise Refused("企业微信 text messages cannot be edited")
