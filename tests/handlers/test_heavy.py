"""The heavy lane: exports and the reminder planning run one at a time, in the order they came."""

from __future__ import annotations

import asyncio
import inspect

from handlers import exports, heavy, reminders


async def test_a_heavy_job_waits_for_the_one_before_it():
    order: list[str] = []
    first_inside, release = asyncio.Event(), asyncio.Event()

    @heavy.one_at_a_time
    async def first() -> str:
        order.append("first in")
        first_inside.set()
        await release.wait()
        order.append("first out")
        return "first"

    @heavy.one_at_a_time
    async def second() -> str:
        order.append("second in")
        return "second"

    one = asyncio.create_task(first())
    await first_inside.wait()
    two = asyncio.create_task(second())
    for _ in range(5):  # let the second run as far as it can: it must stop at the lane
        await asyncio.sleep(0)
    assert order == ["first in"] and not two.done() and heavy.heavy_lane().locked()
    release.set()
    assert await asyncio.gather(one, two) == ["first", "second"]
    assert order == ["first in", "first out", "second in"]
    assert not heavy.heavy_lane().locked()


async def test_a_failed_job_leaves_the_lane_free():
    @heavy.one_at_a_time
    async def broken() -> None:
        raise ValueError("boom")

    try:
        await broken()
    except ValueError:
        pass
    assert not heavy.heavy_lane().locked()


def test_every_export_and_the_planning_go_through_the_lane():
    jobs = [
        exports.export_units, exports.export_cases, exports.export_documents,
        exports.export_stage_documents, reminders._write_batches,
    ]  # fmt: skip
    assert all(inspect.unwrap(job) is not job for job in jobs)
    assert all(inspect.iscoroutinefunction(inspect.unwrap(job)) for job in jobs)


async def test_an_export_started_behind_the_planning_says_what_it_waits_for():
    """/export's first progress message names the job before it, not a silent 0/3."""
    from handlers import console_bot
    from messages import render

    inside, release = asyncio.Event(), asyncio.Event()

    @heavy.one_at_a_time
    async def _write_batches() -> None:  # the reminder planning's name in the lane
        inside.set()
        await release.wait()

    assert heavy.running() is None and console_bot.export_waits_for() is None
    planning = asyncio.create_task(_write_batches())
    await inside.wait()
    assert heavy.running() == "_write_batches"
    behind = console_bot.export_waits_for()
    text = render("console_bot/export_progress.html", done=0, total=3, current="", queued=behind)
    assert "排在提醒生成之后" in text and "0/3" in text
    release.set()
    await planning
    assert heavy.running() is None
    quiet = render("console_bot/export_progress.html", done=0, total=3, current="", queued="")
    assert "排在" not in quiet


def test_every_heavy_job_has_its_own_words_while_an_export_waits():
    """Each job in the lane is named to an organizer whose /export waits behind it."""
    from handlers import console_bot

    jobs = [
        exports.export_units, exports.export_cases, exports.export_documents,
        exports.export_stage_documents, reminders._write_batches,
    ]  # fmt: skip
    assert {inspect.unwrap(job).__name__ for job in jobs} == set(console_bot._BEHIND)
