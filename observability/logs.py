"""Logging: text or one JSON line per event, with personal data redacted from every record.

:func:`configure_logging` sets the root handler's format (``LOG_FORMAT=text`` or ``json``)
and installs :func:`redact_record` as a log record factory, so every record is cleaned when
it is made, whoever logs it (our code, PTB, httpx, aiohttp) and whichever handler shows it.
What goes: every run of Chinese characters (names, units, answers, any free text the users
wrote, since our own log messages are English), phone numbers (mobiles, office numbers with
an area code), every number of five digits or more (Telegram ids, ID-card numbers), e-mail
addresses, the bot token, and the values of personal keys in dumped objects
(``first_name``, ``text``, ``mobile``, …). ``update_id=<n>`` stays: it names an update, not
a person. Exception messages and tracebacks are cleaned the same way.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

PERSONAL_KEYS = (
    "first_name|last_name|username|full_name|display_name|name|title|text|caption|"
    "phone_number|mobile|office_phone|party_org|recommending_unit|label|query|data"
)
_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"bot\d+:[A-Za-z0-9_-]{20,}"), "bot[token]"),
    (re.compile(r"\d+:[A-Za-z0-9_-]{30,}"), "[token]"),
    (
        re.compile(
            rf"""(?P<key>['"](?:{PERSONAL_KEYS})['"]\s*[:=]\s*)(?P<q>['"])(?:\\.|(?!(?P=q)).)*(?P=q)"""
        ),
        r"\g<key>\g<q>…\g<q>",
    ),
    (re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+"), "[email]"),
    (re.compile(r"(?<![A-Za-z0-9_])\d{17}[\dXx]|\d{15}(?![A-Za-z0-9_])"), "[number]"),
    # Office numbers (0755-12345678, (0755)1234 5678) and mobiles (+86 138 0013 8000).
    (re.compile(r"(?<!\d)(?:\+?86[\s-]?)?1[3-9]\d[\s-]?\d{4}[\s-]?\d{4}(?!\d)"), "[phone]"),
    (re.compile(r"[(（]?(?<!\d)0\d{2,3}[)）\s-]*\d{3,4}[\s-]?\d{4}(?!\d)"), "[phone]"),
    (re.compile(r"(?<![A-Za-z0-9_])(?<!update_id=)\d{5,}(?![A-Za-z0-9_])"), "[number]"),
    (re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]+"), "[文]"),
]


def redact(text: str) -> str:
    """Return ``text`` with names, phones, ids, free Chinese text and tokens replaced."""
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def _formatter() -> logging.Formatter:
    return logging.Formatter()


def redact_record(record: logging.LogRecord) -> logging.LogRecord:
    """Clean a record in place: its message, its exception and its stack are redacted."""
    try:
        message = record.getMessage()
    except Exception:  # noqa: BLE001 - a broken format string must still be logged
        message = f"{record.msg!r} {record.args!r}"
    record.msg, record.args = redact(message), None
    if record.exc_info:
        record.exc_text = redact(_formatter().formatException(record.exc_info))
        record.exc_info = None
    elif record.exc_text:
        record.exc_text = redact(record.exc_text)
    if record.stack_info:
        record.stack_info = redact(record.stack_info)
    return record


_original_factory: Callable[..., logging.LogRecord] | None = None


def install_redaction() -> None:
    """Make every log record in this process redacted when it is created."""
    global _original_factory
    if _original_factory is not None:
        return
    _original_factory = base = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return redact_record(base(*args, **kwargs))

    logging.setLogRecordFactory(factory)


def uninstall_redaction() -> None:
    """Restore the record factory that was there before (tests)."""
    global _original_factory
    if _original_factory is not None:
        logging.setLogRecordFactory(_original_factory)
        _original_factory = None


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, ids given as ``extra``."""

    FIELDS = ("update_id", "kind", "user", "chat")

    def format(self, record: logging.LogRecord) -> str:
        """Return the record as one line of JSON."""
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry |= {key: getattr(record, key) for key in self.FIELDS if hasattr(record, key)}
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = record.stack_info
        return json.dumps(entry, ensure_ascii=False, default=str)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure_logging(*, level: str, log_format: str) -> None:
    """Set up the root logger (text or JSON lines) and redact every record."""
    handler = logging.StreamHandler()
    handler.setFormatter(
        JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT)
    )
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    install_redaction()
