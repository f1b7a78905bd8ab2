"""The fact notation of the question sets: expressions that name facts of a contest.

``resolve("stage:submission.end|moment", contest)`` returns the strings the rendered answer
must contain; the notation is described in ``tests/contest/questions/README.md``.
"""

from __future__ import annotations

import re
from typing import Any

from contest.definition import Contest
from contest.timefmt import format_day, format_moment

_STEP = re.compile(r"([^.\[\]]+)|\[(\d+|\*)\]")


def resolve(expression: str, contest: Contest) -> list[str]:
    """Return the strings an expression stands for in ``contest``; [] if it names nothing."""
    if expression.startswith("text:"):
        return [expression.removeprefix("text:")]
    path, _, how = expression.partition("|")
    rest = path
    values: list[Any] = [contest]
    if path.startswith("stage:"):
        kind, _, rest = path.removeprefix("stage:").partition(".")
        values = [s for s in contest.stages if s.kind == kind][:1]
    elif path.startswith("category:"):
        key, _, rest = path.removeprefix("category:").partition(".")
        values = [c for c in contest.categories if c.key == key]
    for name, index in _STEP.findall(rest):
        found: list[Any] = []
        for value in values:
            if name:
                found.append(value.get(name) if isinstance(value, dict) else getattr(value, name))
            elif index == "*":
                found.extend(value.values() if isinstance(value, dict) else value)
            elif value is not None and int(index) < len(value):
                found.append(value[int(index)])
        values = found
    values = [v for v in values if v is not None and v != "" and v != [] and v != {}]
    if how == "moment":
        return [format_moment(v, contest.zone) for v in values]
    if how == "day":
        return [format_day(v, contest.zone) for v in values]
    assert not how, f"unknown filter {how!r} in {expression!r}"
    # points are floats in the file (40.0) and said as the answer says them (40)
    return [str(int(v)) if isinstance(v, float) and v.is_integer() else str(v) for v in values]
