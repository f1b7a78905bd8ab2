"""SQLite for the async engine, called in the event loop's own thread.

SQLAlchemy's ``sqlite+aiosqlite`` dialect hands every call (open a cursor, execute, fetch,
commit) to aiosqlite's worker thread and waits for the answer: four thread hops and a
wake-up of the loop per statement, for statements that take SQLite itself tens of
microseconds. This module is an aiosqlite-shaped connection (the ``async_creator`` of
``create_async_engine``) that runs them in place instead.

The one thing a thread bought was waiting for a lock without blocking the loop. Here
SQLite's own busy wait is off (``busy_timeout`` 0); a statement that finds the database
locked by another connection (reminder planning beside the updates, another process)
waits with ``asyncio.sleep`` and tries again, so the holder can finish meanwhile.

Work that reads much beside the users (reminder planning, exports, the totals of /status)
runs its statements in a worker thread instead, inside :func:`off_loop`: SQLite releases
the GIL while it steps, so the loop answers meanwhile, and each statement is a real pause
of the task, so the Python work between statements (building rows) comes in small slices.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

# How long a statement keeps retrying a locked database in all, and the first and the
# longest pause between tries (doubling in between).
LOCK_WAIT = 30.0
FIRST_PAUSE = 0.001
LONGEST_PAUSE = 0.05

# Pauses taken for a locked database since start (the benchmarks print it per update).
lock_waits = 0

_OFF_LOOP: ContextVar[bool] = ContextVar("sqlite_off_loop", default=False)
Result = TypeVar("Result")


@contextmanager
def off_loop() -> Iterator[None]:
    """Inside, run this task's SQLite statements in a worker thread (the loop stays free)."""
    token = _OFF_LOOP.set(True)
    try:
        yield
    finally:
        _OFF_LOOP.reset(token)


async def _call(call: Callable[[], Result]) -> Result:
    """Run ``call`` in place, or (inside :func:`off_loop`) in a worker thread.

    A cancelled caller still waits for the thread to finish with the connection, so that
    nobody uses it from two threads at once (the rollback after a cancel comes after).
    """
    if not _OFF_LOOP.get():
        return call()
    running = asyncio.ensure_future(asyncio.to_thread(call))
    try:
        return await asyncio.shield(running)
    except asyncio.CancelledError:
        while not running.done():
            try:
                await asyncio.wait([running])
            except asyncio.CancelledError:
                continue
        if not running.cancelled():
            running.exception()  # seen: the caller was cancelled, its outcome is moot
        raise


def _locked(error: sqlite3.OperationalError) -> bool:
    """Tell whether another connection holds the lock (waiting helps; a stale snapshot not)."""
    code = getattr(error, "sqlite_errorcode", None)
    if code is None:
        return "locked" in str(error)
    if code == getattr(sqlite3, "SQLITE_BUSY_SNAPSHOT", 517):
        return False
    return code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


async def _patiently(call: Callable[[], Any]) -> Any:
    """Run ``call``; while the database is locked, pause (letting the holder go on) and retry."""
    try:
        return await _call(call)
    except sqlite3.OperationalError as error:
        if not _locked(error):
            raise
    loop = asyncio.get_running_loop()
    give_up = loop.time() + LOCK_WAIT
    pause = FIRST_PAUSE
    global lock_waits
    while True:
        lock_waits += 1
        await asyncio.sleep(pause)
        try:
            return await _call(call)
        except sqlite3.OperationalError as error:
            if not _locked(error) or loop.time() >= give_up:
                raise
        pause = min(pause * 2, LONGEST_PAUSE)


class Cursor:
    """An aiosqlite-shaped cursor over a sqlite3 cursor."""

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    async def __aenter__(self) -> Cursor:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        self._cursor.close()

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value

    async def execute(self, operation: str, parameters: Any = ()) -> Cursor:
        await _patiently(lambda: self._cursor.execute(operation, parameters))
        return self

    async def executemany(self, operation: str, parameters: Iterable[Any]) -> Cursor:
        rows = list(parameters)
        await _patiently(lambda: self._cursor.executemany(operation, rows))
        return self

    async def fetchone(self) -> Any:
        return await _call(self._cursor.fetchone)

    async def fetchmany(self, size: int | None = None) -> Sequence[Any]:
        wanted = size if size is not None else self._cursor.arraysize
        return await _call(lambda: self._cursor.fetchmany(wanted))

    async def fetchall(self) -> Sequence[Any]:
        return await _call(self._cursor.fetchall)

    async def close(self) -> None:
        self._cursor.close()

    async def nextset(self) -> None:
        return None

    async def setinputsizes(self, *_sizes: Any) -> None:
        return None

    def setoutputsize(self, *_args: Any) -> None:
        return None


class _RunAtOnce:
    """Stands in for aiosqlite's request queue: SQLAlchemy puts (future, function) on it."""

    def put_nowait(self, item: tuple[asyncio.Future[Any], Callable[[], Any]]) -> None:
        future, function = item
        try:
            future.set_result(function())
        except Exception as error:  # the caller awaits the future and sees the error
            future.set_exception(error)


class Connection:
    """An aiosqlite-shaped connection over a sqlite3 connection, used in the loop's thread."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._conn = connection
        self._tx = _RunAtOnce()

    @property
    def _connection(self) -> sqlite3.Connection:
        return self._conn

    @property
    def isolation_level(self) -> str | None:
        return self._conn.isolation_level

    def cursor(self) -> Cursor:
        return Cursor(self._conn.cursor())

    async def execute(self, operation: str, parameters: Any = ()) -> Cursor:
        return await self.cursor().execute(operation, parameters)

    async def commit(self) -> None:
        await _patiently(self._conn.commit)

    async def rollback(self) -> None:
        self._conn.rollback()

    async def close(self) -> None:
        self._conn.close()

    def stop(self) -> None:
        self._conn.close()

    async def create_function(self, *args: Any, **kw: Any) -> None:
        self._conn.create_function(*args, **kw)


def creator(database: str) -> Callable[[], Any]:
    """Return the ``async_creator`` that opens ``database`` for the engine."""

    async def connect() -> Connection:
        connection = sqlite3.connect(database, check_same_thread=False)
        connection.execute("PRAGMA busy_timeout=0")
        return Connection(connection)

    return connect
