"""What a question says in numbers, days and times: "下周一", "7月20号", "晚上8点", "六个人".

Chinese numerals are read by cn2an ("七月十五号" → "7月15号"); days are read relative to the
moment the question is asked, in the contest's time zone. Pure: no I/O, no clock of its own.
"""

from __future__ import annotations

import re
import threading
import warnings
from datetime import date, datetime, time, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "末": 5}
RELATIVE_DAYS = {
    "明儿": 1,
    "后儿": 2,
    "今天": 0,
    "今日": 0,
    "今晚": 0,
    "明天": 1,
    "明日": 1,
    "明早": 1,
    "后天": 2,
    "大后天": 3,
}
_WEEKDAY = re.compile(r"(下下|下个|下|这个|这|本)?(?:周|星期|礼拜)([一二三四五六日天末1-7])")
# A week named without a day of it ("下周还能交吗", "这礼拜"), and holidays of fixed dates
_WEEK = re.compile(r"(下下|下个|下|上个|上|这个|这|本)(?:周|星期|礼拜)(?![一二三四五六日天末1-7])")
WEEKS = {"下下": 14, "下个": 7, "下": 7, "上个": -7, "上": -7, "这个": 0, "这": 0, "本": 0}
HOLIDAYS = {"五一": ((5, 1), (5, 5)), "国庆": ((10, 1), (10, 7)), "元旦": ((1, 1), (1, 1))}
_HOLIDAY = re.compile("|".join(HOLIDAYS))
_BEFORE = re.compile(r"[^，,。？?\s]{0,2}?(之前|以前|前(?!天))")
_AFTER = re.compile(r"[^，,。？?\s]{0,2}?(之后|以后|过后|后(?!天))")
_MONTH_DAY = re.compile(r"(\d{1,2})月(\d{1,2})(?:日|号)?")
_DAY_ONLY = re.compile(r"(?<![\d月])(\d{1,2})(?:日|号)")
# "5.1交", "4/30前": a month and a day written with a dot or a slash (not 3.5分, not 1.5万)
_DOTTED_DAY = re.compile(
    r"(?<![\d./])(1[0-2]|0?[1-9])[./](3[01]|[12]\d|0?[1-9])(?![\d./%万千百分元个倍])"
)
_RELATIVE = re.compile("|".join(sorted(RELATIVE_DAYS, key=len, reverse=True)))
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_PEOPLE = re.compile(r"(\d+)\s*(?:个人|个队员|个成员|人|位|名)")


@cache
def _cn2an() -> Any:
    """Return cn2an (imported on first use)."""
    import cn2an

    return cn2an


_FILTERS = threading.Lock()


def with_digits(text: str) -> str:
    """Return the text with its Chinese numerals written in digits ("三千字" → "3000字")."""
    try:
        # catch_warnings swaps the process's warning filters: questions are matched in worker
        # threads, so one at a time, or two would restore each other's filters wrongly
        with _FILTERS, warnings.catch_warnings():
            # cn2an warns before it raises on a lone unit ("万"); under -W error that warning
            # would escape as an exception of its own
            warnings.simplefilter("ignore", UserWarning)
            return str(_cn2an().transform(text, "cn2an"))
    except (ValueError, KeyError, IndexError):  # cn2an refuses some odd mixes: keep the text
        return text


def dotted_days(text: str) -> str:
    """Return the text with a day written "5.1" or "4/30" written "5月1号", "4月30号"."""
    return _DOTTED_DAY.sub(r"\1月\2号", text)


def named_day(text: str, now: datetime, zone: ZoneInfo) -> date | None:
    """Return the day the question names ("下周一", "明天", "7月20号", "5.1"), or None."""
    today = now.astimezone(zone).date()
    digits = with_digits(dotted_days(text))
    if (m := _RELATIVE.search(text)) is not None:
        return today + timedelta(days=RELATIVE_DAYS[m.group(0)])
    if (m := _WEEKDAY.search(text)) is not None:
        which, day = m.groups()
        weekday = WEEKDAYS[day] if day in WEEKDAYS else int(day) - 1
        monday = today - timedelta(days=today.weekday())
        if which in ("下", "下个"):
            return monday + timedelta(days=7 + weekday)
        if which == "下下":
            return monday + timedelta(days=14 + weekday)
        this_week = monday + timedelta(days=weekday)
        return this_week if this_week >= today or which else this_week + timedelta(days=7)
    if (m := _MONTH_DAY.search(digits)) is not None:
        return _nearest(today, int(m.group(1)), int(m.group(2)))
    if (m := _DAY_ONLY.search(digits)) is not None:
        return _nearest(today, today.month, int(m.group(1)))
    return None


def named_days(text: str, now: datetime, zone: ZoneInfo) -> tuple[date, date] | None:
    """Return the first and last day of a stretch the question names ("下周", "五一"), or None.

    A week runs Monday to Sunday; a holiday is read in the year that puts it nearest to now.
    Before a stretch ("五一前", "下周之前") is its eve, after it ("五一后") the day after its
    last, one day each. A single day ("下周一", "明天")
    is :func:`named_day`'s.
    """
    today = now.astimezone(zone).date()
    stretch: tuple[date, date] | None = None
    if (m := _WEEK.search(text)) is not None:
        monday = today - timedelta(days=today.weekday()) + timedelta(days=WEEKS[m.group(1)])
        stretch = monday, monday + timedelta(days=6)
    elif (m := _HOLIDAY.search(text)) is not None:
        (month, day), (last_month, last_day) = HOLIDAYS[m.group(0)]
        first = _nearest(today, month, day)
        stretch = (first, date(first.year, last_month, last_day)) if first is not None else None
    if m is None or stretch is None:
        return None
    if _BEFORE.match(text, m.end()):
        eve = stretch[0] - timedelta(days=1)
        return eve, eve
    if _AFTER.match(text, m.end()):
        morrow = stretch[1] + timedelta(days=1)
        return morrow, morrow
    return stretch


_CLOCK = re.compile(
    r"(早上|早晨|上午|中午|下午|傍晚|晚上|夜里|今晚|明晚|晚)?(\d{1,2})(?:点|时|:|：)(半|\d{1,2})?"
)


def named_time(text: str) -> time | None:
    """Return the time of day the question names ("晚上8点", "17:30", "下午五点半"), or None."""
    clock = _clock(text)
    return clock[0] if clock is not None else None


def clock_readings(text: str) -> tuple[time, ...]:
    """Return the times of day the question's clock can mean: "六点" is 6:00 or 18:00.

    A clock said with its part of the day ("下午五点半", "早上8点") or past 12 has one reading;
    none, no reading.
    """
    clock = _clock(text)
    if clock is None:
        return ()
    moment, part_said = clock
    if not part_said and 1 <= moment.hour < 12:
        return moment, moment.replace(hour=moment.hour + 12)
    return (moment,)


def _clock(text: str) -> tuple[time, bool] | None:
    """Return the clock the text names and whether its part of the day was said, or None."""
    m = _CLOCK.search(with_digits(text))
    if m is None:
        return None
    part, hour, minute = m.group(1), int(m.group(2)), m.group(3)
    minutes = 30 if minute == "半" else int(minute or 0)
    night = part in ("晚上", "夜里", "今晚", "明晚", "晚")
    if night and hour == 12 and not minutes:
        return time(23, 59), True  # "今晚12点": the day's last minute, not noon
    if (night or part in ("下午", "傍晚")) and hour < 12:
        hour += 12
    return (time(hour, minutes), part is not None) if hour < 24 and minutes < 60 else None


def _nearest(today: date, month: int, day: int) -> date | None:
    """Return the month and day in the year that puts it closest to today."""
    candidates = []
    for year in (today.year - 1, today.year, today.year + 1):
        try:
            candidates.append(date(year, month, day))
        except ValueError:
            continue
    return min(candidates, key=lambda d: abs((d - today).days), default=None)


def numbers(text: str) -> list[float]:
    """Return every number the text names, Chinese numerals included."""
    return [float(n) for n in _NUMBER.findall(with_digits(text))]


def people(text: str) -> list[int]:
    """Return the head counts the text names ("六个人", "5人")."""
    return [int(n) for n in _PEOPLE.findall(with_digits(text))]
