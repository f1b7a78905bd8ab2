"""The form engine: one field at a time, for every form of a contest.

Every operation is a pure function of a :class:`FormState` (saved as JSON between messages)
and the user's input; it returns a :class:`Step` with the new state and what happened.
Nothing here talks to Telegram, a database or a clock: ``today`` is given.

Each field's kind is an object (:class:`contest.fields.FieldType`: text, a name, long text,
list, choice, yes/no, phone, mobile, date) that reads, checks and shows its answers; the
engine asks it how the field is answered (one message, pieces, items; buttons) rather than
switching on the kind.

Decisions (see also ``contest/fields.py`` for how answers are read):

- Fields already filled when the form starts (from ``prefill`` sources or saved ``values``)
  are not asked in the first pass; they appear on the review card, where any can be edited.
  Positions (i, n) count the fields the pass asks, without those and without hidden ones.
- A field that has a value is asked with that value offered: ``keep()`` accepts it.
- long_text: each message appends a piece; ``finish()`` validates the pieces joined with
  "\\n". On a field with a value the pieces start as that value (``append``, the default:
  nothing is lost by typing); ``replace()`` starts empty, ``append()`` goes back.
  A piece that would exceed ``max_length`` is refused at once.
- list: items are asked in order, each item of an existing list offered for ``keep()``;
  ``back()`` on item 2 returns to item 1. Every item given is stored at once (a list with
  items still to come is kept as far as it goes: pausing, editing from the review or an
  import with fewer items loses none); it is complete when its last item is given, and a
  list entered again starts at its first missing item.
- Values of fields hidden by ``when`` stay in the state (switching back restores them) but
  are left out of the review card, the checks and :meth:`FormEngine.result`.
- Editing a field from the review returns to the review; if the edit reveals fields that
  are empty (reentered: no -> yes), those are asked first. ``back()`` while editing cancels
  the edit and returns to the review (on a list's later item it goes to the item before).
- An office number typed without its area code is completed with the contest's
  (``terms.area_code``), stored and offered for ``keep()`` (event ``suggested``), not refused.
- Buttons carry the field key (and, on list items, the item number); a button for another
  place than the cursor gives the ``stale`` event and changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum
from typing import Any

from contest.definition import Contest, Form, FormField
from contest.fields import (
    FieldError,
    FieldType,
    Option,
    Reading,
    Suggested,
    Value,
    check_length,
    field_type,
    options_for,
    parse_item,
)
from contest.text import count_words

Validator = Callable[[Value, Mapping[str, Value]], FieldError | None]


class Event(StrEnum):
    """What an operation did; the state's cursor says where the user is now."""

    ASKED = "asked"  # the cursor is on a field to ask (start, edit, back, append/replace)
    ADVANCED = "advanced"  # a value was accepted; the cursor is on the next field
    SKIPPED = "skipped"  # an optional field was left empty; the cursor moved on
    NEXT_ITEM = "next_item"  # a list item was accepted; the next item is asked
    APPENDED = "appended"  # a long_text piece was added; the same field is still asked
    REVIEW = "review"  # the cursor is on the review card
    CONFIRMED = "confirmed"  # the review was confirmed: every visible field is complete
    INCOMPLETE = "incomplete"  # confirm refused: see Step.problems
    INVALID = "invalid"  # the input was refused: see Step.error; nothing changed
    STALE = "stale"  # a button meant for another place; nothing changed
    AT_FIRST = "at_first"  # back on the first field; nothing changed
    NOT_ASKING = "not_asking"  # text arrived while the review card is shown; nothing changed
    SUGGESTED = "suggested"  # an answer was completed (an area code added): it is stored and
    # offered for keep(), Step.error says what was added; the cursor stays on the field


@dataclass(frozen=True)
class FormState:
    """Where a user is in a form and what they entered; round-trips through JSON."""

    form_key: str
    values: dict[str, Value] = field(default_factory=dict)
    cursor: str | None = None  # the field being asked; None: the review card
    pieces: tuple[str, ...] = ()  # long_text pieces of the field being asked
    draft: tuple[str, ...] = ()  # list items of the field being asked ("" not yet given)
    item_index: int = 0  # 0-based item being asked in a list field
    return_to_review: bool = False  # editing from the review card
    pending: tuple[str, ...] = ()  # fields revealed by an edit, asked before the review
    prefilled: tuple[str, ...] = ()  # filled at start and not asked since
    confirmed: bool = False

    def to_dict(self) -> dict[str, Any]:
        """Return the state as JSON-ready data (a copy: no list is shared with the state)."""
        # Written out, not dataclasses.asdict: its recursive deep copy of every value cost
        # ≈2 % of the CPU of a typed answer, which stores its state on every paragraph.
        return {
            "form_key": self.form_key,
            "values": {k: list(v) if isinstance(v, list) else v for k, v in self.values.items()},
            "cursor": self.cursor,
            "pieces": list(self.pieces),
            "draft": list(self.draft),
            "item_index": self.item_index,
            "return_to_review": self.return_to_review,
            "pending": list(self.pending),
            "prefilled": list(self.prefilled),
            "confirmed": self.confirmed,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FormState:
        """Rebuild a state saved with :meth:`to_dict`."""
        values = {k: list(v) if isinstance(v, list) else v for k, v in data["values"].items()}
        return cls(
            form_key=data["form_key"],
            values=values,
            cursor=data.get("cursor"),
            pieces=tuple(data.get("pieces", ())),
            draft=tuple(data.get("draft", ())),
            item_index=int(data.get("item_index", 0)),
            return_to_review=bool(data.get("return_to_review", False)),
            pending=tuple(data.get("pending", ())),
            prefilled=tuple(data.get("prefilled", ())),
            confirmed=bool(data.get("confirmed", False)),
        )


@dataclass(frozen=True)
class FieldProblem:
    """A visible field that keeps the form from being confirmed."""

    key: str
    error: FieldError


@dataclass(frozen=True)
class Step:
    """The outcome of one operation."""

    state: FormState
    event: Event
    field: str | None = None  # the field the operation acted on
    error: FieldError | None = None
    problems: tuple[FieldProblem, ...] = ()


@dataclass(frozen=True)
class FieldView:
    """Everything a template needs to ask the current field."""

    field: FormField
    position: tuple[int, int]  # (i, n) among the visible fields, the ones tally() counts
    value: Value | None  # the stored value, offered for keep()
    options: tuple[Option, ...]  # choice fields only
    item: int | None  # list fields: 1-based item being asked
    item_value: str | None  # list fields: the old value of that item, offered for keep()
    pieces: tuple[str, ...]  # long_text: the pieces finish() will join
    length: int  # long_text: 字数 of the joined pieces (the rule every count uses)
    editing: bool  # asked from the review card
    can_skip: bool
    can_keep: bool


@dataclass(frozen=True)
class ReviewRow:
    """One visible field on the review card."""

    field: FormField
    value: Value | None
    display: object  # choice: the option label; others: the value (templates word bools)
    missing: bool
    prefilled: bool
    error: FieldError | None  # a stored value that no longer passes (e.g. a custom check)


Tables = tuple[dict[str, FormField], dict[str, tuple[Option, ...]], dict[str, FieldType]]
_TABLES: dict[tuple[int, str], tuple[Contest, Tables]] = {}


def _tables(contest: Contest, form_key: str) -> Tables:
    """Return a form's fields, options and field types by key, made once per contest.

    An engine is made for every message a form takes (two for a case's draft: the answer
    and its count); the definition is immutable, so what it yields is kept, by identity.
    """
    known = _TABLES.get((id(contest), form_key))
    if known is not None and known[0] is contest:
        return known[1]
    form: Form = getattr(contest.forms, form_key)
    tables: Tables = (
        {f.key: f for f in form.fields},
        {f.key: options_for(f, contest) for f in form.fields},
        {f.key: field_type(f, form_key) for f in form.fields},
    )
    if len(_TABLES) >= 64:  # contests loaded again (tests, a reload): the old ones go
        _TABLES.clear()
    _TABLES[(id(contest), form_key)] = (contest, tables)
    return tables


class FormEngine:
    """Asks one form of a contest, field by field."""

    def __init__(
        self,
        contest: Contest,
        form_key: str,
        *,
        today: date,
        validators: Mapping[str, Validator] | None = None,
    ) -> None:
        if form_key not in type(contest.forms).model_fields:
            raise ValueError(f"unknown form {form_key!r}")
        self.contest = contest
        self.form_key = form_key
        self.form: Form = getattr(contest.forms, form_key)
        self.today = today
        self.validators = dict(validators or {})
        self._fields, self._options, self._types = _tables(contest, form_key)

    # ---- queries -------------------------------------------------------------------

    def options(self, field_key: str) -> tuple[Option, ...]:
        """Return the options of a choice field (empty for other kinds)."""
        return self._options[field_key] if self._types[field_key].offers_options else ()

    def field_type(self, field_key: str) -> FieldType:
        """Return the object that reads, checks and shows this field's answers."""
        return self._types[field_key]

    def _reading(self, field_key: str) -> Reading:
        return Reading(self._options[field_key], self.today, self.contest.terms.area_code)

    def visible(self, values: Mapping[str, Value]) -> tuple[FormField, ...]:
        """Return the fields shown for these values, in form order."""
        return tuple(f for f in self.form.fields if self._shown(f, values, frozenset()))

    def _shown(self, form_field: FormField, values: Mapping[str, Value], seen: frozenset) -> bool:
        if not form_field.when:
            return True
        key, _, choice = form_field.when.partition("=")
        controller = self._fields[key]
        if key in seen or not self._shown(controller, values, seen | {form_field.key}):
            return False
        return values.get(key) == (choice or True)

    def result(self, state: FormState) -> dict[str, Value]:
        """Return the values of the visible fields: what the form produced."""
        shown = self.visible(state.values)
        return {f.key: state.values[f.key] for f in shown if f.key in state.values}

    def display_value(self, form_field: FormField, value: Value | None) -> object:
        """Return a neutral display form of a value (choice key -> option label)."""
        return self._types[form_field.key].display(value, self._reading(form_field.key))

    def complete(self, form_field: FormField, value: Value | None) -> bool:
        """Tell whether a field counts as filled: a value, and every item of a list."""
        if value is None:
            return False
        if self._types[form_field.key].collects == "items" and form_field.items:
            return isinstance(value, list) and sum(1 for v in value if v) >= form_field.items
        return True

    def tally(self, state: FormState) -> tuple[int, int]:
        """Return (filled, total) over the visible fields: the one count every screen shows.

        The form's 第 i/n 项, its "已填 x/n 项" when it waits half-filled, the case card, the
        case list and the console all count the same rows, the review card's.
        """
        shown = self.visible(state.values)
        filled = sum(1 for f in shown if self.complete(f, state.values.get(f.key)))
        return filled, len(shown)

    def asked(self, state: FormState) -> list[str]:
        """Return the keys of the fields this pass asks: visible, not left prefilled."""
        return [
            f.key
            for f in self.visible(state.values)
            if f.key not in state.prefilled or f.key == state.cursor
        ]

    def current(self, state: FormState) -> FieldView | None:
        """Describe the field being asked, or None on the review card."""
        state = self._settled(state)
        if state.cursor is None:
            return None
        f = self._fields[state.cursor]
        asked = self.asked(state)
        value = state.values.get(f.key)
        is_list = self._types[f.key].collects == "items"
        item_value = state.draft[state.item_index] or None if is_list else None
        joined = "\n".join(state.pieces)
        return FieldView(
            field=f,
            position=self._position(state, f.key, asked),
            value=value,
            options=self.options(f.key),
            item=state.item_index + 1 if is_list else None,
            item_value=item_value,
            pieces=state.pieces,
            length=count_words(joined),
            editing=state.return_to_review,
            can_skip=not f.required,
            can_keep=bool(item_value) if is_list else value is not None,
        )

    def _position(self, state: FormState, key: str, asked: list[str]) -> tuple[int, int]:
        """Return (i, n): the field's place among the visible fields (prefilled ones too)."""
        shown = [f.key for f in self.visible(state.values)]
        if key in shown:
            return shown.index(key) + 1, len(shown)
        return asked.index(key) + 1, len(asked)

    def problems(self, state: FormState) -> tuple[FieldProblem, ...]:
        """Return the visible fields that are missing or no longer valid."""
        rows = self.review(state)
        return tuple(FieldProblem(r.field.key, r.error) for r in rows if r.error)

    def review(self, state: FormState) -> tuple[ReviewRow, ...]:
        """Return one row per visible field for the review card."""
        rows = []
        for f in self.visible(state.values):
            value = state.values.get(f.key)
            error = None
            if value is None and f.required:
                error = FieldError("required")
            elif value is not None:
                error = self._check(f, value, state.values)
            rows.append(
                ReviewRow(
                    field=f,
                    value=value,
                    display=self.display_value(f, value),
                    missing=value is None,
                    prefilled=f.key in state.prefilled,
                    error=error,
                )
            )
        return tuple(rows)

    # ---- operations ----------------------------------------------------------------

    def start(
        self,
        prefill: Mapping[str, object] | None = None,
        *,
        values: Mapping[str, object] | None = None,
    ) -> Step:
        """Open the form, filling fields from ``prefill`` sources and saved ``values``."""
        filled = self.filled(values, prefill)
        complete = tuple(k for k in filled if not self._partial(self._fields[k], filled[k]))
        state = FormState(self.form_key, values=filled, prefilled=complete)
        first = next(iter(self.asked(state)), None)
        if first is None:
            return Step(state, Event.REVIEW)
        return Step(self._enter(state, first), Event.ASKED, first)

    def filled(
        self, values: Mapping[str, object] | None, prefill: Mapping[str, object] | None = None
    ) -> dict[str, Value]:
        """Return the fields these saved ``values`` (or ``prefill`` sources) fill, as read."""
        filled: dict[str, Value] = {}
        for f in self.form.fields:
            raw = (values or {}).get(f.key)
            if raw is None and f.prefill:
                raw = (prefill or {}).get(f.prefill)
            value = self._types[f.key].normalize(raw, self._reading(f.key))
            if value is not None:
                filled[f.key] = value
        return filled

    def refill(self, state: FormState, prefill: Mapping[str, object] | None) -> FormState:
        """Bring prefilled fields in step with their sources as they are now.

        A field with a source that is empty takes the source's value; a field still as it
        was prefilled (never answered or edited) follows its source when that changed (the
        team's new lead, the unit's new name). The field being asked is left alone.
        """
        values = dict(state.values)
        prefilled = list(state.prefilled)
        for f in self.form.fields:
            if not f.prefill:
                continue
            fresh = self._types[f.key].normalize(
                (prefill or {}).get(f.prefill), self._reading(f.key)
            )
            if fresh is None or values.get(f.key) == fresh:
                continue
            if f.key == state.cursor:
                if f.key not in values and self._types[f.key].collects != "pieces":
                    values[f.key] = fresh  # offered for keep(), one tap
            elif f.key not in values or f.key in prefilled:
                values[f.key] = fresh
                prefilled.append(f.key)
        if values == state.values:
            return state
        state = replace(state, values=values, prefilled=tuple(dict.fromkeys(prefilled)))
        return self._settled(state)

    def follow(self, state: FormState, changes: Mapping[str, object]) -> FormState:
        """Take values set outside the form (the team's lead, the unit) into a saved state.

        A field not answered yet is marked prefilled, so this pass does not ask it; if it is
        the one being asked (a one-line field left waiting), the form moves on to the next.
        """
        state = self._settled(state)
        values = dict(state.values)
        prefilled = list(state.prefilled)
        for key, raw in changes.items():
            if key not in self._fields:
                continue
            value = self._types[key].normalize(raw, self._reading(key))
            if value is None or values.get(key) == value:
                continue
            if key not in values:
                prefilled.append(key)
            values[key] = value
        if values == state.values:
            return state
        cursor = state.cursor
        waiting = cursor is not None and cursor not in state.values and cursor in values
        state = replace(state, values=values, prefilled=tuple(dict.fromkeys(prefilled)))
        if waiting and cursor is not None and self._types[cursor].collects == "message":
            state = self._advance(state, self._fields[cursor], values).state
        return self._settled(state)

    def answer(self, state: FormState, text: str) -> Step:
        """Take a typed message as the answer to the field being asked."""
        state = self._settled(state)
        if state.cursor is None:
            return Step(state, Event.NOT_ASKING)
        f = self._fields[state.cursor]
        collects = self._types[f.key].collects
        if collects == "pieces":
            return self._add_piece(state, f, text)
        if collects == "items":
            item = parse_item(f, text, state.item_index + 1)
            return self._take_item(state, f, item)
        if not text.strip():
            return self._skip(state, f)
        value = self._types[f.key].parse(text, self._reading(f.key))
        if isinstance(value, Suggested):
            return self._suggest(state, f, value)
        return self._accept(state, f, value)

    def choose(self, state: FormState, field_key: str, choice: str | bool) -> Step:
        """Take a tapped option (choice: the option key; yes_no: True/False or "yes"/"no")."""
        state = self._settled(state)
        if self._stale(state, field_key):
            return Step(state, Event.STALE, field_key)
        f = self._fields[field_key]
        if not self._types[f.key].tapped:
            return self._not_allowed(state, f, "choose")
        return self._accept(state, f, self._types[f.key].tap(choice, self._reading(f.key)))

    def keep(self, state: FormState, field_key: str, *, item: int | None = None) -> Step:
        """Accept the value (or list item) already there and move on."""
        state = self._settled(state)
        if self._stale(state, field_key, item):
            return Step(state, Event.STALE, field_key)
        f = self._fields[field_key]
        if self._types[f.key].collects == "items":
            old = state.draft[state.item_index]
            if not old:
                return self._invalid(state, f, FieldError("nothing_to_keep"))
            return self._take_item(state, f, old)
        value = state.values.get(f.key)
        if value is None:
            return self._invalid(state, f, FieldError("nothing_to_keep"))
        return self._accept(state, f, value)

    def skip(self, state: FormState, field_key: str) -> Step:
        """Leave an optional field empty and move on; a required field refuses."""
        state = self._settled(state)
        if self._stale(state, field_key):
            return Step(state, Event.STALE, field_key)
        return self._skip(state, self._fields[field_key])

    def finish(self, state: FormState, field_key: str) -> Step:
        """Close a long_text field: check the joined pieces and move on."""
        state = self._settled(state)
        if self._stale(state, field_key):
            return Step(state, Event.STALE, field_key)
        f = self._fields[field_key]
        if self._types[f.key].collects != "pieces":
            return self._not_allowed(state, f, "finish")
        if not state.pieces:
            return self._skip(state, f)
        text = "\n".join(state.pieces)
        return self._accept(state, f, check_length(f, text) or text)

    def undo(self, state: FormState, field_key: str) -> Step:
        """Take back the last piece of a long_text field (only that piece)."""
        state = self._settled(state)
        if self._stale(state, field_key):
            return Step(state, Event.STALE, field_key)
        f = self._fields[field_key]
        if self._types[f.key].collects != "pieces" or not state.pieces:
            return self._not_allowed(state, f, "undo")
        return Step(replace(state, pieces=state.pieces[:-1]), Event.ASKED, f.key)

    def append(self, state: FormState, field_key: str) -> Step:
        """Continue a long_text field after its existing text."""
        return self._set_pieces(state, field_key, "append")

    def replace(self, state: FormState, field_key: str) -> Step:
        """Start a long_text field over from empty (the old text stays until finish)."""
        return self._set_pieces(state, field_key, "replace")

    def back(self, state: FormState, field_key: str | None, *, item: int | None = None) -> Step:
        """Go back one question; while editing from the review, return to the review."""
        state = self._settled(state)
        on_review = field_key is None and state.cursor is None
        if not on_review and self._stale(state, field_key, item):
            return Step(state, Event.STALE, field_key)
        if field_key is not None and state.item_index > 0:
            return Step(replace(state, item_index=state.item_index - 1), Event.ASKED, field_key)
        if state.return_to_review:
            return Step(self._to_review(state), Event.REVIEW, field_key)
        asked = self.asked(state)
        index = asked.index(field_key) if field_key is not None else len(asked)
        if index == 0:
            return Step(state, Event.AT_FIRST, field_key)
        previous = asked[index - 1]
        return Step(self._enter(state, previous, last_item=True), Event.ASKED, previous)

    def edit(self, state: FormState, field_key: str) -> Step:
        """Ask one field from the review card, then come back to the review."""
        state = self._settled(state)
        on_review = state.cursor is None or state.return_to_review
        if not on_review or field_key not in {f.key for f in self.visible(state.values)}:
            return Step(state, Event.STALE, field_key)
        state = replace(
            state,
            return_to_review=True,
            pending=(),
            confirmed=False,
            prefilled=tuple(k for k in state.prefilled if k != field_key),
        )
        return Step(self._enter(state, field_key), Event.ASKED, field_key)

    def confirm(self, state: FormState) -> Step:
        """Confirm the review card if every visible field is complete and valid."""
        state = self._settled(state)
        if state.cursor is not None:
            return Step(state, Event.STALE)
        problems = self.problems(state)
        if problems:
            return Step(state, Event.INCOMPLETE, problems=problems)
        return Step(replace(state, confirmed=True), Event.CONFIRMED)

    # ---- internals -----------------------------------------------------------------

    def _check(self, f: FormField, value: Value, values: Mapping[str, Value]) -> FieldError | None:
        error = self._types[f.key].check(value, self._reading(f.key))
        validator = self.validators.get(f.key)
        if error is None and validator is not None:
            error = validator(
                value, self.result(FormState(self.form_key, {**values, f.key: value}))
            )
        return error

    def _settled(self, state: FormState) -> FormState:
        if state.form_key != self.form_key:
            raise ValueError(f"state of form {state.form_key!r} given to form {self.form_key!r}")
        if state.cursor is None:
            return state
        if state.cursor not in {f.key for f in self.visible(state.values)}:
            return self._to_review(state)  # the contest file changed under a saved state
        f = self._fields[state.cursor]
        items = f.items or 0
        listed = self._types[f.key].collects == "items"
        if listed and not (len(state.draft) == items > state.item_index >= 0):
            return self._enter(state, f.key)  # the list's length changed in the contest file
        return state

    def _partial(self, f: FormField, value: Value | None) -> bool:
        """Tell whether a list has items still to come (a value shorter than ``items``)."""
        listed = self._types[f.key].collects == "items"
        return listed and isinstance(value, list) and len(value) < (f.items or 0)

    def _stale(self, state: FormState, field_key: str | None, item: int | None = None) -> bool:
        """Tell whether a button was meant for another place than the cursor."""
        elsewhere = field_key is None or state.cursor != field_key
        return elsewhere or (item is not None and item != state.item_index + 1)

    def _enter(self, state: FormState, key: str, *, last_item: bool = False) -> FormState:
        f = self._fields[key]
        value = state.values.get(key)
        collects = self._types[key].collects
        pieces: tuple[str, ...] = (value,) if collects == "pieces" and value else ()
        draft: tuple[str, ...] = ()
        index = 0
        if collects == "items":
            items = f.items or 0
            old = [str(item) for item in value][:items] if isinstance(value, list) else []
            draft = (*old, *("",) * (items - len(old)))
            missing = next((i for i, item in enumerate(draft) if not item), None)
            index = missing if missing is not None else (items - 1 if last_item else 0)
        return replace(state, cursor=key, pieces=pieces, draft=draft, item_index=index)

    def _to_review(self, state: FormState) -> FormState:
        idle = {"pieces": (), "draft": (), "item_index": 0, "pending": ()}
        return replace(state, cursor=None, return_to_review=False, **idle)

    def _invalid(self, state: FormState, f: FormField, error: FieldError) -> Step:
        return Step(state, Event.INVALID, f.key, error)

    def _not_allowed(self, state: FormState, f: FormField, operation: str) -> Step:
        return self._invalid(state, f, FieldError("not_allowed", {"operation": operation}))

    def _skip(self, state: FormState, f: FormField) -> Step:
        if f.required:
            return self._invalid(state, f, FieldError("required"))
        values = {k: v for k, v in state.values.items() if k != f.key}
        step = self._advance(state, f, values)
        return replace(step, event=Event.SKIPPED) if step.event is Event.ADVANCED else step

    def _suggest(self, state: FormState, f: FormField, suggested: Suggested) -> Step:
        """Store a completed answer for the person to keep or retype; stay on the field."""
        error = self._check(f, suggested.value, state.values)
        if error:
            return self._invalid(state, f, error)
        values = {**state.values, f.key: suggested.value}
        return Step(replace(state, values=values), Event.SUGGESTED, f.key, suggested.error)

    def _accept(self, state: FormState, f: FormField, value: Value | FieldError) -> Step:
        if isinstance(value, FieldError):
            return self._invalid(state, f, value)
        error = self._check(f, value, state.values)
        if error:
            return self._invalid(state, f, error)
        return self._advance(state, f, {**state.values, f.key: value})

    def _advance(self, state: FormState, f: FormField, values: dict[str, Value]) -> Step:
        before = {v.key for v in self.visible(state.values)}
        shown = [v.key for v in self.visible(values)]
        state = replace(state, values=values, confirmed=False)
        if state.return_to_review:
            revealed = [k for k in shown if k not in before and k not in values]
            queue = [k for k in (*state.pending, *revealed) if k in shown and k != f.key]
            if not queue:
                return Step(self._to_review(state), Event.REVIEW, f.key)
            state = replace(state, pending=tuple(dict.fromkeys(queue[1:])))
            return Step(self._enter(state, queue[0]), Event.ADVANCED, f.key)
        later = shown[shown.index(f.key) + 1 :] if f.key in shown else []
        following = next((k for k in later if k not in state.prefilled), None)
        if following is None:
            return Step(self._to_review(state), Event.REVIEW, f.key)
        return Step(self._enter(state, following), Event.ADVANCED, f.key)

    def _add_piece(self, state: FormState, f: FormField, text: str) -> Step:
        piece = text.strip()
        if not piece:
            return self._invalid(state, f, FieldError("empty"))
        joined = "\n".join((*state.pieces, piece))
        if f.max_length is not None and len(joined) > f.max_length:
            error = FieldError("too_long", {"max": f.max_length, "actual": len(joined)})
            return self._invalid(state, f, error)
        return Step(replace(state, pieces=(*state.pieces, piece)), Event.APPENDED, f.key)

    def _take_item(self, state: FormState, f: FormField, item: str | FieldError) -> Step:
        if isinstance(item, FieldError):
            return self._invalid(state, f, item)
        draft = list(state.draft)
        draft[state.item_index] = item
        if state.item_index + 1 < len(draft):
            if not self._partial(f, state.values.get(f.key)) and f.key in state.values:
                # A complete list is replaced only when its last item is given: back
                # while editing cancels the edit.
                next_state = replace(state, draft=tuple(draft), item_index=state.item_index + 1)
                return Step(next_state, Event.NEXT_ITEM, f.key)
            given = list(draft)
            while given and not given[-1]:
                given.pop()
            values = {**state.values, f.key: given}
            next_state = replace(
                state, values=values, draft=tuple(draft), item_index=state.item_index + 1
            )
            return Step(next_state, Event.NEXT_ITEM, f.key)
        return self._accept(state, f, draft)

    def _set_pieces(self, state: FormState, field_key: str, mode: str) -> Step:
        state = self._settled(state)
        if self._stale(state, field_key):
            return Step(state, Event.STALE, field_key)
        f = self._fields[field_key]
        if self._types[f.key].collects != "pieces":
            return self._not_allowed(state, f, mode)
        value = state.values.get(f.key)
        pieces = (value,) if mode == "append" and isinstance(value, str) else ()
        return Step(replace(state, pieces=pieces), Event.ASKED, f.key)
