"""The database: engine, sessions, and migrations applied at start.

SQLite (a file, in WAL mode) by default; PostgreSQL when ``DATABASE_URL`` says so
(``postgresql+asyncpg://…``). Nothing here runs at import time.
"""

from __future__ import annotations

import fcntl
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Table, bindparam, event, inspect, text, update
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import ORMExecuteState
from sqlalchemy.orm import Session as SyncSession
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.sql.dml import Update
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import inline_sqlite

MIGRATIONS = Path(__file__).parent / "migrations"

SessionFactory = async_sessionmaker[AsyncSession]

# What a writing transaction records with its effect, inside it: the update being handled
# marks itself applied (storage/inbox.py sets this around the handling of one update).
EffectHook = Callable[[AsyncSession], Awaitable[None]]
EFFECT_HOOK: ContextVar[EffectHook | None] = ContextVar("effect_hook", default=None)
_WROTE = "wrote"  # session.info key: this session flushed rows or ran an INSERT/UPDATE/DELETE

# ``with off_loop():`` around long reads beside the users (reminder planning, exports,
# /status): on SQLite their statements run in a worker thread (inline_sqlite.off_loop).
off_loop = inline_sqlite.off_loop


def normalize_url(url: str) -> str:
    """Map plain postgres:// and sqlite:// URLs onto their async drivers."""
    parsed = make_url(url)
    driver = {
        "postgres": "postgresql+asyncpg",
        "postgresql": "postgresql+asyncpg",
        "sqlite": "sqlite+aiosqlite",
    }.get(parsed.drivername, parsed.drivername)
    return parsed.set(drivername=driver).render_as_string(hide_password=False)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    # SQLite's own busy wait would block the event loop (the connection runs in the loop's
    # thread): a writer that finds the lock taken waits in inline_sqlite instead, yielding.
    cursor.execute("PRAGMA busy_timeout=0")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def create_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    """Create the async engine for ``url``; a SQLite file's folder is created if missing."""
    url = normalize_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(
            url, echo=echo, async_creator=inline_sqlite.creator(parsed.database or ":memory:")
        )
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    return create_async_engine(url, echo=echo, pool_pre_ping=True)


def _note_flush(session: SyncSession, _context: Any) -> None:
    session.info[_WROTE] = True


def _note_statement(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[_WROTE] = True


def session_factory(engine: AsyncEngine) -> SessionFactory:
    """Return a factory of sessions whose objects stay usable after commit."""
    factory = async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
    sync_class = factory.kw.get("sync_session_class", AsyncSession.sync_session_class)
    if not event.contains(sync_class, "after_flush", _note_flush):
        event.listen(sync_class, "after_flush", _note_flush)
        event.listen(sync_class, "do_orm_execute", _note_statement)
    return factory


def wrote(session: AsyncSession) -> bool:
    """Tell whether this session wrote anything (flushed rows or ran a DML statement)."""
    sync = session.sync_session
    return bool(sync.info.get(_WROTE) or sync.new or sync.dirty or sync.deleted)


# Per table and columns written: the UPDATE of one row by id, built once (see update_row).
_ROW_UPDATES: dict[tuple[str, tuple[str, ...]], Update] = {}


def _row_update(table: Table, columns: tuple[str, ...]) -> Update:
    statement = _ROW_UPDATES.get((table.name, columns))
    if statement is None:
        statement = _ROW_UPDATES[(table.name, columns)] = (
            update(table)
            .where(table.c.id == bindparam("row_id"))
            .values({table.c[column]: bindparam(f"new_{column}") for column in columns})
        )
    return statement


async def update_row(session: AsyncSession, row: Any, values: dict[str, Any]) -> None:
    """Write these columns of a stored row, and set them on it as written.

    One UPDATE by id, built once per table and columns, on the session's connection: the
    ORM's flush (its unit of work, the statement keyed anew) cost ≈0.3 ms of CPU for each
    typed form answer's two rows. The row is left as if loaded with these values, so a later
    flush writes only what else changed on it. A row not stored yet is only given the values
    (its INSERT, at the next flush, carries them).
    """
    state = inspect(row)
    if not state.persistent:
        for column, value in values.items():
            setattr(row, column, value)
        session.add(row)
        return
    columns = tuple(values)
    statement = _row_update(state.mapper.local_table, columns)
    connection = await session.connection()
    await connection.execute(
        statement, {"row_id": row.id, **{f"new_{column}": values[column] for column in columns}}
    )
    for column, value in values.items():
        set_committed_value(row, column, value)
    session.sync_session.info[_WROTE] = True


@asynccontextmanager
async def transaction(sessions: SessionFactory) -> AsyncIterator[AsyncSession]:
    """Open a session, commit on success, roll back on error.

    While an update is handled (``EFFECT_HOOK`` set), a transaction that wrote records the
    update with its effect before it commits: both or neither.
    """
    async with sessions() as session, session.begin():
        yield session
        hook = EFFECT_HOOK.get()
        if hook is not None and wrote(session):
            await hook(session)


@asynccontextmanager
async def reading(sessions: SessionFactory) -> AsyncIterator[AsyncConnection]:
    """Open a connection for a few reads, without an ORM session (nothing is written).

    A session's unit of work, begun and committed around one Core statement, cost ≈0.1 ms
    of CPU: reads on every update that need no ORM objects run here instead.
    """
    engine: AsyncEngine = sessions.kw["bind"]
    async with engine.connect() as connection:
        yield connection


class AnotherInstance(RuntimeError):
    """A second bot process on one SQLite file: SQLite runs a single instance."""


def hold_single_instance(url: str) -> IO[bytes] | None:
    """Lock a SQLite database for this process (None: not SQLite, nothing to hold).

    Several instances need PostgreSQL: their outbox leases, leader lock and shared pace live
    there. A second process on the same SQLite file gets AnotherInstance, saying so.
    """
    parsed = make_url(normalize_url(url))
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    path = Path(f"{parsed.database}.instance")
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = path.open("ab")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise AnotherInstance(
            f"another bot process already uses the SQLite database {parsed.database}; "
            "SQLite runs a single instance: stop the other one, or use PostgreSQL "
            "(DATABASE_URL=postgresql+asyncpg://…) to run several"
        ) from None
    return handle


def _alembic_config(connection: Connection) -> Any:
    from alembic.config import Config  # alembic (≈1 s, ≈10 MiB) only when a migration runs

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def _upgrade(connection: Connection, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(_alembic_config(connection), revision)


_REVISION = re.compile(r"^revision(?::[^=]*)?=\s*[\"']([^\"']+)[\"']", re.MULTILINE)
_DOWN = re.compile(r"^down_revision(?::[^=]*)?=(.*)$", re.MULTILINE)


def shipped_heads() -> set[str]:
    """Return the newest migration(s) shipped with the code, read without importing alembic."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        found, down = _REVISION.search(source), _DOWN.search(source)
        if found is None:
            continue
        revisions.add(found.group(1))
        if down is not None:
            parents.update(re.findall(r"[\"']([^\"']+)[\"']", down.group(1).split("#")[0]))
    return revisions - parents


def current_heads(connection: Connection) -> set[str]:
    """Return the revision(s) the database carries (none before the first migration)."""
    if not inspect(connection).has_table("alembic_version"):
        return set()
    rows = connection.execute(text("SELECT version_num FROM alembic_version"))
    return {row[0] for row in rows}


async def migrate(engine: AsyncEngine, revision: str = "head") -> None:
    """Bring the schema to the newest migration (or to ``revision``, for migration tests).

    A database already at the newest migration is left alone without importing alembic.
    """
    if revision == "head":
        async with engine.connect() as connection:
            if await connection.run_sync(current_heads) == shipped_heads():
                return
    if engine.dialect.name != "sqlite":
        async with engine.begin() as connection:
            await connection.run_sync(_upgrade, revision)
        return
    # SQLite rebuilds a table to alter it (alembic's batch mode); with foreign keys on, the
    # rows that point at the rebuilt table would stop it. The pragma only takes effect
    # outside a transaction, so it is set before the migration's transaction begins.
    async with engine.connect() as connection:
        await connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        await connection.commit()
        try:
            async with connection.begin():
                await connection.run_sync(_upgrade, revision)
        finally:
            await connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            await connection.commit()
