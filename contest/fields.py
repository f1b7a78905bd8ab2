"""Reading one answer for one form field: normalization, parsing and structured errors.

Pure functions, no wording: a problem is a :class:`FieldError` (a code and JSON-friendly
params) that a template turns into a sentence next to the field's ``example``.

Values by kind: text, long_text, choice (the option key), phone ("0755-88134324"),
mobile ("13800138000"), date (ISO "2023-03-01") are ``str``; yes_no is ``bool``;
list is ``list[str]``.

Full-width digits, letters and spaces (U+FF01–U+FF5E, U+3000) are folded to ASCII before
structured values (phone, mobile, date, yes/no, choice labels) are read. Free text keeps
the characters the user wrote: it is only trimmed, and a one-line ``text`` has its runs
of whitespace collapsed to one space. Lengths are counted in characters (``len``).

Office phones: a mainland landline with its area code (010 and 02x have three digits, all
others four; the local number has 7–8 digits and starts with 2–9). A 400/800 service line
is refused (``service_number``): the organizer needs a line that reaches the person, and a
mobile number typed here is refused too (``phone_is_mobile``: it has its own field).
An extension marked 转 / 分机 / ext is kept as "0755-88134324转801".
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from contest.definition import Contest, FieldKind, FormField

Value = str | bool | list[str]

_FOLD = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"
_SEPARATORS = re.compile(rf"[\s(){_DASHES}.\-]")
_EXTENSION = re.compile(r"(?:转|分机|ext\.?|x)\s*([0-9]{1,6})$", re.IGNORECASE)
_LOCAL = re.compile(r"[2-9][0-9]{6,7}")
_MOBILE = re.compile(r"1[3-9][0-9]{9}")
_SERVICE = re.compile(r"[48]00[0-9]{7}")
_DATE = re.compile(r"([0-9]{4})[-/.年]([0-9]{1,2})[-/.月]([0-9]{1,2})[日号]?")
_COMPACT_DATE = re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})")
_YES = {"是", "是的", "有", "有的", "对", "对的", "参加过", "yes", "y", "true"}
_NO = {"否", "不是", "没有", "没", "无", "不", "不对", "未", "没参加过", "no", "n", "false"}
_TRAILING = "。.!！~～ "


@dataclass(frozen=True)
class FieldError:
    """What is wrong with an answer: a code for the template and its parameters."""

    code: str
    params: dict[str, object] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class Option:
    """One option of a choice field; ``hint`` is e.g. the category's one-line summary."""

    key: str
    label: str
    hint: str = ""


def fold(text: str) -> str:
    """Return ``text`` with full-width ASCII and the ideographic space made half-width."""
    return text.translate(_FOLD)


def options_for(form_field: FormField, contest: Contest) -> tuple[Option, ...]:
    """Return the options of a choice field, resolving ``choices_from`` on the contest."""
    if form_field.choices_from == "categories":
        return tuple(Option(c.key, c.name, c.summary) for c in contest.categories)
    if form_field.choices_from == "submitters":
        return tuple(Option(s.key, s.name) for s in contest.registration.submitters)
    return tuple(Option(c.key, c.label, c.hint) for c in form_field.choices)


def check_length(form_field: FormField, text: str) -> FieldError | None:
    """Check ``text`` against the field's min_length / max_length, counted in characters."""
    if form_field.max_length is not None and len(text) > form_field.max_length:
        return FieldError("too_long", {"max": form_field.max_length, "actual": len(text)})
    if len(text) < form_field.min_length:
        return FieldError("too_short", {"min": form_field.min_length, "actual": len(text)})
    return None


def parse_text(form_field: FormField, text: str) -> str | FieldError:
    """Read one line of text: trimmed, whitespace collapsed, length checked."""
    value = " ".join(text.split())
    return check_length(form_field, value) or value


def parse_phone(text: str) -> str | FieldError:
    """Read a mainland landline with its area code as "0755-88134324" (extension: "转801")."""
    raw = fold(text).strip()
    extension = _EXTENSION.search(raw)
    if extension:
        raw = raw[: extension.start()]
    digits = _SEPARATORS.sub("", raw)
    for prefix in ("+86", "0086"):
        if digits.startswith(prefix):
            digits = "0" + digits[len(prefix) :]
    if not re.fullmatch(r"[0-9]+", digits):
        return FieldError("bad_phone")
    if _MOBILE.fullmatch(digits):
        return FieldError("phone_is_mobile")
    if _SERVICE.fullmatch(digits):
        return FieldError("service_number")
    if _LOCAL.fullmatch(digits):
        return FieldError("phone_needs_area_code")
    # Area codes 010 and 020–029 have three digits; every other one has four.
    area_length = 3 if digits[:2] in ("01", "02") else 4
    area, local = digits[:area_length], digits[area_length:]
    if not (area.startswith("0") and area[1:2] != "0" and _LOCAL.fullmatch(local)):
        return FieldError("bad_phone")
    number = f"{area}-{local}"
    return f"{number}转{extension.group(1)}" if extension else number


def parse_mobile(text: str) -> str | FieldError:
    """Read a mainland mobile number as 11 digits, dropping a +86 / 86 prefix."""
    digits = _SEPARATORS.sub("", fold(text))
    for prefix in ("+86", "0086"):
        if digits.startswith(prefix):
            digits = digits[len(prefix) :]
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    return digits if _MOBILE.fullmatch(digits) else FieldError("bad_mobile")


def parse_date(text: str, today: date) -> str | FieldError:
    """Read a past or present date such as 2023/3/1 or 2023年3月1日 as ISO "2023-03-01"."""
    raw = "".join(fold(text).split())
    match = _DATE.fullmatch(raw) or _COMPACT_DATE.fullmatch(raw)
    if not match:
        return FieldError("bad_date")
    try:
        day = date(*(int(part) for part in match.groups()))
    except ValueError:
        return FieldError("bad_date")
    if day.year < 1900:
        return FieldError("bad_date")
    if day > today:
        return FieldError("future_date", {"today": today.isoformat()})
    return day.isoformat()


def parse_yes_no(text: str) -> bool | FieldError:
    """Read 是/否/有/没有/对/不是/yes/no and the like as True or False."""
    word = fold(text).strip().rstrip(_TRAILING).casefold()
    if word in _YES:
        return True
    if word in _NO:
        return False
    return FieldError("bad_yes_no")


def _squash(text: str) -> str:
    return "".join(fold(text).split()).casefold()


def match_choice(options: Sequence[Option], text: str) -> str | FieldError:
    """Return the key of the option whose label is typed, exactly or as a unique prefix."""
    typed = _squash(text)
    exact = [o for o in options if _squash(o.label) == typed]
    if exact:
        return exact[0].key
    prefixed = [o for o in options if _squash(o.label).startswith(typed)]
    if len(prefixed) == 1:
        return prefixed[0].key
    if prefixed:
        return FieldError("ambiguous_choice", {"matches": [o.label for o in prefixed]})
    return FieldError("unknown_choice", {"input": text.strip()})


def parse_answer(
    form_field: FormField, text: str, options: Sequence[Option], today: date
) -> Value | FieldError:
    """Read a typed answer for a one-message field (not long_text, not a list item)."""
    kind = form_field.kind
    if kind is FieldKind.PHONE:
        return parse_phone(text)
    if kind is FieldKind.MOBILE:
        return parse_mobile(text)
    if kind is FieldKind.DATE:
        return parse_date(text, today)
    if kind is FieldKind.YES_NO:
        return parse_yes_no(text)
    if kind is FieldKind.CHOICE:
        return match_choice(options, text)
    return parse_text(form_field, text)


def parse_item(form_field: FormField, text: str, number: int) -> str | FieldError:
    """Read item ``number`` (1-based) of a list field: one paragraph, length checked."""
    value = text.strip()
    if not value:
        return FieldError("required", {"item": number})
    error = check_length(form_field, value)
    return FieldError(error.code, {**error.params, "item": number}) if error else value


def check_value(
    form_field: FormField, value: object, options: Sequence[Option], today: date
) -> FieldError | None:
    """Check a stored value (e.g. prefilled, or saved last week) as if it were typed now."""
    kind = form_field.kind
    if kind is FieldKind.YES_NO:
        return None if isinstance(value, bool) else FieldError("bad_yes_no")
    if kind is FieldKind.CHOICE:
        known = isinstance(value, str) and any(o.key == value for o in options)
        return None if known else FieldError("unknown_choice", {"input": str(value)})
    if kind is FieldKind.LIST:
        if not isinstance(value, list) or len(value) != form_field.items:
            return FieldError("required")
        for number, item in enumerate(value, start=1):
            if not isinstance(item, str):
                return FieldError("required", {"item": number})
            parsed = parse_item(form_field, item, number)
            if isinstance(parsed, FieldError):
                return parsed
        return None
    if not isinstance(value, str):
        return FieldError("required")
    if kind is FieldKind.LONG_TEXT:
        return check_length(form_field, value)
    parsed = parse_answer(form_field, value, options, today)
    if isinstance(parsed, FieldError):
        return parsed
    return None if parsed == value else FieldError("not_normalized")


def normalize_value(
    form_field: FormField, value: object, options: Sequence[Option], today: date
) -> Value | None:
    """Return ``value`` (e.g. a prefill) normalized for the field, or None if it does not fit."""
    if isinstance(value, str) and form_field.kind not in (FieldKind.LONG_TEXT, FieldKind.LIST):
        if form_field.kind is FieldKind.CHOICE and any(o.key == value for o in options):
            return value
        value = parse_answer(form_field, value, options, today)
    elif isinstance(value, str):
        value = value.strip()
    elif isinstance(value, list | tuple):
        value = [item.strip() if isinstance(item, str) else item for item in value]
    if isinstance(value, FieldError) or value in ("", []):
        return None
    if form_field.kind is FieldKind.LIST and isinstance(value, list):
        return _partial_list(form_field, value)
    return value if check_value(form_field, value, options, today) is None else None


def _partial_list(form_field: FormField, value: list[object]) -> list[str] | None:
    """Return a list's items as far as they go (fewer than ``items`` is kept, not dropped)."""
    items = [item for item in value if isinstance(item, str) and item]
    if len(items) != len(value) or len(items) > (form_field.items or 0):
        return None
    ok = all(not isinstance(parse_item(form_field, item, n), FieldError) for n, item in
             enumerate(items, start=1))
    return items if ok else None


def display_value(form_field: FormField, value: object, options: Sequence[Option]) -> object:
    """Return a neutral display form: the option label for a choice, the value otherwise."""
    if form_field.kind is FieldKind.CHOICE:
        return next((o.label for o in options if o.key == value), value)
    return value
