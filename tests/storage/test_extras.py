"""Form fields a contest adds: migration 0004 from the 0002 schema, and the stored values."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, text

from storage.db import create_engine, migrate, session_factory, transaction
from storage.extras import save_person_extra, save_unit_extra
from storage.models import Case, Person, Unit
from storage.team import MemberDetails, add_member, form_values, list_members
from tests.db import database_url, wipe
from tests.storage.migrating import downgrade, upgrade

pytestmark = pytest.mark.database


async def test_0004_adds_extra_to_an_0002_database_with_rows(tmp_path):
    url = database_url(tmp_path)
    await wipe(url)
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await upgrade(connection, "0002")
            await connection.execute(
                text(
                    "INSERT INTO unit (party_org, recommending_unit, submitter_key, status,"
                    " registered, created_at) VALUES ('甲', '', '', 'active', true,"
                    " '2024-07-01 00:00:00')"
                )
            )
            # a person its account points at: with foreign keys on, a rebuilt table would fail
            await connection.execute(
                text(
                    "INSERT INTO person (id, display_name, name, title, office_phone, mobile, "
                    "profile_done, is_organizer, reminders_muted, unreachable, created_at) "
                    "VALUES (1, '', '', '', '', '', false, false, false, false, CURRENT_TIMESTAMP)"
                )
            )
            await connection.execute(
                text(
                    "INSERT INTO account (person_id, channel, external_id, chat_id, created_at) "
                    "VALUES (1, 'telegram', '5', '5', CURRENT_TIMESTAMP)"
                )
            )
        async with engine.begin() as connection:
            await upgrade(connection, "0004")
        await migrate(engine)
        async with engine.connect() as connection:
            for table in ("unit", "person", "teammember"):
                columns = await connection.run_sync(
                    lambda c, t=table: {col["name"] for col in inspect(c).get_columns(t)}
                )
                assert "extra" in columns, table
        async with session_factory(engine)() as session:
            (unit,) = (await session.exec(text("SELECT id FROM unit"))).all()
            assert (await session.get(Unit, unit[0])).extra == {}
            assert (await session.get(Person, 1)).extra == {}
        async with engine.begin() as connection:
            await downgrade(connection, "0002")
            columns = await connection.run_sync(
                lambda c: {col["name"] for col in inspect(c).get_columns("unit")}
            )
        assert "extra" not in columns
    finally:
        await engine.dispose()


@pytest.fixture
async def sessions(tmp_path):
    url = database_url(tmp_path)
    await wipe(url)
    engine = create_engine(url)
    await migrate(engine)
    yield session_factory(engine)
    await engine.dispose()


async def test_extra_values_round_trip(sessions, clock):
    now = clock.now()
    async with transaction(sessions) as session:
        unit = Unit(created_at=now)
        person = Person(created_at=now)
        session.add_all([unit, person])
        await session.flush()
        await save_unit_extra(session, unit_id=unit.id, values={"unit_type": "town", "n": ["a"]})
        await save_person_extra(session, person_id=person.id, values={"wecom": "wm", "ok": True})
        case = Case(unit_id=unit.id, values={})
        session.add(case)
        await session.flush()
        details = MemberDetails.from_values(
            {"name": "赵六", "duty": "方案策划", "political_status": "party", "mobile": ""}
        )
        await add_member(session, case_id=case.id, slot=1, details=details, is_lead=True, now=now)
        ids = unit.id, person.id, case.id
    async with sessions() as session:
        assert (await session.get(Unit, ids[0])).extra == {"unit_type": "town", "n": ["a"]}
        assert (await session.get(Person, ids[1])).extra == {"wecom": "wm", "ok": True}
        (member,) = await list_members(session, case_id=ids[2])
        assert member.extra == {"duty": "方案策划", "political_status": "party"}
        assert form_values(member) == {
            "duty": "方案策划",
            "political_status": "party",
            "name": "赵六",
        }
