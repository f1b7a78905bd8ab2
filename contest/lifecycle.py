"""A case's lifecycle: what still stands between it and submission, and whether it may move.

Draft → submitted (only while a stage lets this case be edited, and only with no gaps) →
withdrawn to edit (back to draft, while the stage is open) → locked when the stage closes.
Cases marked as advancing reopen during a stage whose ``editing`` is ``advancing``.
Pure functions of the contest, the case's values, its evidence, its team and ``now``.

Decisions where the notice is silent:

* A draft may be written before the first editing stage opens (the online system opens
  on a given day; preparing the text earlier harms nobody); it can only be submitted once
  that stage is open. New cases can be started then too, and during a stage that lets
  every case be edited; never later.
* A stage is open while ``start <= now <= end`` (``contest.schedule``): with
  ``end = 23:59:59`` a submission at 23:59:58 is on time, one at 00:00:00 is late (and so
  is one a fraction of a second after 23:59:59).
* A submitted case is not edited in place: it is withdrawn (back to draft), edited and
  submitted again, all while its stage is open.
* A case counts as advancing when any Advancement row marks it (the organizer's mark
  after 文本评审); it may then be edited during a stage with ``editing = "advancing"``.
* At the close of a stage during which text could change (``editing`` not ``none``) the
  text of each concerned case is frozen as it stood submitted then (its last submission
  made by the close): every case for ``all``, the advancing ones for ``advancing``. A case
  withdrawn and not submitted again is frozen with its last submitted text; a case never
  submitted by then has nothing to freeze.
* A unit may start as many cases as ``rules.cases_per_account`` allows (no limit if unset).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from contest.definition import Contest, Editing, OfficialSystem, Stage
from contest.fields import FieldError, Value
from contest.forms import FormEngine, FormState, Validator
from contest.schedule import editing_open, next_editing_deadline
from contest.team import Member, team_problems
from contest.text import Hit, document_hits, document_words, unresolved

GAP_ORDER = ("missing_fields", "invalid_fields", "over_limit", "wording", "team", "reentry_barred")


@dataclass(frozen=True)
class Gap:
    """Something that keeps a case from being submitted, with what a template needs."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Completeness:
    """How far along a case's document is."""

    filled: int
    total: int
    words: int
    word_limit: int | None  # None: the notice sets no limit; 字数 is only counted
    per_field: dict[str, int]

    @property
    def percent(self) -> int:
        """Return the share of required fields filled, 0–100."""
        return round(100 * self.filled / self.total) if self.total else 100


def completeness(contest: Contest, values: Mapping[str, Any], *, now: datetime) -> Completeness:
    """Count the filled fields (as the form counts them) and the 字数 of a case's values."""
    engine = _engine(contest, now)
    # The values as the form reads them, counted by the form's own rule; not a whole start
    # (where to ask first): every typed paragraph of a draft is counted.
    state = FormState("case", values=engine.filled(values))
    filled, fields = engine.tally(state)
    per_field, total = document_words(values, contest.forms.case.fields)
    return Completeness(
        filled=filled,
        total=fields,
        words=total,
        word_limit=contest.rules.word_limit,
        per_field=per_field,
    )


def wording_hits(contest: Contest, values: Mapping[str, Any]) -> list[Hit]:
    """Return every restricted-word use in the checked fields, in form order."""
    return document_hits(values, contest.forms.case.fields, contest.rules.wording)


def barred_prize(contest: Contest, values: Mapping[str, Any]) -> str | None:
    """Return the earlier prize that bars this case from entering again, if any."""
    rule = contest.rules.originality
    if not values.get("reentered"):
        return None
    form_field = next((f for f in contest.forms.case.fields if f.key == "previous_prize"), None)
    choice = values.get("previous_prize")
    if form_field is None or choice is None:
        return None
    chosen = next((c.label for c in form_field.choices if c.key == choice), str(choice))
    if not rule.reentry_allowed or chosen in rule.barred_prizes:
        return chosen
    return None


def case_gaps(
    contest: Contest,
    *,
    values: Mapping[str, Any],
    evidence: Mapping[str, str],
    members: Sequence[Member],
    now: datetime,
) -> list[Gap]:
    """List what keeps this case from being submitted (empty: it may be submitted)."""
    engine = _engine(contest, now)
    state = engine.start(values=dict(values)).state
    gaps: list[Gap] = []
    review = engine.review(state)
    missing = [r.field.label for r in review if r.missing and r.field.required]
    invalid = [r.field.label for r in review if r.error and not r.missing]
    if missing:
        gaps.append(Gap("missing_fields", {"labels": missing}))
    if invalid:
        gaps.append(Gap("invalid_fields", {"labels": invalid}))
    _, total = document_words(values, contest.forms.case.fields)
    limit = contest.rules.word_limit
    if limit is not None and total > limit:
        gaps.append(Gap("over_limit", {"total": total, "limit": contest.rules.word_limit}))
    if contest.rules.wording.requires_evidence:
        open_hits = unresolved(wording_hits(contest, values), evidence)
        if open_hits:
            gaps.append(Gap("wording", {"phrases": [h.phrase for h in open_hits]}))
    deadline = contest.submission_stage.end
    problems = team_problems(members, contest.rules.team, deadline, zone=contest.zone)
    if problems:
        gaps.append(Gap("team", {"problems": problems}))
    prize = barred_prize(contest, values)
    if prize:
        gaps.append(Gap("reentry_barred", {"prize": prize}))
    return gaps


def open_stage(contest: Contest, now: datetime, *, advancing: bool) -> Stage | None:
    """Return the stage during which this case may be edited and submitted now, if any."""
    return editing_open(contest, now, advancing=advancing)


def next_deadline(contest: Contest, now: datetime, *, advancing: bool) -> Stage | None:
    """Return the stage whose end is this case's next editing deadline, if any."""
    return next_editing_deadline(contest, now, advancing=advancing)


def _engine(contest: Contest, now: datetime) -> FormEngine:
    return FormEngine(contest, "case", today=now.astimezone(contest.zone).date())


# ------------------------------------------------------------------ when a case may move


class Phase(StrEnum):
    """Where ``now`` falls among the stages during which one case may be edited."""

    BEFORE = "before"  # no such stage has opened yet: drafting only
    OPEN = "open"  # one is running: edit, submit, withdraw
    BETWEEN = "between"  # one has closed and another will open for this case
    CLOSED = "closed"  # none is left for this case: locked for good


@dataclass(frozen=True)
class Window:
    """The editing stages around ``now`` for one case."""

    phase: Phase
    stage: Stage | None  # OPEN: the running stage; BEFORE, BETWEEN: the next to open
    closed: Stage | None  # the last of this case's editing stages that has ended

    @property
    def is_open(self) -> bool:
        """Return True while a stage lets this case be edited and submitted."""
        return self.phase is Phase.OPEN


def _concerns(stage: Stage, advancing: bool) -> bool:
    return stage.editing is Editing.ALL or (stage.editing is Editing.ADVANCING and advancing)


def editing_window(contest: Contest, now: datetime, *, advancing: bool) -> Window:
    """Return where ``now`` falls among the stages that let this case be edited."""
    running = open_stage(contest, now, advancing=advancing)
    concerned = [s for s in contest.stages if _concerns(s, advancing)]
    closed = next((s for s in reversed(concerned) if s.end < now), None)
    if running is not None:
        return Window(Phase.OPEN, running, closed)
    upcoming = next((s for s in concerned if s.start > now), None)
    if upcoming is not None:
        return Window(Phase.BEFORE if closed is None else Phase.BETWEEN, upcoming, closed)
    return Window(Phase.CLOSED, None, closed)


class Refusal(StrEnum):
    """Why an action on a case is refused now."""

    SUBMITTED = "submitted"  # edit or submit a submitted case: withdraw it first
    NOT_SUBMITTED = "not_submitted"  # withdraw a draft
    NOT_OPEN = "not_open"  # the stage that allows it has not opened yet (window.stage)
    CLOSED = "closed"  # the stage that allowed it has closed (window.closed)
    LIMIT = "limit"  # the unit has as many cases as rules.cases_per_account allows


@dataclass(frozen=True)
class Verdict:
    """Whether an action may be taken now, and the window that says when."""

    refusal: Refusal | None
    window: Window

    @property
    def allowed(self) -> bool:
        """Return True if the action may be taken now."""
        return self.refusal is None


def _timing(window: Window) -> Refusal | None:
    if window.phase is Phase.CLOSED:
        return Refusal.CLOSED
    if window.phase is not Phase.OPEN:
        return Refusal.NOT_OPEN
    return None


def may_edit(contest: Contest, now: datetime, *, status: str, advancing: bool) -> Verdict:
    """Tell whether the case's text may be changed now (drafts only; early drafting is fine)."""
    window = editing_window(contest, now, advancing=advancing)
    if window.phase is Phase.BEFORE and status == "draft":
        return Verdict(None, window)
    refusal = _timing(window)
    if refusal is None and status != "draft":
        refusal = Refusal.SUBMITTED
    return Verdict(refusal, window)


def may_submit(contest: Contest, now: datetime, *, status: str, advancing: bool) -> Verdict:
    """Tell whether the case may be submitted now, its gaps aside (see case_gaps)."""
    window = editing_window(contest, now, advancing=advancing)
    refusal = _timing(window)
    if refusal is None and status != "draft":
        refusal = Refusal.SUBMITTED
    return Verdict(refusal, window)


def may_withdraw(contest: Contest, now: datetime, *, status: str, advancing: bool) -> Verdict:
    """Tell whether a submitted case may be taken back to draft now."""
    window = editing_window(contest, now, advancing=advancing)
    if status != "submitted":
        return Verdict(Refusal.NOT_SUBMITTED, window)
    return Verdict(_timing(window), window)


def may_change_team(contest: Contest, now: datetime, *, status: str, advancing: bool) -> Verdict:
    """Tell whether the case's team may change now: a draft's while its text may, a
    submitted case's under the rules for changes after submission (contest.team)."""
    if status == "submitted":
        return Verdict(None, editing_window(contest, now, advancing=advancing))
    return may_edit(contest, now, status=status, advancing=advancing)


def may_create(contest: Contest, now: datetime, *, existing: int = 0) -> Verdict:
    """Tell whether a unit with ``existing`` cases may start another now.

    New cases start before or during the submission stage, up to ``cases_per_account``.
    """
    window = editing_window(contest, now, advancing=False)
    refusal = None if window.phase is Phase.BEFORE else _timing(window)
    limit = contest.rules.cases_per_account
    if refusal is None and limit is not None and existing >= limit:
        refusal = Refusal.LIMIT
    return Verdict(refusal, window)


# ---------------------------------------------------------------- where a case stands


@dataclass(frozen=True)
class Standing:
    """Everything the case card, the case list and the to-do list say about one case."""

    status: str
    window: Window
    edit: Verdict
    completeness: Completeness
    gaps: list[Gap]
    hits: list[Hit]
    open_hits: list[Hit]
    aid: OfficialSystem | None = None  # the organizer's own system, where the bot only drafts
    marked: bool = False  # marked as submitted there (已在官网提交)

    @property
    def submitted(self) -> bool:
        """Return True if the case stands submitted."""
        return self.status == "submitted"

    @property
    def awaiting_official(self) -> bool:
        """Return True if submitted here but not yet marked as submitted in the official system."""
        return self.submitted and self.aid is not None and not self.marked

    @property
    def ready(self) -> bool:
        """Return True if a draft has no gaps left (it may be submitted while open)."""
        return not self.submitted and not self.gaps

    @property
    def gap_codes(self) -> list[str]:
        """Return the codes of the gaps, in order."""
        return [gap.code for gap in self.gaps]


def standing(
    contest: Contest,
    *,
    status: str,
    values: Mapping[str, Any],
    evidence: Mapping[str, str],
    members: Sequence[Member],
    advancing: bool,
    now: datetime,
    marked: bool = False,
) -> Standing:
    """Return where one case stands at ``now`` (``marked``: 已在官网提交)."""
    hits = wording_hits(contest, values)
    return Standing(
        status=status,
        window=editing_window(contest, now, advancing=advancing),
        edit=may_edit(contest, now, status=status, advancing=advancing),
        completeness=completeness(contest, values, now=now),
        gaps=case_gaps(contest, values=values, evidence=evidence, members=members, now=now),
        hits=hits,
        open_hits=unresolved(hits, evidence),
        aid=contest.drafting_aid,
        marked=marked or advancing,  # advancing: the organizer has it, so it was entered
    )


# ------------------------------------------------------------------- while drafting


def initial_values(
    contest: Contest, prefill: Mapping[str, object], *, now: datetime
) -> dict[str, Value]:
    """Return a new case's values: what the prefill sources give, normalized per field."""
    engine = _engine(contest, now)
    return engine.result(engine.start(prefill).state)


def values_in_progress(engine: FormEngine, state: FormState) -> dict[str, Value]:
    """Return the visible values as they stand, with the field being written as typed so far."""
    values: dict[str, Value] = dict(state.values)
    if state.cursor is not None:
        f = engine.form.field(state.cursor)
        collects = engine.field_type(f.key).collects
        if collects == "pieces" and state.pieces:
            values[f.key] = "\n".join(state.pieces)
        elif collects == "pieces":
            # A field with text is entered with that text as its first piece; no pieces
            # means 重写 was pressed: the old text no longer counts (it is kept until 完成).
            values.pop(f.key, None)
        elif collects == "items" and any(state.draft):
            values[f.key] = [item for item in state.draft if item]
    return {f.key: values[f.key] for f in engine.visible(values) if f.key in values}


@dataclass(frozen=True)
class WordCount:
    """字数 of one field and of the whole document against the limit."""

    field: int | None  # None: the field does not count towards the limit
    total: int
    limit: int | None  # None: the notice sets no limit

    @property
    def over(self) -> int:
        """Return by how many words the total exceeds the limit (0 if it does not)."""
        return max(self.total - self.limit, 0) if self.limit is not None else 0


def word_count(contest: Contest, values: Mapping[str, Any], field_key: str | None) -> WordCount:
    """Count the words of one field and of the document."""
    per_field, total = document_words(values, contest.forms.case.fields)
    return WordCount(per_field.get(field_key or ""), total, contest.rules.word_limit)


def field_hits(contest: Contest, values: Mapping[str, Any], field_key: str) -> list[Hit]:
    """Return the restricted-word uses in one field (ids as in the whole document)."""
    return [hit for hit in wording_hits(contest, values) if hit.field == field_key]


@dataclass(frozen=True)
class HitView:
    """A restricted-word use as shown: its sentence cut around the phrase, and its state."""

    hit: Hit
    before: str
    after: str
    resolved: bool


def hit_views(
    hits: Sequence[Hit], evidence: Mapping[str, str], *, width: int = 30
) -> list[HitView]:
    """Return the hits with up to ``width`` characters of their sentence either side."""
    views = []
    for hit in hits:
        offset = hit.sentence_start
        before = hit.sentence[: hit.start - offset]
        after = hit.sentence[hit.end - offset :]
        if len(before) > width:
            before = "…" + before[-width:]
        if len(after) > width:
            after = after[:width] + "…"
        resolved = bool((evidence.get(hit.hit_id) or "").strip())
        views.append(HitView(hit, before, after, resolved))
    return views


def find_hit(contest: Contest, values: Mapping[str, Any], hit_id: str) -> Hit | None:
    """Return the restricted-word use with this id in the current text, if it is still there."""
    return next((hit for hit in wording_hits(contest, values) if hit.hit_id == hit_id), None)


def reentry_validator(contest: Contest) -> Validator:
    """Return the check that refuses a re-entry which won a barred prize (一等奖、二等奖)."""
    rule = contest.rules.originality

    def check(value: Value, values: Mapping[str, Value]) -> FieldError | None:
        if barred_prize(contest, {**values, "reentered": True, "previous_prize": value}) is None:
            return None
        params = {"prizes": list(rule.barred_prizes), "rule": rule.rule_text}
        return FieldError("reentry_barred", params)

    return check


# ----------------------------------------------------------------- freezing the text


def freezes(stage: Stage, *, advancing: bool) -> bool:
    """Tell whether the close of ``stage`` freezes this case's submitted text."""
    return _concerns(stage, advancing)


def closed_editing_stages(contest: Contest, now: datetime) -> list[Stage]:
    """Return the stages that let text change and have closed by ``now``."""
    return [s for s in contest.stages if s.editing is not Editing.NONE and s.end < now]


def closing_editing_stages(contest: Contest, now: datetime) -> list[Stage]:
    """Return the stages that let text change and have not closed yet at ``now``."""
    return [s for s in contest.stages if s.editing is not Editing.NONE and s.end >= now]
