"""Test databases: a fresh SQLite file per test, or a wiped PostgreSQL schema when
TEST_DATABASE_URL is set (CI runs the database-marked tests a second time that way)."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db import create_engine

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL") or None


def database_url(tmp_path: Path) -> str:
    """Return the URL of an empty database for one test."""
    if POSTGRES_URL:
        return POSTGRES_URL
    return f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"


async def wipe(url: str) -> None:
    """Drop every table of a shared PostgreSQL test database (SQLite files are fresh)."""
    if not POSTGRES_URL or url != POSTGRES_URL:
        return
    engine: AsyncEngine = create_engine(url)
    async with engine.begin() as connection:
        await connection.execute(text("DROP SCHEMA public CASCADE"))
        await connection.execute(text("CREATE SCHEMA public"))
    await engine.dispose()


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
