"""SQLite runs in the loop's thread: a locked database is waited for without blocking the loop."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from storage import inline_sqlite
from storage.db import create_engine


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
