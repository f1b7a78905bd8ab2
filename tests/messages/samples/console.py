"""Samples for the Telegram templates of /console, /stats, /export and the drill-down."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

from tests.messages.samples import Hostile


def _unit(h: Hostile) -> SimpleNamespace:
    return SimpleNamespace(id=7, recommending_unit=h.text, party_org=h.text)


def _person(h: Hostile) -> SimpleNamespace:
    return SimpleNamespace(
        name=h.text, display_name=h.text, title=h.text, mobile=h.text, office_phone=h.text
    )


SAMPLES = {
    "console_bot/link.html": lambda h: {
        "url": 'https://x.example/console/login?token=a"b<c>',
        "expires_at": h.now + timedelta(minutes=10),
    },
    "console_bot/not_configured.html": lambda h: {},
    "console_bot/stats.html": lambda h: {
        "now": h.now, "units": 3, "units_with_cases": 2, "lines": [(h.text, 1, 2), (h.text, 0, 5)],
    },  # fmt: skip
    "console_bot/chart_caption.html": lambda h: {},
    "console_bot/export_progress.html": lambda h: {"done": 1, "total": 3, "current": h.text},
    "console_bot/export_done.html": lambda h: {"files": [(h.text, 3)]},
    "console_bot/units.html": lambda h: {"page": 1, "pages": 2, "total": 9},
    "console_bot/unit.html": lambda h: {
        "unit": _unit(h), "contacts": [_person(h)], "submitted": 1, "drafts": 2, "lines": [1],
    },  # fmt: skip
    "console_bot/not_found.html": lambda h: {},
    "console_bot/case_file.html": lambda h: {"file_name": h.text},
    "commands/console.html": lambda h: {},
    "commands/stats.html": lambda h: {},
    "commands/export.html": lambda h: {},
}
SAMPLES["console_bot/export_documents.html"] = lambda h: {"done": 12, "total": 533}
