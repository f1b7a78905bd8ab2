"""One heavy job at a time: the exports and the reminder planning take turns.

Each of them streams in small batches and keeps the event loop free, but each also holds its
own working set (an open workbook or zip, a batch of units and their cases) for as long as it
runs, and each takes a core from the people being answered. In one lane, a job waits for the
one before it (a file of an export, or the whole planning), in the order they came: a
reminder is at most one export file late. Measured beside 20 users (benchmarks/README.md,
session 15): over 60 s the bot's peak fell from 171 to 135–137 MiB and the users' p95 from
285 to 124 ms; over 180 s the export's documents zip still took it to 168 MiB.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable
from typing import ParamSpec, TypeVar
from weakref import WeakKeyDictionary

Params = ParamSpec("Params")
Result = TypeVar("Result")

_LANES: WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = WeakKeyDictionary()
_RUNNING: WeakKeyDictionary[asyncio.AbstractEventLoop, str] = WeakKeyDictionary()


def heavy_lane() -> asyncio.Lock:
    """Return the running loop's lane (a lock belongs to one loop; tests run many)."""
    loop = asyncio.get_running_loop()
    lane = _LANES.get(loop)
    if lane is None:
        lane = _LANES[loop] = asyncio.Lock()
    return lane


def one_at_a_time(
    job: Callable[Params, Awaitable[Result]],
) -> Callable[Params, Awaitable[Result]]:
    """Run ``job`` in the heavy lane: after the heavy jobs before it, before those after."""

    @functools.wraps(job)
    async def in_lane(*args: Params.args, **kwargs: Params.kwargs) -> Result:
        async with heavy_lane():
            loop = asyncio.get_running_loop()
            _RUNNING[loop] = job.__name__
            try:
                return await job(*args, **kwargs)
            finally:
                _RUNNING.pop(loop, None)

    return in_lane


def running() -> str | None:
    """Return the name of the heavy job in the lane now (``remind_due`` …), or None.

    A job about to start behind it waits: /export says so rather than standing at 0/3.
    """
    return _RUNNING.get(asyncio.get_running_loop())
