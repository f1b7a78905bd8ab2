"""A case's lifecycle: what still stands between it and submission, and whether it may move.

Draft → submitted (only while a stage lets this case be edited, and only with no gaps) →
withdrawn to edit (back to draft, while the stage is open) → locked when the stage closes.
Cases marked as advancing reopen during a stage whose ``editing`` is ``advancing``.
Pure functions of the contest, the case's values, its evidence, its team and ``now``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from contest.definition import Contest, Stage
from contest.forms import FormEngine
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
    word_limit: int
    per_field: dict[str, int]

    @property
    def percent(self) -> int:
        """Return the share of required fields filled, 0–100."""
        return round(100 * self.filled / self.total) if self.total else 100


def completeness(contest: Contest, values: Mapping[str, Any], *, now: datetime) -> Completeness:
    """Count filled required fields and 字数 of a case's values."""
    engine = _engine(contest, now)
    state = engine.start(values=dict(values)).state
    rows = [r for r in engine.review(state) if r.field.required]
    per_field, total = document_words(values, contest.forms.case.fields)
    return Completeness(
        filled=sum(1 for r in rows if not r.missing),
        total=len(rows),
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
    missing = [r.field.label for r in engine.review(state) if r.missing and r.field.required]
    invalid = [r.field.label for r in engine.review(state) if r.error and not r.missing]
    if missing:
        gaps.append(Gap("missing_fields", {"labels": missing}))
    if invalid:
        gaps.append(Gap("invalid_fields", {"labels": invalid}))
    _, total = document_words(values, contest.forms.case.fields)
    if total > contest.rules.word_limit:
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
