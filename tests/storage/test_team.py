"""A case's team rows: the functions the cases flow reads, and the changes the team flow makes."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from contest.team import Member
from storage.db import create_engine, migrate, session_factory, transaction
from storage.models import Case, TeamMember
from storage.team import (
    MemberDetails,
    add_member,
    domain_members,
    form_values,
    get_member,
    lead_of,
    list_members,
    remove_member,
    replace_member,
    set_lead,
    team_case,
    update_member,
)
from storage.units import create_unit
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


@pytest.fixture
async def case_id(sessions) -> int:
    async with transaction(sessions) as session:
        unit = await create_unit(session, now=NOW)
        case = Case(unit_id=unit.id, values={"title": "案例"})
        session.add(case)
        await session.flush()
        return case.id


def details(name: str, **extra) -> MemberDetails:
    return MemberDetails(**{"name": name, "title": "科员", "employment": "staff", **extra})


async def test_members_by_slot_and_the_lead(sessions, case_id):
    async with transaction(sessions) as session:
        assert await lead_of(session, case_id=case_id) is None
        await add_member(
            session, case_id=case_id, slot=2, details=details("乙二"), is_lead=False, now=NOW
        )
        lead = await add_member(
            session, case_id=case_id, slot=1, details=details("甲一"), is_lead=True, now=NOW
        )
        gone = await add_member(
            session, case_id=case_id, slot=3, details=details("丙三"), is_lead=False, now=NOW
        )
        await remove_member(session, member_id=gone.id)
        assert await remove_member(session, member_id=999) is None
    async with sessions() as session:
        rows = await list_members(session, case_id=case_id)
        assert [r.name for r in rows] == ["甲一", "乙二"]
        assert (await lead_of(session, case_id=case_id)).id == lead.id
        assert (await get_member(session, member_id=gone.id)).active is False
        assert (await team_case(session, case_id=case_id)).values == {"title": "案例"}
        assert await list_members(session, case_id=999) == []
    assert domain_members(rows) == [
        Member(name="甲一", employment="staff", is_lead=True, slot=1),
        Member(name="乙二", employment="staff", slot=2),
    ]


async def test_replacing_editing_and_moving_the_lead(sessions, case_id):
    async with transaction(sessions) as session:
        lead = await add_member(
            session, case_id=case_id, slot=1, details=details("甲一"), is_lead=True, now=NOW
        )
        second = await add_member(
            session, case_id=case_id, slot=2, details=details("乙二"), is_lead=False, now=NOW
        )
        new = await replace_member(
            session,
            member_id=second.id,
            details=details("丙三", employment="contract", contract_start=date(2023, 6, 15)),
            replaced=1,
            now=NOW,
        )
        await update_member(
            session, member_id=lead.id, details=details("甲一", mobile="13800138000")
        )
        assert await update_member(session, member_id=999, details=details("x")) is None
        assert (
            await replace_member(session, member_id=999, details=details("x"), replaced=1, now=NOW)
            is None
        )
        await set_lead(session, case_id=case_id, member_id=new.id)
    async with sessions() as session:
        rows = await list_members(session, case_id=case_id)
        everyone = [await get_member(session, member_id=i) for i in (lead.id, second.id, new.id)]
    assert [(r.slot, r.name, r.replaced, r.is_lead) for r in rows] == [
        (1, "甲一", 0, False),
        (2, "丙三", 1, True),
    ]
    assert rows[0].mobile == "13800138000"
    assert rows[1].contract_start == date(2023, 6, 15)
    assert [m.active for m in everyone] == [True, False, True]
    assert domain_members(rows)[1] == Member(
        name="丙三",
        employment="contract",
        contract_start=date(2023, 6, 15),
        is_lead=True,
        slot=2,
        replaced=1,
    )


def test_form_values_round_trip():
    values = {
        "name": "乙二",
        "title": "科员",
        "office_phone": "",
        "mobile": "13800138000",
        "employment": "contract",
        "contract_start": "2023-06-15",
    }
    read = MemberDetails.from_values(values)
    assert read.contract_start == date(2023, 6, 15)
    row = TeamMember(case_id=1, slot=1, **{k: getattr(read, k) for k in read.__dataclass_fields__})
    assert form_values(row) == {k: v for k, v in values.items() if v}
    # a contract start left over from 聘用 does not count once the member is 在编
    staff = MemberDetails.from_values({**values, "employment": "staff"})
    assert staff.contract_start is None and staff.member().employment == "staff"
    assert MemberDetails.from_values({"name": "甲一"}).member(is_lead=True).is_lead
