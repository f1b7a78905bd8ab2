"""Units and their contact persons, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from storage.db import create_engine, migrate, session_factory, transaction
from storage.models import UnitStatus
from storage.people import ensure_person
from storage.units import (
    attach_contact,
    confirm_unit,
    count_units,
    create_unit,
    get_unit,
    list_contacts,
    list_units,
    save_contact,
    save_unit,
)
from tests.db import database_url, wipe

pytestmark = pytest.mark.database
NOW = datetime(2024, 7, 1, 10, 0, tzinfo=timezone(timedelta(hours=8)))


@pytest.fixture
async def sessions(tmp_path):
    url = database_url(tmp_path)
    await wipe(url)
    engine = create_engine(url)
    await migrate(engine)
    yield session_factory(engine)
    await engine.dispose()


async def test_a_unit_is_created_empty_then_registered(sessions):
    async with transaction(sessions) as session:
        unit = await create_unit(session, now=NOW, submitter_key="futian")
    assert (unit.registered, unit.status, unit.submitter_key) == (False, "active", "futian")
    async with transaction(sessions) as session:
        saved = await save_unit(
            session,
            unit_id=unit.id,
            party_org="中共深圳市某某局机关委员会",
            recommending_unit="深圳市某某局",
            submitter_key="city",
        )
        assert saved is not None
        assert (
            await save_unit(
                session, unit_id=999, party_org="x", recommending_unit="y", submitter_key="z"
            )
            is None
        )
    async with sessions() as session:
        unit = await get_unit(session, unit_id=unit.id)
        assert unit.registered and unit.submitter_key == "city"
        assert unit.created_at == NOW
        assert await get_unit(session, unit_id=999) is None


async def test_listing_counting_and_confirming(sessions):
    async with transaction(sessions) as session:
        active = await create_unit(session, now=NOW, submitter_key="city")
        pending = await create_unit(session, now=NOW, status=UnitStatus.PENDING)
        await create_unit(session, now=NOW, status=UnitStatus.PENDING)  # never filled in
        for unit in (active, pending):
            await save_unit(
                session,
                unit_id=unit.id,
                party_org=f"党组织{unit.id}",
                recommending_unit="单位",
                submitter_key=unit.submitter_key or "futian",
            )
    async with sessions() as session:
        assert [u.id for u in await list_units(session)] == [active.id, pending.id, pending.id + 1]
        pending_rows = await list_units(session, status=UnitStatus.PENDING, registered=True)
        assert [u.id for u in pending_rows] == [pending.id]
        assert [u.id for u in await list_units(session, submitter_key="futian")] == [pending.id]
        assert await count_units(session) == 2
        assert await count_units(session, status=UnitStatus.PENDING) == 1
    async with transaction(sessions) as session:
        assert (await confirm_unit(session, unit_id=pending.id)).status == "active"
        assert await confirm_unit(session, unit_id=pending.id) is None  # not pending any more
        assert await confirm_unit(session, unit_id=active.id) is None


async def test_contacts_of_a_unit(sessions):
    async with transaction(sessions) as session:
        unit = await create_unit(session, now=NOW)
        first, _ = await ensure_person(
            session, channel="telegram", external_id="5000000001", chat_id="1", display_name="a"
        )
        second, _ = await ensure_person(
            session, channel="telegram", external_id="2", chat_id="2", display_name="b"
        )
        await ensure_person(
            session, channel="telegram", external_id="3", chat_id="3", display_name="visitor"
        )
        await attach_contact(session, person_id=first.id, unit_id=unit.id)
        await attach_contact(session, person_id=second.id, unit_id=unit.id)
        assert await attach_contact(session, person_id=999, unit_id=unit.id) is None
        await save_contact(
            session,
            person_id=first.id,
            name="张三",
            title="科员",
            office_phone="0755-88134324",
            mobile="13800138000",
        )
    async with sessions() as session:
        contacts = await list_contacts(session, unit_id=unit.id)
    assert [p.id for p in contacts] == [first.id, second.id]
    assert (contacts[0].name, contacts[0].profile_done) == ("张三", True)
    assert (contacts[1].name, contacts[1].profile_done) == ("", False)
