"""Form fields without a column of their own: which they are, and how they are shown.

The unit, contact and member forms each have fields the code stores in columns (the roles
in :data:`contest.definition.ROLES`); whatever else a contest file asks is kept as it is
in a JSON ``extra`` column, by field key, and shown wherever the fixed ones are.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from contest.definition import Form, FormField
from contest.fields import Option, Reading, field_type

# The fields each form stores in columns of its own.
FIXED: dict[str, frozenset[str]] = {
    "unit": frozenset({"party_org", "recommending_unit", "submitter"}),
    "contact": frozenset({"name", "title", "office_phone", "mobile"}),
    "member": frozenset(
        {"name", "title", "office_phone", "mobile", "employment", "contract_start"}
    ),
}


def extra_fields(form_key: str, form: Form) -> list[FormField]:
    """Return the fields of a form that have no column, in form order."""
    fixed = FIXED.get(form_key, frozenset())
    return [f for f in form.fields if f.key not in fixed]


def extra_values(form_key: str, form: Form, values: Mapping[str, Any]) -> dict[str, Any]:
    """Return the values of the fields without a column, as the form produced them."""
    return {
        f.key: values[f.key]
        for f in extra_fields(form_key, form)
        if values.get(f.key) not in (None, "", [])
    }


def shown_value(form_field: FormField, value: Any) -> Any:
    """Return a value as a person reads it: a choice's label, other values unchanged."""
    options = tuple(Option(c.key, c.label, c.hint) for c in form_field.choices)
    return field_type(form_field).display(value, Reading(options))
