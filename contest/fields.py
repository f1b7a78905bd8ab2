"""Reading one answer for one form field: normalization, parsing and structured errors.

One class per field kind (:class:`FieldType` and its subclasses, found by
:func:`field_type`) owns parse, check, normalize and display; a text field that holds a
person's or an organization's name (by its role, or filled from one) is a name type, which
refuses emoji, symbols and markup (``李<i>四</i>``, ``😀😀😀``). The functions below
(:func:`parse_answer`, :func:`check_value`, …) are the same rules for callers with no form.

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
# A person's name: Han characters (with the middle dot of a transcribed name), or Latin
# letters with spaces, dots and hyphens. No digits, emoji, symbols or markup.
_PERSON_NAME = re.compile(
    r"[\u3400-\u9fff\uf900-\ufaff·•]+(?: [\u3400-\u9fff\uf900-\ufaff·•]+)*"
    r"|[A-Za-z][A-Za-z .'\-·]*[A-Za-z.]"
)
# An organization's name: Han, letters, digits, spaces and the brackets, dots and dashes of
# 中共深圳市某某局（机关）委员会 or 中共XX第一支部; at least two Han characters.
_ORGANIZATION_NAME = re.compile(r"[\u3400-\u9fff\uf900-\ufaffA-Za-z0-9 ()（）·.\-—“”\"、]+")
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


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


def parse_item(form_field: FormField, text: str, number: int) -> str | FieldError:
    """Read item ``number`` (1-based) of a list field: one paragraph, length checked."""
    value = text.strip()
    if not value:
        return FieldError("required", {"item": number})
    error = check_length(form_field, value)
    return FieldError(error.code, {**error.params, "item": number}) if error else value


# --------------------------------------------------------------------------- field kinds


@dataclass(frozen=True)
class Suggested:
    """An answer read with something added that the person should confirm (keep) or retype.

    An office number typed without its area code gets the contest's (``0739-5123456``).
    """

    value: Value
    error: FieldError


@dataclass(frozen=True)
class Reading:
    """What reading an answer needs beyond the field: its options, today, the area code."""

    options: tuple[Option, ...] = ()
    today: date = date.min
    area_code: str = ""


class FieldType:
    """One kind of field: how an answer is read (parse), re-checked (check) and shown.

    ``collects`` says how the form engine gathers it: "message" (one message is the
    answer), "pieces" (long text in several messages) or "items" (a numbered list);
    ``tapped`` says that buttons answer it.
    """

    kind: FieldKind = FieldKind.TEXT
    collects = "message"
    tapped = False
    offers_options = False

    def __init__(self, form_field: FormField) -> None:
        self.field = form_field

    def tap(self, choice: str | bool, reading: Reading) -> Value | FieldError:
        """Read a pressed button's value (buttons answer only the tapped kinds)."""
        return FieldError("not_allowed", {"operation": "choose"})

    def parse(self, text: str, reading: Reading) -> Value | FieldError | Suggested:
        """Read one typed message as this field's value."""
        return parse_text(self.field, text)

    def check(self, value: object, reading: Reading) -> FieldError | None:
        """Check a stored value (prefilled, saved last week) as if it were typed now.

        A text that ``parse`` reads as itself passes (``normalize`` relies on it).
        """
        if not isinstance(value, str):
            return FieldError("required")
        parsed = self.parse(value, reading)
        if isinstance(parsed, FieldError):
            return parsed
        if isinstance(parsed, Suggested):
            return parsed.error
        return None if parsed == value else FieldError("not_normalized")

    def normalize(self, value: object, reading: Reading) -> Value | None:
        """Return ``value`` (e.g. a prefill) made this field's value, or None if it does not fit."""
        if isinstance(value, str):
            parsed = self.parse(value, reading)
            if parsed == value:  # read as itself: checked already (a saved draft's every field
                return value or None  # is normalized again on each of its typed paragraphs)
            value = None if isinstance(parsed, FieldError | Suggested) else parsed
        if value in (None, "", []):
            return None
        return value if self.check(value, reading) is None else None

    def display(self, value: object, reading: Reading) -> object:
        """Return a neutral display form: the value itself, unless the kind says otherwise."""
        return value


class TextType(FieldType):
    """One line of text: trimmed, whitespace collapsed, length checked."""


class PersonNameType(TextType):
    """A person's name (姓名, 负责人姓名): letters of a name only — no emoji, symbols or markup."""

    def parse(self, text: str, reading: Reading) -> Value | FieldError | Suggested:
        value = parse_text(self.field, text)
        if isinstance(value, str) and not _PERSON_NAME.fullmatch(fold(value)):
            return FieldError("not_a_name", {"what": "person"})
        return value


class OrganizationNameType(TextType):
    """An organization's name (党组织名称, 推荐单位): words, digits and brackets, mostly Han."""

    def parse(self, text: str, reading: Reading) -> Value | FieldError | Suggested:
        value = parse_text(self.field, text)
        if isinstance(value, str) and not (
            _ORGANIZATION_NAME.fullmatch(fold(value)) and len(_HAN.findall(value)) >= 2
        ):
            return FieldError("not_a_name", {"what": "organization"})
        return value


class LongTextType(FieldType):
    """Long text, sent in pieces; only its length is checked."""

    kind = FieldKind.LONG_TEXT
    collects = "pieces"

    def check(self, value: object, reading: Reading) -> FieldError | None:
        return check_length(self.field, value) if isinstance(value, str) else FieldError("required")

    def normalize(self, value: object, reading: Reading) -> Value | None:
        value = value.strip() if isinstance(value, str) else value
        return super().normalize(value, reading) if value else None

    def parse(self, text: str, reading: Reading) -> Value | FieldError | Suggested:
        value = text.strip()
        return check_length(self.field, value) or value


class ListType(FieldType):
    """A numbered list of ``items`` paragraphs, each length-checked."""

    kind = FieldKind.LIST
    collects = "items"

    def check(self, value: object, reading: Reading) -> FieldError | None:
        if not isinstance(value, list) or len(value) != self.field.items:
            return FieldError("required")
        for number, item in enumerate(value, start=1):
            if not isinstance(item, str):
                return FieldError("required", {"item": number})
            parsed = parse_item(self.field, item, number)
            if isinstance(parsed, FieldError):
                return parsed
        return None

    def normalize(self, value: object, reading: Reading) -> Value | None:
        """Return the items as far as they go: fewer than ``items`` is kept, not dropped."""
        if not isinstance(value, list | tuple):
            return None
        items = [item.strip() if isinstance(item, str) else item for item in value]
        if not items or not all(isinstance(item, str) and item for item in items):
            return None
        if len(items) > (self.field.items or 0):
            return None
        for number, item in enumerate(items, start=1):
            if isinstance(parse_item(self.field, str(item), number), FieldError):
                return None
        return [str(item) for item in items]


class ChoiceType(FieldType):
    """One of the options (stored by key), tapped or typed as its label."""

    kind = FieldKind.CHOICE
    tapped = True
    offers_options = True

    def tap(self, choice: str | bool, reading: Reading) -> Value | FieldError:
        known = isinstance(choice, str) and any(o.key == choice for o in reading.options)
        return choice if known else FieldError("unknown_choice", {"input": str(choice)})

    def parse(self, text: str, reading: Reading) -> Value | FieldError | Suggested:
        return match_choice(reading.options, text)

    def check(self, value: object, reading: Reading) -> FieldError | None:
        known = isinstance(value, str) and any(o.key == value for o in reading.options)
        return None if known else FieldError("unknown_choice", {"input": str(value)})

    def normalize(self, value: object, reading: Reading) -> Value | None:
        if isinstance(value, str) and any(o.key == value for o in reading.options):
            return value
        return super().normalize(value, reading)

    def display(self, value: object, reading: Reading) -> object:
        return next((o.label for o in reading.options if o.key == value), value)


class YesNoType(FieldType):
    """是 or 否, tapped or typed; stored as a bool."""

    kind = FieldKind.YES_NO
    tapped = True

    def tap(self, choice: str | bool, reading: Reading) -> Value | FieldError:
        return choice if isinstance(choice, bool) else parse_yes_no(choice)

    def parse(self, text: str, reading: Reading) -> Value | FieldError | Suggested:
        return parse_yes_no(text)

    def check(self, value: object, reading: Reading) -> FieldError | None:
        return None if isinstance(value, bool) else FieldError("bad_yes_no")


class PhoneType(FieldType):
    """An office landline with its area code; the contest's area code is offered when missing."""

    kind = FieldKind.PHONE

    def parse(self, text: str, reading: Reading) -> Value | FieldError | Suggested:
        value = parse_phone(text)
        if (
            isinstance(value, FieldError)
            and value.code == "phone_needs_area_code"
            and reading.area_code
        ):
            completed = parse_phone(f"{reading.area_code}-{fold(text).strip()}")
            if isinstance(completed, str):
                params = {"number": completed, "area_code": reading.area_code}
                return Suggested(completed, FieldError("area_code_added", params))
        return value


class MobileType(FieldType):
    """A mainland mobile number, 11 digits."""

    kind = FieldKind.MOBILE

    def parse(self, text: str, reading: Reading) -> Value | FieldError | Suggested:
        return parse_mobile(text)


class DateType(FieldType):
    """A past or present day, stored as ISO."""

    kind = FieldKind.DATE

    def parse(self, text: str, reading: Reading) -> Value | FieldError | Suggested:
        return parse_date(text, reading.today)


TYPES: dict[FieldKind, type[FieldType]] = {
    t.kind: t
    for t in (TextType, LongTextType, ListType, ChoiceType, YesNoType, PhoneType, MobileType,
              DateType)
}  # fmt: skip
# Fields whose text is a name, by form and key (the roles) or by what they are filled from.
PERSON_NAMES = {("contact", "name"), ("member", "name")}
ORGANIZATION_NAMES = {("unit", "party_org"), ("unit", "recommending_unit")}
_NAME_SOURCES = {"contact.name", "lead.name"}
_ORGANIZATION_SOURCES = {"unit.party_org", "unit.recommending_unit"}


def field_type(form_field: FormField, form_key: str = "") -> FieldType:
    """Return the object that reads, checks and shows this field's answers.

    A text field that holds a person's or an organization's name (by its role, or because it
    is prefilled from one) gets the name rules on top.
    """
    if form_field.kind is FieldKind.TEXT:
        where = (form_key, form_field.key)
        if where in PERSON_NAMES or form_field.prefill in _NAME_SOURCES:
            return PersonNameType(form_field)
        if where in ORGANIZATION_NAMES or form_field.prefill in _ORGANIZATION_SOURCES:
            return OrganizationNameType(form_field)
    return TYPES[form_field.kind](form_field)


def parse_answer(
    form_field: FormField, text: str, options: Sequence[Option], today: date
) -> Value | FieldError:
    """Read a typed answer for a one-message field (not long_text, not a list item)."""
    value = TYPES[form_field.kind](form_field).parse(text, Reading(tuple(options), today))
    return value.error if isinstance(value, Suggested) else value


def check_value(
    form_field: FormField, value: object, options: Sequence[Option], today: date
) -> FieldError | None:
    """Check a stored value (e.g. prefilled, or saved last week) as if it were typed now."""
    return TYPES[form_field.kind](form_field).check(value, Reading(tuple(options), today))


def normalize_value(
    form_field: FormField, value: object, options: Sequence[Option], today: date
) -> Value | None:
    """Return ``value`` (e.g. a prefill) normalized for the field, or None if it does not fit."""
    return TYPES[form_field.kind](form_field).normalize(value, Reading(tuple(options), today))


def display_value(form_field: FormField, value: object, options: Sequence[Option]) -> object:
    """Return a neutral display form: the option label for a choice, the value otherwise."""
    return TYPES[form_field.kind](form_field).display(value, Reading(tuple(options)))
