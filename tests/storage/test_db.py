"""The database layer: migrations, WAL, UTC round trips, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import inspect, text
from sqlmodel import SQLModel

from storage.db import (
    create_engine,
    migrate,
    normalize_url,
    session_factory,
    transaction,
    update_row,
    wrote,
)
from storage.forms import ensure_person_waiting
from storage.models import FormProgress, Person, Unit
from storage.people import account_of, ensure_person, get_person
from tests.db import POSTGRES_URL, database_url, wipe

pytestmark = pytest.mark.database


@pytest.fixture
async def engine(tmp_path):
    url = database_url(tmp_path)
    await wipe(url)
    engine = create_engine(url)
    await migrate(engine)
    yield engine
    await engine.dispose()


async def test_migrations_create_every_table(engine):
    async with engine.connect() as connection:
        tables = await connection.run_sync(lambda sync: set(inspect(sync).get_table_names()))
    assert set(SQLModel.metadata.tables) <= tables
    assert "alembic_version" in tables


async def test_migrating_twice_is_harmless(engine):
    await migrate(engine)


async def test_sqlite_file_uses_wal(tmp_path):
    if POSTGRES_URL:
        pytest.skip("SQLite only")
    engine = create_engine(f"sqlite:///{tmp_path / 'sub' / 'x.db'}")
    async with engine.connect() as connection:
        mode = (await connection.execute(text("PRAGMA journal_mode"))).scalar_one()
    await engine.dispose()
    assert mode == "wal"
    assert (tmp_path / "sub" / "x.db").exists()


def test_urls_map_to_async_drivers():
    assert normalize_url("postgres://u:p@h/db").startswith("postgresql+asyncpg://u:p@h/db")
    assert normalize_url("sqlite:///data/bot.db") == "sqlite+aiosqlite:///data/bot.db"


async def test_times_come_back_aware_in_utc(engine):
    sessions = session_factory(engine)
    beijing = timezone(timedelta(hours=8))
    moment = datetime(2024, 7, 15, 23, 59, 59, tzinfo=beijing)
    async with transaction(sessions) as session:
        unit = Unit(party_org="x", created_at=moment)
        session.add(unit)
    async with sessions() as session:
        stored = await session.get(Unit, unit.id)
    assert stored is not None
    assert stored.created_at == moment
    assert stored.created_at.tzinfo is not None
    assert stored.created_at.utcoffset() == timedelta(0)


async def test_naive_times_are_refused(engine):
    sessions = session_factory(engine)
    with pytest.raises(Exception, match="naive"):
        async with transaction(sessions) as session:
            session.add(Unit(party_org="x", created_at=datetime(2024, 1, 1)))  # noqa: DTZ001


async def test_large_telegram_ids_fit(engine):
    sessions = session_factory(engine)
    big = str(7_123_456_789)
    async with transaction(sessions) as session:
        await ensure_person(
            session, channel="telegram", external_id=big, chat_id=big, display_name="x"
        )
    async with sessions() as session:
        person = await get_person(session, channel="telegram", external_id=big)
        account = await account_of(session, person_id=person.id)
    assert isinstance(person, Person) and account.chat_id == big
    assert person.created_at <= datetime.now(UTC)


async def test_the_person_and_their_waiting_form_come_in_one_read(engine):
    sessions = session_factory(engine)
    moment = datetime(2024, 7, 1, 10, 0, tzinfo=UTC)
    sender = {"channel": "telegram", "external_id": "42", "display_name": "x"}
    async with transaction(sessions) as session:  # first contact: created, no form
        person, account, progress = await ensure_person_waiting(session, chat_id="1", **sender)
        assert person.id is not None and account.chat_id == "1" and progress is None
        person_id = person.id
    async with transaction(sessions) as session:  # known now, still no form
        person, _account, progress = await ensure_person_waiting(session, chat_id="1", **sender)
        assert person.id == person_id and progress is None
    async with transaction(sessions) as session:
        session.add_all(  # two active (a stray old one too), the newest paused
            [
                FormProgress(person_id=person_id, form_key="old", active=True, updated_at=moment),
                FormProgress(person_id=person_id, form_key="new", subject_id=7, active=True,
                             updated_at=moment + timedelta(minutes=1)),
                FormProgress(person_id=person_id, form_key="paused", active=False,
                             updated_at=moment + timedelta(minutes=2)),
            ]
        )  # fmt: skip
        found = await get_person(session, channel="telegram", external_id="42")
        assert found is not None
        found.unreachable = True
        session.add(found)
    async with transaction(sessions) as session:  # the newest active form; the chat noted
        person, account, progress = await ensure_person_waiting(session, chat_id="2", **sender)
        assert person.id == person_id and not person.unreachable
        assert progress is not None and (progress.form_key, progress.subject_id) == ("new", 7)
    async with sessions() as session:
        person = await get_person(session, channel="telegram", external_id="42")
        account = await account_of(session, person_id=person_id)
        assert person is not None and not person.unreachable and account.chat_id == "2"


async def test_a_row_updated_at_once_stays_in_step_with_the_session(engine):
    sessions = session_factory(engine)
    async with transaction(sessions) as session:
        unit = Unit(party_org="甲", recommending_unit="甲单位")
        await update_row(session, unit, {"party_org": "乙"})  # not stored yet: by its INSERT
    async with transaction(sessions) as session:
        unit = await session.get(Unit, unit.id)
        assert unit.party_org == "乙" and not wrote(session)
        await update_row(session, unit, {"party_org": "丙"})
        assert wrote(session)  # so the update being handled is marked applied with it
        assert unit.party_org == "丙" and not session.dirty  # as if loaded so
        unit.recommending_unit = "丙单位"  # a later flush writes what else changed
    async with sessions() as session:
        stored = await session.get(Unit, unit.id)
    assert (stored.party_org, stored.recommending_unit) == ("丙", "丙单位")
