"""Samples for /mydata and erasure templates, filled with hostile data."""

from __future__ import annotations

from types import SimpleNamespace

from tests.messages.samples import Hostile


def _request(h: Hostile) -> SimpleNamespace:
    return SimpleNamespace(id=4, requested_at=h.now, decided_at=h.now, status="pending")


SAMPLES = {
    "mydata/export.html": lambda h: {"now": h.now},
    "mydata/erase_ask.html": lambda h: {},
    "mydata/erase_pending.html": lambda h: {"request": _request(h)},
    "mydata/erase_sent.html": lambda h: {"request": _request(h), "told": 0, "contest": h.contest},
    "mydata/erase_cancelled.html": lambda h: {},
    "mydata/erase_request.html": lambda h: {
        "person": SimpleNamespace(name=h.text, display_name=h.text),
        "unit": SimpleNamespace(party_org=h.text, recommending_unit=h.text),
        "request": _request(h),
    },
    "mydata/erase_outcome.html": lambda h: {"erased": False, "contest": h.contest},
    "mydata/erase_decided.html": lambda h: {"request": _request(h), "erased": True},
}
