"""Test databases: a fresh SQLite file per test, or a wiped PostgreSQL schema when
TEST_DATABASE_URL is set (CI runs the database-marked tests a second time that way)."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from storage.db import create_engine


def _worker_database(url: str | None) -> str | None:
    """Return the PostgreSQL URL for this xdist worker: its own database beside the given one."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not url or not worker:
        return url
    parsed = make_url(url)
    return parsed.set(database=f"{parsed.database}_{worker}").render_as_string(hide_password=False)


BASE_POSTGRES_URL = os.environ.get("TEST_DATABASE_URL") or None
POSTGRES_URL = _worker_database(BASE_POSTGRES_URL)


def database_url(tmp_path: Path) -> str:
    """Return the URL of an empty database for one test."""
    if POSTGRES_URL:
        return POSTGRES_URL
    return f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"


async def wipe(url: str) -> None:
    """Drop every table of a shared PostgreSQL test database (SQLite files are fresh)."""
    if not POSTGRES_URL or url != POSTGRES_URL:
        return
    if POSTGRES_URL != BASE_POSTGRES_URL:
        await _create_if_missing(POSTGRES_URL)
    engine: AsyncEngine = create_engine(url)
    async with engine.begin() as connection:
        await connection.execute(text("DROP SCHEMA public CASCADE"))
        await connection.execute(text("CREATE SCHEMA public"))
    await engine.dispose()


async def _create_if_missing(url: str) -> None:
    """Create a worker's database on the server of TEST_DATABASE_URL the first time."""
    name = make_url(url).database
    server = create_async_engine(BASE_POSTGRES_URL or url, isolation_level="AUTOCOMMIT")
    async with server.connect() as connection:
        found = await connection.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
        )
        if found.scalar() is None:
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
    await server.dispose()


async def telegram_person(session, telegram_id: int):
    """Return the person behind a Telegram user id (through their account)."""
    from storage.people import get_person

    person = await get_person(session, channel="telegram", external_id=str(telegram_id))
    assert person is not None, f"no person for Telegram user {telegram_id}"
    return person


def telegram_account(person_id: int, telegram_id: int, **extra):
    """Return the Telegram account row of a person (chat id = user id, as in private chats)."""
    from storage.models import Account

    return Account(
        person_id=person_id,
        channel="telegram",
        external_id=str(telegram_id),
        chat_id=str(telegram_id),
        **extra,
    )
