"""Where the contest stands at a given moment: current stage, next deadline, what is open.

Pure functions of a :class:`~contest.definition.Contest` and ``now`` (timezone-aware).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from contest.definition import Contest, Editing, Stage, StageKind


class ContestPhase(StrEnum):
    """Where ``now`` falls relative to the stages."""

    BEFORE = "before"
    DURING = "during"
    BETWEEN = "between"
    AFTER = "after"


@dataclass(frozen=True)
class Position:
    """The contest's position at one moment."""

    phase: ContestPhase
    current: Stage | None
    upcoming: Stage | None
    next_deadline: Stage | None  # the next end of any stage (judging ones too)
    entrant_deadline: Stage | None = None  # the next end of a stage entrants edit or submit in
    entries_closed: Stage | None = None  # the submission stage, once it has ended


def _check(now: datetime) -> None:
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")


def position(contest: Contest, now: datetime) -> Position:
    """Return the current stage, the next stage to start and the next deadline at ``now``."""
    _check(now)
    stages = contest.stages
    current = next((s for s in stages if s.start <= now <= s.end), None)
    upcoming = next((s for s in stages if s.start > now), None)
    deadline = next((s for s in stages if s.end >= now), None)
    if current:
        phase = ContestPhase.DURING
    elif now < stages[0].start:
        phase = ContestPhase.BEFORE
    elif upcoming is None:
        phase = ContestPhase.AFTER
    else:
        phase = ContestPhase.BETWEEN
    entrant = next((s for s in stages if s.end >= now and s.editing is not Editing.NONE), None)
    submission = contest.submission_stage
    return Position(
        phase=phase,
        current=current,
        upcoming=upcoming,
        next_deadline=deadline,
        entrant_deadline=entrant,
        entries_closed=submission if submission.end < now else None,
    )


def stage_of_kind(contest: Contest, kind: StageKind, now: datetime) -> Stage | None:
    """Return the stage of ``kind`` that is running at ``now``, if any."""
    _check(now)
    return next((s for s in contest.stages if s.kind is kind and s.start <= now <= s.end), None)


def editing_open(contest: Contest, now: datetime, *, advancing: bool) -> Stage | None:
    """Return the stage that lets this case be edited and submitted at ``now``, if any."""
    _check(now)
    for stage in contest.stages:
        if not stage.start <= now <= stage.end:
            continue
        if stage.editing is Editing.ALL or (stage.editing is Editing.ADVANCING and advancing):
            return stage
    return None


def next_editing_deadline(contest: Contest, now: datetime, *, advancing: bool) -> Stage | None:
    """Return the next stage (running or to come) whose end closes editing for this case."""
    _check(now)
    for stage in contest.stages:
        if stage.end < now:
            continue
        if stage.editing is Editing.ALL or (stage.editing is Editing.ADVANCING and advancing):
            return stage
    return None
