"""Samples for the 企业微信 channel's own templates (wecom/*)."""

from __future__ import annotations

from tests.messages.samples import Hostile

SAMPLES = {
    "wecom/attachment_note.html": lambda h: {"contest": h.contest},
    "wecom/card_title.html": lambda h: {"index": 2, "total": 3},
    "wecom/pressed.html": lambda h: {"label": h.text},
    "wecom/telegram_only.html": lambda h: {"contest": h.contest},
    "wecom/unsupported_message.html": lambda h: {"kind": "media"},
}
