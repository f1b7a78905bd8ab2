"""Moments and durations as the bot says them: Beijing time, exact to the minute.

Word choices here are part of the domain's vocabulary (dates are what this product is
about), so the formats live next to the rules rather than in every template.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

_WEEKDAYS = "一二三四五六日"
BEIJING = ZoneInfo("Asia/Shanghai")


def local(moment: datetime, zone: ZoneInfo = BEIJING) -> datetime:
    """Return ``moment`` converted to ``zone``; naive moments are taken as UTC."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: pass timezone-aware moments")
    return moment.astimezone(zone)


def format_moment(moment: datetime, zone: ZoneInfo = BEIJING, *, year: bool = True) -> str:
    """Format a moment as 2024年7月15日（周一）23:59 in the contest's time zone."""
    here = local(moment, zone)
    day = f"{here.month}月{here.day}日（周{_WEEKDAYS[here.weekday()]}）{here:%H:%M}"
    return f"{here.year}年{day}" if year else day


def format_day(moment: datetime, zone: ZoneInfo = BEIJING) -> str:
    """Format the calendar day of a moment as 2024年7月15日."""
    here = local(moment, zone)
    return f"{here.year}年{here.month}月{here.day}日"


def format_date(day: date) -> str:
    """Format a calendar date (no time of day) as 2023年3月1日."""
    return f"{day.year}年{day.month}月{day.day}日"


def format_duration(span: timedelta) -> str:
    """Say how long a span is, to the coarsest two units: 2 天 3 小时, 5 小时 12 分钟."""
    seconds = max(int(span.total_seconds()), 0)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{days} 天 {hours} 小时" if hours else f"{days} 天"
    if hours:
        return f"{hours} 小时 {minutes} 分钟" if minutes else f"{hours} 小时"
    if minutes:
        return f"{minutes} 分钟"
    return "不到 1 分钟"


def format_remaining(deadline: datetime, now: datetime) -> str:
    """Say how long is left until ``deadline``: 还有 2 天 3 小时, or 已截止."""
    if now >= deadline:
        return "已截止"
    if deadline - now < timedelta(minutes=1):
        return "即将截止，不到 1 分钟"
    return f"还有 {format_duration(deadline - now)}"
