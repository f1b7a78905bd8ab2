"""Samples for the 企业微信 channel's own templates (wecom/*)."""

from __future__ import annotations

from typing import Any

from tests.messages.samples import Hostile, Sample


def _contest(h: Hostile) -> dict[str, Any]:
    return {"contest": h.contest}


def _pressed(h: Hostile) -> dict[str, Any]:
    return {"label": h.text}


SAMPLES: dict[str, Sample] = {
    "wecom/ask_code.html": lambda h: {"contest": h.contest, "length": 8},
    "wecom/attachment_note.html": _contest,
    "wecom/card_title.html": lambda h: {"index": 2, "total": 3},
    "wecom/pressed.html": _pressed,
    "wecom/telegram_only.html": _contest,
    "wecom/unsupported_message.html": lambda h: {"kind": "media"},
}
