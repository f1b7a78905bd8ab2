"""Migration 0003 from the 0002 schema, and the console's storage: links, sessions, audit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import inspect, text

from storage.audit import list_events, record_event
from storage.db import create_engine, migrate, session_factory, transaction
from storage.logins import (
    create_console_session,
    create_login_token,
    find_console_session,
    find_login_token,
    take_login_token,
)
from storage.models import Person
from tests.db import database_url, wipe
from tests.storage.migrating import downgrade, upgrade

pytestmark = pytest.mark.database
NOW = datetime(2024, 7, 1, 2, 0, tzinfo=UTC)
TABLES = {"logintoken", "consolesession", "auditevent"}


def _tables(sync) -> set[str]:
    return set(inspect(sync).get_table_names())


async def test_0003_upgrades_a_0002_database_and_downgrades(tmp_path):
    url = database_url(tmp_path)
    await wipe(url)
    engine = create_engine(url)
    async with engine.begin() as connection:
        await upgrade(connection, "0002")
        assert not TABLES & await connection.run_sync(_tables)
        await connection.execute(
            text(
                "INSERT INTO person (display_name, name, title, office_phone, mobile, "
                "profile_done, is_organizer, reminders_muted, unreachable, created_at) "
                "VALUES ('a', '', '', '', '', false, true, false, false, '2024-07-01 00:00:00')"
            )
        )
    await migrate(engine)
    async with engine.begin() as connection:
        assert TABLES <= await connection.run_sync(_tables)
        await downgrade(connection, "0002")
        assert not TABLES & await connection.run_sync(_tables)
        assert (await connection.execute(text("SELECT count(*) FROM person"))).scalar_one() == 1
    await engine.dispose()


@pytest.fixture
async def sessions(tmp_path):
    url = database_url(tmp_path)
    await wipe(url)
    engine = create_engine(url)
    await migrate(engine)
    yield session_factory(engine)
    await engine.dispose()


async def test_a_link_is_stored_hashed_and_taken_once(sessions):
    async with transaction(sessions) as session:
        person = Person(is_organizer=True)
        session.add(person)
        await session.flush()
        token = await create_login_token(
            session, secret="s3cret", person_id=person.id, expires_at=NOW + timedelta(minutes=10),
            now=NOW,
        )  # fmt: skip
        assert token.token_hash != "s3cret" and len(token.token_hash) == 64
    async with transaction(sessions) as session:
        found = await find_login_token(session, secret="s3cret")
        assert found is not None and await find_login_token(session, secret="other") is None
        assert await take_login_token(session, token_id=found.id, now=NOW)
        assert not await take_login_token(session, token_id=found.id, now=NOW)
        row = await create_console_session(
            session, secret="cookie", csrf_token="c", person_id=person.id, now=NOW
        )
        assert (await find_console_session(session, secret="cookie")).id == row.id
        for number in range(3):
            await record_event(
                session, person_id=person.id, action="export", now=NOW + timedelta(minutes=number),
                detail={"kind": "units"},
            )  # fmt: skip
    async with sessions() as session:
        rows, total = await list_events(session, limit=2)
    assert total == 3 and [r.event.created_at for r in rows] == [
        NOW + timedelta(minutes=2), NOW + timedelta(minutes=1),
    ]  # fmt: skip
