"""Where a contest stands at fixed moments: before, during each stage, between, after."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from contest.definition import Contest, StageKind, load_contest
from contest.schedule import (
    ContestPhase,
    editing_open,
    next_editing_deadline,
    position,
    stage_of_kind,
)

ROOT = Path(__file__).resolve().parents[2]
CONTEST_FILES = sorted((ROOT / "contests").glob("*.toml"))


@pytest.fixture(scope="module")
def contest() -> Contest:
    return load_contest(ROOT / "contests" / "jianbing-2024.toml")


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text)


@pytest.mark.parametrize(
    ("now", "phase", "current", "upcoming", "deadline"),
    [
        ("2024-05-23T10:00:00+08:00", ContestPhase.BEFORE, None, "submission", "submission"),
        ("2024-06-03T08:59:59+08:00", ContestPhase.BEFORE, None, "submission", "submission"),
        ("2024-06-03T09:00:00+08:00", ContestPhase.DURING, "submission", "review", "submission"),
        ("2024-07-15T23:59:59+08:00", ContestPhase.DURING, "submission", "review", "submission"),
        ("2024-07-15T23:59:59.500+08:00", ContestPhase.BETWEEN, None, "review", "review"),
        ("2024-07-16T00:00:00+08:00", ContestPhase.DURING, "review", "coaching", "review"),
        ("2024-08-01T12:00:00+08:00", ContestPhase.DURING, "review", "coaching", "review"),
        ("2024-08-12T12:00:00+08:00", ContestPhase.DURING, "coaching", "final", "coaching"),
        ("2024-08-20T12:00:00+08:00", ContestPhase.BETWEEN, None, "final", "final"),
        ("2024-09-05T15:00:00+08:00", ContestPhase.DURING, "final", "provincial", "final"),
        ("2024-09-15T15:00:00+08:00", ContestPhase.BETWEEN, None, "provincial", "provincial"),
        ("2024-09-25T15:00:00+08:00", ContestPhase.DURING, "provincial", None, "provincial"),
        ("2024-10-01T00:00:00+08:00", ContestPhase.AFTER, None, None, None),
    ],
)
def test_position_at_fixed_moments(
    contest: Contest,
    now: str,
    phase: ContestPhase,
    current: str | None,
    upcoming: str | None,
    deadline: str | None,
) -> None:
    """The phase, current stage, next stage and next deadline at a given moment."""
    where = position(contest, _at(now))
    assert where.phase is phase
    assert (where.current.key if where.current else None) == current
    assert (where.upcoming.key if where.upcoming else None) == upcoming
    assert (where.next_deadline.key if where.next_deadline else None) == deadline


def test_same_moment_in_another_zone_gives_the_same_position(contest: Contest) -> None:
    """2024-07-15 15:59:59 UTC is 23:59:59 in Beijing: still within 文本申报."""
    assert position(contest, _at("2024-07-15T15:59:59+00:00")).current.key == "submission"
    assert position(contest, _at("2024-07-15T16:00:00+00:00")).current.key == "review"


def test_naive_now_is_refused(contest: Contest) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        position(contest, datetime(2024, 7, 1, 12, 0))


def test_stage_of_kind(contest: Contest) -> None:
    assert stage_of_kind(contest, StageKind.REVIEW, _at("2024-07-20T10:00:00+08:00")).key == (
        "review"
    )
    assert stage_of_kind(contest, StageKind.FINAL, _at("2024-07-20T10:00:00+08:00")) is None


@pytest.mark.parametrize(
    ("now", "advancing", "expected"),
    [
        ("2024-06-10T10:00:00+08:00", False, "submission"),
        ("2024-06-10T10:00:00+08:00", True, "submission"),
        ("2024-07-20T10:00:00+08:00", True, None),
        ("2024-08-12T10:00:00+08:00", True, "coaching"),
        ("2024-08-12T10:00:00+08:00", False, None),
        ("2024-05-01T10:00:00+08:00", False, None),
    ],
)
def test_editing_open(contest: Contest, now: str, advancing: bool, expected: str | None) -> None:
    """Everyone edits during 文本申报; only advancing cases during 专家辅导."""
    stage = editing_open(contest, _at(now), advancing=advancing)
    assert (stage.key if stage else None) == expected


@pytest.mark.parametrize(
    ("now", "advancing", "expected"),
    [
        ("2024-05-01T10:00:00+08:00", False, "submission"),
        ("2024-07-20T10:00:00+08:00", False, None),
        ("2024-07-20T10:00:00+08:00", True, "coaching"),
        ("2024-09-01T10:00:00+08:00", True, None),
    ],
)
def test_next_editing_deadline(
    contest: Contest, now: str, advancing: bool, expected: str | None
) -> None:
    stage = next_editing_deadline(contest, _at(now), advancing=advancing)
    assert (stage.key if stage else None) == expected


@pytest.mark.parametrize("path", CONTEST_FILES, ids=lambda p: p.stem)
def test_every_moment_of_every_contest_has_one_phase(path: Path) -> None:
    """Walking each shipped contest day by day: phases only move forward, never skip a stage."""
    contest = load_contest(path)
    order = [ContestPhase.BEFORE, ContestPhase.DURING, ContestPhase.BETWEEN, ContestPhase.AFTER]
    now = contest.stages[0].start - timedelta(days=3)
    seen: list[str] = []
    while now < contest.stages[-1].end + timedelta(days=3):
        where = position(contest, now)
        assert where.phase in order
        if where.current and (not seen or seen[-1] != where.current.key):
            seen.append(where.current.key)
        now += timedelta(hours=6)
    assert seen == [s.key for s in contest.stages]
    assert position(contest, now).phase is ContestPhase.AFTER
