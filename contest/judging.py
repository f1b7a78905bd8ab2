"""Judging rules, free of I/O: criteria, a judge's total, ranking, ties, proposals.

Scores are exact: a judge's score is a :class:`~decimal.Decimal` with at most one decimal
place, a case's score (the mean, or the trimmed mean) a :class:`~fractions.Fraction`, so two
cases tie only when their scores are equal, never because of rounding. Ranks are standard
competition ranks (1, 2, 2, 4): a tie is shown as a shared rank and never broken here; where
a tie straddles a quota's or a prize tier's cut, the proposal says so and leaves the choice
to the organizer.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum
from fractions import Fraction

from contest.definition import (
    AwardTier,
    Contest,
    Criterion,
    Ranking,
    Stage,
    StageJudging,
)

SINGLE = Criterion(key="score", name="", max=100)  # a stage without criteria: one 0–100 score


def criteria_for(judging: StageJudging, category: str) -> list[Criterion]:
    """Return what judges score in this category (one 0–100 score when the file names none)."""
    return judging.by_category.get(category) or judging.criteria or [SINGLE]


def maximum(criteria: Sequence[Criterion]) -> Decimal:
    """Return the highest total a judge can give."""
    return sum((_dec(c.max) * _dec(c.weight) for c in criteria), Decimal(0))


def scoring_open(stage: Stage, now: datetime) -> bool:
    """Tell whether scores may be given or changed: until the stage's end, that moment included."""
    return now <= stage.end


class ScoreProblem(StrEnum):
    """Why a typed score is refused (a template says it in words)."""

    NOT_A_NUMBER = "not_a_number"
    OUT_OF_RANGE = "out_of_range"
    TOO_PRECISE = "too_precise"


@dataclass(frozen=True)
class ParsedScore:
    """A typed score, or why it is refused."""

    value: Decimal | None = None
    problem: ScoreProblem | None = None


def parse_score(text: str, criterion: Criterion) -> ParsedScore:
    """Read a typed score ("85", "８５.５", "85分") for a criterion: 0 to its max, one decimal."""
    cleaned = unicodedata.normalize("NFKC", text).strip().removesuffix("分").strip()
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return ParsedScore(problem=ScoreProblem.NOT_A_NUMBER)
    if not value.is_finite():
        return ParsedScore(problem=ScoreProblem.NOT_A_NUMBER)
    if value < 0 or value > _dec(criterion.max):
        return ParsedScore(problem=ScoreProblem.OUT_OF_RANGE)
    if value != value.quantize(Decimal("0.1")):
        return ParsedScore(problem=ScoreProblem.TOO_PRECISE)
    return ParsedScore(value=value.quantize(Decimal("0.1")).normalize() + 0)


def quick_scores(criterion: Criterion) -> list[Decimal]:
    """Return the scores offered as buttons: from the max down, in steps of a tenth of it."""
    top = _dec(criterion.max)
    steps = range(10, 4, -1)
    values = [(top * Decimal(n) / 10).quantize(Decimal("1"), ROUND_HALF_UP) for n in steps]
    unique: list[Decimal] = []
    for value in values:
        if value not in unique:
            unique.append(value)
    return unique


def total(scores: Mapping[str, Decimal], criteria: Sequence[Criterion]) -> Decimal | None:
    """Return Σ weight × score, or None while a criterion is unscored."""
    if any(c.key not in scores for c in criteria):
        return None
    return sum((scores[c.key] * _dec(c.weight) for c in criteria), Decimal(0))


@dataclass(frozen=True)
class Aggregate:
    """A case's score from its judges' totals, and which totals the rule left out."""

    value: Fraction
    judges: int
    dropped: tuple[Decimal, ...] = ()


def aggregate(totals: Sequence[Decimal], judging: StageJudging) -> Aggregate | None:
    """Return the mean of the totals, or without the highest and lowest (trimmed, ≥ trim_from)."""
    if not totals:
        return None
    ordered = sorted(totals)
    kept, dropped = ordered, ()
    if judging.ranking is Ranking.TRIMMED_MEAN and len(ordered) >= judging.trim_from:
        kept, dropped = ordered[1:-1], (ordered[-1], ordered[0])
    value = sum((Fraction(t) for t in kept), Fraction(0)) / len(kept)
    return Aggregate(value, len(ordered), dropped)


def shown(value: Fraction | Decimal, places: int = 2) -> str:
    """Return a score as people read it: rounded half up to two places, no trailing zeros."""
    exact = (
        Decimal(value.numerator) / Decimal(value.denominator)
        if isinstance(value, Fraction)
        else value
    )
    rounded = exact.quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)
    text = format(rounded, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def points(value: object) -> str:
    """Return a score, maximum or weight as people read it (85, 85.5, 83.33)."""
    if isinstance(value, Fraction | Decimal):
        return shown(value)
    if isinstance(value, int | float):
        return shown(Decimal(str(value)))
    return str(value)


@dataclass(frozen=True)
class Entry:
    """One case to rank: its category and every confirmed judge's total."""

    case_id: int
    category: str
    totals: tuple[Decimal, ...]


@dataclass(frozen=True)
class Ranked:
    """A case's place in its category (None: no judge has scored it), and who shares it."""

    case_id: int
    category: str
    score: Aggregate | None
    rank: int | None
    tied_with: tuple[int, ...] = ()

    @property
    def tied(self) -> bool:
        """Tell whether another case has the same score."""
        return bool(self.tied_with)


def rank(entries: Iterable[Entry], judging: StageJudging) -> list[Ranked]:
    """Rank cases within each category by score, highest first; equal scores share a rank."""
    by_category: dict[str, list[tuple[Entry, Aggregate | None]]] = defaultdict(list)
    for entry in entries:
        by_category[entry.category].append((entry, aggregate(entry.totals, judging)))
    ranked: list[Ranked] = []
    for category in by_category:
        rows = by_category[category]
        scored = sorted(
            (r for r in rows if r[1] is not None), key=lambda r: (-r[1].value, r[0].case_id)
        )
        unscored = sorted((r for r in rows if r[1] is None), key=lambda r: r[0].case_id)
        groups: dict[Fraction, list[int]] = defaultdict(list)
        for entry, score in scored:
            assert score is not None
            groups[score.value].append(entry.case_id)
        place = 0
        previous: Fraction | None = None
        for index, (entry, score) in enumerate(scored, start=1):
            assert score is not None
            if score.value != previous:
                place, previous = index, score.value
            others = tuple(c for c in groups[score.value] if c != entry.case_id)
            ranked.append(Ranked(entry.case_id, category, score, place, others))
        ranked += [Ranked(entry.case_id, category, None, None) for entry, _ in unscored]
    return ranked


@dataclass
class Proposal:
    """What a ranking proposes: a tier per case ("" means it goes on), and the open ties.

    ``ties`` lists each group of tied cases a cut runs through: the cut would have to break
    the tie, so those cases are left out and the organizer decides.
    """

    chosen: dict[int, str] = field(default_factory=dict)
    ties: list[tuple[str, tuple[int, ...]]] = field(default_factory=list)  # (tier, cases)


def _cut(rows: Sequence[Ranked], first: int, last: int) -> tuple[list[int], list[int]]:
    """Return the cases placed first..last (a rank range) and the tie the last place cuts."""
    inside = [r.case_id for r in rows if r.rank is not None and first <= r.rank <= last]
    straddling = [
        r
        for r in rows
        if r.rank is not None and first <= r.rank <= last and r.rank + len(r.tied_with) > last
    ]
    tie = [r.case_id for r in straddling] if straddling else []
    if tie:
        inside = [c for c in inside if c not in tie]
        tie = [r.case_id for r in rows if r.rank == straddling[0].rank]
    return inside, tie


def _by_category(ranked: Sequence[Ranked]) -> dict[str, list[Ranked]]:
    groups: dict[str, list[Ranked]] = defaultdict(list)
    for row in ranked:
        groups[row.category].append(row)
    return groups


def _overall(ranked: Sequence[Ranked]) -> list[Ranked]:
    """Rank every category together (a quota or a tier counted in all)."""
    scored = sorted(
        (r for r in ranked if r.score is not None),
        key=lambda r: (-r.score.value if r.score else 0, r.case_id),
    )
    out: list[Ranked] = []
    place, previous = 0, None
    for index, row in enumerate(scored, start=1):
        assert row.score is not None
        if row.score.value != previous:
            place, previous = index, row.score.value
        same = tuple(
            r.case_id
            for r in scored
            if r.score is not None and r.score.value == row.score.value and r is not row
        )
        out.append(Ranked(row.case_id, "", row.score, place, same))
    return out


def propose_advancing(ranked: Sequence[Ranked], stage: Stage) -> Proposal:
    """Propose the top ``advance_per_category`` of each category (or ``advance_total`` in all)."""
    proposal = Proposal()
    if stage.advance_per_category:
        groups = list(_by_category(ranked).values())
        quota = stage.advance_per_category
    elif stage.advance_total:
        groups, quota = [_overall(ranked)], stage.advance_total
    else:
        return proposal
    for rows in groups:
        inside, tie = _cut(rows, 1, quota)
        proposal.chosen.update(dict.fromkeys(inside, ""))
        if tie:
            proposal.ties.append(("", tuple(tie)))
    return proposal


def propose_awards(ranked: Sequence[Ranked], tiers: Sequence[AwardTier]) -> Proposal:
    """Propose each case's prize tier from its place (ranks), or by count, in the file's order."""
    proposal = Proposal()
    categories = _by_category(ranked)
    taken: dict[str, int] = defaultdict(int)  # places given per group by count tiers
    for tier in tiers:
        if tier.ranks is not None:
            first, last = tier.ranks
            for rows in categories.values():
                inside, tie = _cut(rows, first, last)
                _give(proposal, tier.name, inside, tie)
        elif tier.count is not None:
            groups = {"": _overall(ranked)} if tier.per == "total" else dict(categories.items())
            for key, rows in groups.items():
                first = taken[f"{tier.per}:{key}"] + 1
                last = first + tier.count - 1
                inside, tie = _cut(rows, first, last)
                _give(proposal, tier.name, inside, tie)
                taken[f"{tier.per}:{key}"] = last
    return proposal


def _give(proposal: Proposal, tier: str, inside: list[int], tie: list[int]) -> None:
    for case_id in inside:
        proposal.chosen.setdefault(case_id, tier)
    open_tie = tuple(c for c in tie if c not in proposal.chosen)
    if open_tie:
        proposal.ties.append((tier, open_tie))


def _dec(value: float) -> Decimal:
    return Decimal(str(value))


def awarded_tiers(contest: Contest) -> list[AwardTier]:
    """Return the prize tiers a ranking can decide (by ranks or by count)."""
    return [t for t in contest.awards.tiers if t.ranks or t.count]
