"""Validation and normalisation of ``reply_markup`` as the Bot API checks it."""

from __future__ import annotations

import json
from typing import Any

from sandbox.errors import (
    BUTTON_DATA_INVALID,
    BUTTON_URL_INVALID,
    MARKUP_JSON,
    MARKUP_TOO_LONG,
    bad_request,
)
from sandbox.models import JSON

INLINE_ACTIONS = (
    "url", "callback_data", "web_app", "login_url", "switch_inline_query",
    "switch_inline_query_current_chat", "switch_inline_query_chosen_chat", "copy_text",
    "callback_game", "pay",
)
REPLY_BUTTON_EXTRAS = (
    "request_users", "request_chat", "request_contact", "request_location", "request_poll",
    "web_app",
)
REPLY_KEYBOARD_OPTIONS = (
    "is_persistent", "resize_keyboard", "one_time_keyboard", "input_field_placeholder",
    "selective",
)
MAX_INLINE_BUTTONS = 100
MAX_REPLY_BUTTONS = 300
MAX_MARKUP_JSON = 10 * 1024
URL_SCHEMES = ("http://", "https://", "tg://", "ton://")


def parse_reply_markup(raw: Any) -> JSON | None:
    """Return the normalised markup (``None`` for none/empty) or raise Telegram's error."""
    if raw is None or raw == "":
        return None
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            raise bad_request(MARKUP_JSON) from None
    if not isinstance(raw, dict):
        raise bad_request(MARKUP_JSON)
    if len(json.dumps(raw, ensure_ascii=False)) > MAX_MARKUP_JSON:
        raise bad_request(MARKUP_TOO_LONG)
    if "inline_keyboard" in raw:
        rows = _inline_rows(raw["inline_keyboard"])
        return {"inline_keyboard": rows} if rows else None
    if "keyboard" in raw:
        return _reply_keyboard(raw)
    if raw.get("remove_keyboard"):
        return {"remove_keyboard": True, **_pick(raw, ("selective",))}
    if raw.get("force_reply"):
        return {"force_reply": True, **_pick(raw, ("input_field_placeholder", "selective"))}
    raise bad_request(MARKUP_JSON)


def _pick(source: JSON, keys: tuple[str, ...]) -> JSON:
    return {key: source[key] for key in keys if source.get(key) not in (None, False)}


def _rows(raw: Any) -> list[list[Any]]:
    if not isinstance(raw, list) or not all(isinstance(row, list) for row in raw):
        raise bad_request(MARKUP_JSON)
    return [row for row in raw if row]


def _button_text(button: Any, kind: str) -> str:
    if not isinstance(button, dict):
        raise bad_request(f"can't parse {kind} keyboard button: Object expected")
    text = button.get("text")
    if not isinstance(text, str):
        raise bad_request(
            f'can\'t parse {kind} keyboard button: Field "text" must be of type String'
        )
    if not text.strip():
        raise bad_request("BUTTON_TEXT_INVALID" if kind == "inline" else "text buttons are empty")
    return text


def _valid_url(url: Any) -> bool:
    if not isinstance(url, str) or not url.strip() or any(ch.isspace() for ch in url):
        return False
    if url.startswith(URL_SCHEMES):
        return len(url.split("://", 1)[1]) > 0
    return "://" not in url and "." in url


def _inline_button(button: Any) -> JSON:
    text = _button_text(button, "inline")
    actions = [key for key in INLINE_ACTIONS if button.get(key) is not None]
    if not actions:
        raise bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    result: JSON = {"text": text}
    for key in actions:
        result[key] = button[key]
    if "callback_data" in result:
        data = result["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= 64:
            raise bad_request(BUTTON_DATA_INVALID)
    if "url" in result and not _valid_url(result["url"]):
        raise bad_request(BUTTON_URL_INVALID)
    return result


def _inline_rows(raw: Any) -> list[list[JSON]]:
    rows = _rows(raw)
    if sum(len(row) for row in rows) > MAX_INLINE_BUTTONS:
        raise bad_request(MARKUP_TOO_LONG)
    return [[_inline_button(button) for button in row] for row in rows]


def _reply_keyboard(raw: JSON) -> JSON:
    rows = _rows(raw["keyboard"])
    if sum(len(row) for row in rows) > MAX_REPLY_BUTTONS:
        raise bad_request(MARKUP_TOO_LONG)
    keyboard: list[list[JSON]] = []
    for row in rows:
        out_row = []
        for button in row:
            if isinstance(button, str):
                button = {"text": button}
            text = _button_text(button, "reply")
            out_row.append({"text": text, **_pick(button, REPLY_BUTTON_EXTRAS)})
        keyboard.append(out_row)
    if not keyboard:
        raise bad_request("keyboard must be non-empty")
    placeholder = raw.get("input_field_placeholder")
    if isinstance(placeholder, str) and len(placeholder) > 64:
        raise bad_request("input field placeholder is too long")
    return {"keyboard": keyboard, **_pick(raw, REPLY_KEYBOARD_OPTIONS)}
