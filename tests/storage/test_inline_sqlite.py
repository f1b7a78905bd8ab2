"""SQLite runs in the loop's thread: a locked database is waited for without blocking the loop;
inside ``off_loop`` the statements run in a worker thread."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path

import pytest
from sqlalchemy import text

from storage import inline_sqlite
from storage.db import create_engine, off_loop


async def _engine_with_table(tmp_path: Path):
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'lock.db'}")
    async with engine.begin() as connection:
        await connection.execute(text("CREATE TABLE tally (id INTEGER PRIMARY KEY, n INTEGER)"))
        await connection.execute(text("INSERT INTO tally VALUES (1, 0)"))
    return engine


async def test_a_writer_waits_for_the_lock_while_the_holder_finishes(tmp_path: Path) -> None:
    engine = await _engine_with_table(tmp_path)
    holding, release = asyncio.Event(), asyncio.Event()

    async def holder() -> None:
        async with engine.begin() as connection:
            await connection.execute(text("UPDATE tally SET n = n + 1 WHERE id = 1"))
            holding.set()
            await release.wait()  # the write lock is held across a pause of the loop

    async def waiter() -> None:
        await holding.wait()
        async with engine.begin() as connection:
            # this write finds the database locked: it must wait without blocking the
            # loop, or the holder could never be told to finish
            release_soon = asyncio.get_running_loop().call_soon(release.set)
            await connection.execute(text("UPDATE tally SET n = n + 10 WHERE id = 1"))
            release_soon.cancel()

    await asyncio.wait_for(asyncio.gather(holder(), waiter()), 20)
    async with engine.connect() as connection:
        assert (await connection.execute(text("SELECT n FROM tally"))).scalar_one() == 11
    await engine.dispose()


async def test_a_lock_held_too_long_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(inline_sqlite, "LOCK_WAIT", 0.01)
    engine = await _engine_with_table(tmp_path)
    async with engine.begin() as holding:
        await holding.execute(text("UPDATE tally SET n = 1 WHERE id = 1"))
        with pytest.raises(Exception) as raised:
            async with engine.begin() as connection:
                await connection.execute(text("UPDATE tally SET n = 2 WHERE id = 1"))
        assert isinstance(raised.value.__cause__ or raised.value, sqlite3.OperationalError)
        assert "locked" in str(raised.value)
    await engine.dispose()


async def test_statements_run_in_the_loops_thread(tmp_path: Path) -> None:
    engine = await _engine_with_table(tmp_path)
    async with engine.connect() as connection:
        raw = await connection.get_raw_connection()
        assert isinstance(raw.driver_connection, inline_sqlite.Connection)
        busy = await connection.exec_driver_sql("PRAGMA busy_timeout")
        assert busy.scalar_one() == 0
    await engine.dispose()


async def test_statements_inside_off_loop_leave_the_loop_free(tmp_path: Path) -> None:
    engine = await _engine_with_table(tmp_path)
    loop_ran = threading.Event()

    def waits_for_the_loop() -> int:
        # stands in for a long statement: done only once the loop has run a callback
        return int(loop_ran.wait(timeout=5))

    async with engine.connect() as connection:
        raw = await connection.get_raw_connection()
        await raw.driver_connection.create_function("waits_for_the_loop", 0, waits_for_the_loop)
        asyncio.get_running_loop().call_soon(loop_ran.set)
        with off_loop():
            result = await connection.exec_driver_sql("SELECT waits_for_the_loop()")
        assert result.scalar_one() == 1
        where = await connection.exec_driver_sql("SELECT n FROM tally")  # in place again
        assert where.scalar_one() == 0
    await engine.dispose()


async def test_a_cancelled_statement_off_loop_finishes_with_the_connection_first(
    tmp_path: Path,
) -> None:
    engine = await _engine_with_table(tmp_path)
    started, finish, finished = threading.Event(), threading.Event(), threading.Event()

    def slow() -> int:
        started.set()
        finish.wait(timeout=5)
        finished.set()
        return 1

    async with engine.connect() as connection:
        raw = await connection.get_raw_connection()
        await raw.driver_connection.create_function("slow", 0, slow)

        async def query() -> None:
            with off_loop():
                await connection.exec_driver_sql("SELECT slow()")

        task = asyncio.create_task(query())
        await asyncio.to_thread(started.wait, 5)
        task.cancel()
        for _ in range(100):  # the loop goes round: a task not waiting for the thread ends
            await asyncio.sleep(0)
        assert not task.done()  # it waits for the thread to let go of the connection
        finish.set()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert finished.is_set()
    await engine.dispose()
