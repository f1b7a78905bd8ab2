"""Moments and durations as the bot says them."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contest.timefmt import (
    BEIJING,
    format_day,
    format_duration,
    format_moment,
    format_remaining,
    local,
)


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text)


@pytest.mark.parametrize(
    ("moment", "said"),
    [
        ("2024-07-15T23:59:59+08:00", "2024年7月15日（周一）23:59"),
        ("2024-07-15T15:59:59+00:00", "2024年7月15日（周一）23:59"),
        ("2024-06-03T09:00:00+08:00", "2024年6月3日（周一）09:00"),
        ("2023-06-09T23:59:59+08:00", "2023年6月9日（周五）23:59"),
        ("2025-04-30T23:59:59+08:00", "2025年4月30日（周三）23:59"),
        ("2024-09-01T00:00:00+08:00", "2024年9月1日（周日）00:00"),
        ("2023-12-31T16:30:00+00:00", "2024年1月1日（周一）00:30"),
    ],
)
def test_format_moment(moment: str, said: str) -> None:
    """Beijing time, with the year, the weekday and the minute."""
    assert format_moment(_at(moment)) == said


def test_format_moment_without_year_and_in_another_zone() -> None:
    moment = _at("2024-07-15T23:59:59+08:00")
    assert format_moment(moment, year=False) == "7月15日（周一）23:59"
    assert format_moment(moment, ZoneInfo("UTC")) == "2024年7月15日（周一）15:59"


def test_format_day() -> None:
    assert format_day(_at("2024-07-15T23:59:59+08:00")) == "2024年7月15日"
    assert format_day(_at("2024-07-15T16:00:00+00:00")) == "2024年7月16日"


def test_naive_moments_are_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        format_moment(datetime(2024, 7, 15, 23, 59))
    with pytest.raises(ValueError, match="naive"):
        local(datetime(2024, 7, 15, 23, 59))


@pytest.mark.parametrize(
    ("span", "said"),
    [
        (timedelta(days=2, hours=3, minutes=10), "2 天 3 小时"),
        (timedelta(days=7), "7 天"),
        (timedelta(hours=5, minutes=12), "5 小时 12 分钟"),
        (timedelta(hours=3), "3 小时"),
        (timedelta(minutes=45, seconds=30), "45 分钟"),
        (timedelta(seconds=59), "不到 1 分钟"),
        (timedelta(0), "不到 1 分钟"),
        (timedelta(days=-1), "不到 1 分钟"),
    ],
)
def test_format_duration(span: timedelta, said: str) -> None:
    """The coarsest two units, rounded down."""
    assert format_duration(span) == said


@pytest.mark.parametrize(
    ("now", "said"),
    [
        ("2024-07-13T20:49:59+08:00", "还有 2 天 3 小时"),
        ("2024-07-15T18:47:59+08:00", "还有 5 小时 12 分钟"),
        ("2024-07-15T23:59:30+08:00", "即将截止，不到 1 分钟"),
        ("2024-07-15T23:59:59+08:00", "已截止"),
        ("2024-07-16T09:00:00+08:00", "已截止"),
    ],
)
def test_format_remaining(now: str, said: str) -> None:
    """How long until 文本申报 closes at 2024-07-15 23:59:59, or that it has closed."""
    assert format_remaining(_at("2024-07-15T23:59:59+08:00"), _at(now)) == said


_MOMENTS = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
)
_SAID = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日（周([一二三四五六日])）(\d\d):(\d\d)")


@given(_MOMENTS)
def test_format_moment_is_consistent(moment: datetime) -> None:
    """For any moment: the pattern holds and the weekday is that of the Beijing date."""
    said = format_moment(moment)
    found = _SAID.fullmatch(said)
    assert found
    here = moment.astimezone(BEIJING)
    assert (int(found[1]), int(found[2]), int(found[3])) == (here.year, here.month, here.day)
    assert "一二三四五六日".index(found[4]) == here.weekday()
    assert (int(found[5]), int(found[6])) == (here.hour, here.minute)
