"""Samples for the templates of a careful conversation (issue 14): held questions, receipts."""

from __future__ import annotations

from types import SimpleNamespace

from tests.messages.samples import Hostile


def _held(h: Hostile) -> dict:
    return {"text": h.long, "field": SimpleNamespace(label=h.text)}


SAMPLES = {
    "form/held.html": _held,
}


def _waiting(h: Hostile) -> dict:
    form = SimpleNamespace(title=h.text)
    view = SimpleNamespace(position=(2, 3), field=SimpleNamespace(label=h.text))
    return {"form": form, "view": view, "filled": 1, "total": 3}


SAMPLES["form/waiting.html"] = _waiting


def _unexpected(h: Hostile) -> dict:
    field = SimpleNamespace(label=h.text, kind="choice")
    return {"kind": "command", "command": h.text, "field": field,
            "form": SimpleNamespace(title=h.text), "in_form": True}  # fmt: skip


SAMPLES["common/unexpected.html"] = _unexpected


def _receipt(h: Hostile) -> dict:
    return {"form": SimpleNamespace(title=h.text), "field": SimpleNamespace(label=h.text),
            "value": h.long, "confirmed": False, "item": 2}  # fmt: skip


SAMPLES["form/receipt.html"] = _receipt


SAMPLES["start/keyboard.html"] = lambda h: {}
SAMPLES["form/share_mobile.html"] = lambda h: {}
SAMPLES["form/not_own_contact.html"] = lambda h: {}
