"""How a neutral reply looks in 企业微信: plain text in parts, buttons on template cards.

The templates in ``messages/`` render Telegram-style HTML. 企业微信's text messages show no
markup, and its markdown is shown in the 企业微信 app only (not in 微信 through the 微信插件),
so a reply goes out as **text**: tags stripped, entities unescaped, split into parts of at
most 2048 UTF-8 bytes at line ends. Its buttons follow as ``button_interaction`` template
cards, at most six buttons each, in the reply's order: a reply with more buttons gets
several cards (titled “请选择（1/2）”, “请选择（2/2）”), never a numbered text menu, so
every choice stays one tap. Nothing here does I/O.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from channels.wecom.api import MAX_BUTTONS, CardButton, split_text
from messages import render
from messages.markup import plain_text

LABEL_LIMIT = 30  # characters of the label that replaces a pressed card's buttons


@dataclass(frozen=True)
class Card:
    """One button_interaction card: a title and up to six buttons."""

    title: str
    buttons: tuple[CardButton, ...]
    task_id: str


def text_parts(markup: str) -> list[str]:
    """Return rendered Telegram HTML as plain-text parts that each fit a 企业微信 message."""
    text = plain_text(markup).strip()
    return split_text(text) if text else []


def buttons_of(pairs: Iterable[tuple[str, str]]) -> list[CardButton]:
    """Return (id, label) pairs as card buttons, each id once (a card's keys are unique)."""
    seen: set[str] = set()
    buttons: list[CardButton] = []
    for key, label in pairs:
        if key and key not in seen:
            seen.add(key)
            buttons.append(CardButton(key, label or key))
    return buttons


def new_task_id() -> str:
    """Return a fresh card task id (企业微信 refuses a task id used before by the app)."""
    return f"c{secrets.token_hex(12)}"


def cards_of(pairs: Iterable[tuple[str, str]]) -> list[Card]:
    """Lay (id, label) buttons out on cards of at most six, titled from ``wecom/card_title``."""
    buttons = buttons_of(pairs)
    chunks = [buttons[i : i + MAX_BUTTONS] for i in range(0, len(buttons), MAX_BUTTONS)]
    return [
        Card(
            render("wecom/card_title.html", index=number, total=len(chunks)),
            tuple(chunk),
            new_task_id(),
        )
        for number, chunk in enumerate(chunks, start=1)
    ]


def pairs_of_rows(rows: Sequence[Sequence[object]]) -> list[tuple[str, str]]:
    """Flatten rows of neutral actions (``Action`` or stored ``{"text", "id"}``) to pairs."""
    pairs: list[tuple[str, str]] = []
    for row in rows:
        for item in row:
            if isinstance(item, dict):
                pairs.append((str(item.get("id") or ""), str(item.get("text") or "")))
            else:
                pairs.append((str(getattr(item, "id", "")), str(getattr(item, "text", ""))))
    return pairs


def pressed_label(markup: str) -> str:
    """Return the short unclickable label that replaces a pressed card's buttons."""
    text = " ".join(plain_text(markup).split())
    return text if len(text) <= LABEL_LIMIT else text[: LABEL_LIMIT - 1] + "…"
