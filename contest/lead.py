"""Which fields of the case document come from elsewhere, and how they keep in step.

A case form's field with ``prefill = "lead.KEY"`` is the team lead's (牵头人) field KEY of the
member form; one with ``prefill = "unit.KEY"`` is the unit's. Nothing else says so: the
contest file's ``prefill`` markers are the whole link.

- The document follows its source (:func:`following`): when the team's lead or the unit
  changes, a linked field takes the new value where it is empty or still shows the old
  one. A value typed otherwise is never overwritten: :func:`disagreeing` names it.
- The team follows the document (:func:`lead_changes`): the lead fields the document
  changed become the lead's. A lead taken from the document may lack fields the member
  form requires: :func:`pending` lists them (shown as 待补充 until the contact adds them).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from contest.definition import Contest, Form
from contest.forms import FormEngine

LEAD = "lead"  # the team lead, a member of the member form
UNIT = "unit"  # the unit, of the unit form


def linked(form: Form, source: str) -> dict[str, str]:
    """Return the form's fields filled from ``source``: field key -> the source's key."""
    links = {}
    for f in form.fields:
        origin, dot, key = (f.prefill or "").partition(".")
        if dot and origin == source:
            links[f.key] = key
    return links


def _filled(value: object) -> bool:
    return value not in (None, "", [], {})


def in_document(contest: Contest, values: Mapping[str, object], source: str) -> dict[str, object]:
    """Return what the case document says of ``source``, by the source's keys (filled only)."""
    return {
        key: values[field]
        for field, key in linked(contest.forms.case, source).items()
        if _filled(values.get(field))
    }


def following(
    contest: Contest,
    source: str,
    before: Mapping[str, object] | None,
    after: Mapping[str, object] | None,
    values: Mapping[str, object],
) -> dict[str, object]:
    """Return the document fields to set now that ``source`` went from ``before`` to ``after``.

    A linked field takes the source's new value where the document has none or still shows
    the source's old value; a value the document has otherwise was typed and stays.
    """
    before, after = before or {}, after or {}
    changes: dict[str, object] = {}
    for field, key in linked(contest.forms.case, source).items():
        fresh, old, now = after.get(key), before.get(key), values.get(field)
        if not _filled(fresh) or now == fresh:
            continue
        if not _filled(now) or now == old:
            changes[field] = fresh
    return changes


def disagreeing(
    contest: Contest,
    source: str,
    after: Mapping[str, object] | None,
    values: Mapping[str, object],
) -> list[str]:
    """Return the linked fields whose typed value differs from the source's (form order)."""
    after = after or {}
    return [
        field
        for field, key in linked(contest.forms.case, source).items()
        if _filled(after.get(key)) and _filled(values.get(field)) and values[field] != after[key]
    ]


def lead_changes(
    contest: Contest, before: Mapping[str, object], after: Mapping[str, object]
) -> dict[str, object]:
    """Return the lead's fields (member-form keys) the document changed to a value."""
    return {
        key: after[field]
        for field, key in linked(contest.forms.case, LEAD).items()
        if _filled(after.get(field)) and after.get(field) != before.get(field)
    }


def pending(contest: Contest, values: Mapping[str, object]) -> list[str]:
    """Return the member form's required fields these values leave empty (form order)."""
    engine = FormEngine(contest, "member", today=date.min)
    shown = engine.visible(dict(values))  # type: ignore[arg-type]
    return [f.key for f in shown if f.required and not _filled(values.get(f.key))]
