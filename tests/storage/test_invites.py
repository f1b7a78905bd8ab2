"""Invite codes: their shape, their state, and the queries on them."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from storage.db import create_engine, migrate, session_factory, transaction
from storage.invites import (
    ALPHABET,
    CODE_LENGTH,
    InviteState,
    count_invites,
    create_invite,
    find_invite,
    get_invite,
    invite_state,
    list_invites,
    new_code,
    normalize_code,
    record_use,
    revoke_invite,
    unit_invite,
)
from storage.models import Invite, InviteKind
from storage.units import create_unit
from tests.db import database_url, wipe

NOW = datetime(2024, 7, 1, 10, 0, tzinfo=timezone(timedelta(hours=8)))
LATER = NOW + timedelta(days=60)


def test_the_alphabet_has_no_look_alikes():
    assert not set(ALPHABET) & set("0O1IL")
    assert len(set(ALPHABET)) == len(ALPHABET) == 31


@given(st.integers(min_value=0, max_value=50))
def test_new_codes_are_short_unambiguous_and_hold_a_letter(_):
    code = new_code()
    assert len(code) == CODE_LENGTH and set(code) <= set(ALPHABET)
    assert any(c.isalpha() for c in code)
    assert normalize_code(code) == code


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("abcd2345", "ABCD2345"),
        (" ABCD 2345 ", "ABCD2345"),
        ("abcd-2345", "ABCD2345"),
        ("ＡＢＣＤ２３４５", "ABCD2345"),
        ("https://t.me/contest_sandbox_bot?start=abcd2345", "ABCD2345"),
        ("t.me/contest_sandbox_bot?start=ABCD2345", "ABCD2345"),
        ("88234324", None),  # a phone number: no letter
        ("ABCD0345", None),  # 0 is not in the alphabet
        ("ABCD234", None),
        ("ABCD23456", None),
        ("截止时间是什么时候", None),
        ("", None),
    ],
)
def test_typed_codes_are_read_case_insensitively(typed, code):
    assert normalize_code(typed) == code


def test_the_state_of_a_code():
    invite = Invite(code="ABCD2345", kind=InviteKind.UNIT, expires_at=LATER)
    assert invite_state(invite, NOW) is InviteState.ACTIVE
    assert invite_state(invite, LATER - timedelta(seconds=1)) is InviteState.ACTIVE
    assert invite_state(invite, LATER) is InviteState.EXPIRED
    invite.uses = 3
    assert invite_state(invite, NOW) is InviteState.ACTIVE  # unit codes serve many people
    organizer = Invite(code="ABCD2346", kind=InviteKind.ORGANIZER, expires_at=LATER, uses=1)
    assert invite_state(organizer, NOW) is InviteState.USED
    invite.revoked = True
    assert invite_state(invite, NOW) is InviteState.REVOKED


@pytest.fixture
async def sessions(tmp_path):
    url = database_url(tmp_path)
    await wipe(url)
    engine = create_engine(url)
    await migrate(engine)
    yield session_factory(engine)
    await engine.dispose()


@pytest.mark.database
async def test_creating_finding_using_and_revoking(sessions):
    async with transaction(sessions) as session:
        unit_code = await create_invite(
            session,
            kind=InviteKind.UNIT,
            label="某某局",
            created_by=None,
            expires_at=LATER,
            now=NOW,
        )
        district = await create_invite(
            session,
            kind=InviteKind.DISTRICT,
            submitter_key="futian",
            label="福田区直机关工委",
            created_by=None,
            expires_at=LATER,
            now=NOW,
        )
    assert unit_code.code != district.code
    async with transaction(sessions) as session:
        found = await find_invite(session, code=unit_code.code)
        assert found is not None and found.label == "某某局"
        assert found.expires_at == LATER
        assert await find_invite(session, code="ZZZZ2222") is None
        unit = await create_unit(session, now=NOW)
        await record_use(session, invite_id=unit_code.id, unit_id=unit.id)
        other = await create_unit(session, now=NOW)
        await record_use(session, invite_id=unit_code.id, unit_id=other.id)  # keeps the first
        await record_use(session, invite_id=district.id, unit_id=unit.id)  # districts keep none
        assert await record_use(session, invite_id=999) is None
    async with transaction(sessions) as session:
        used = await get_invite(session, invite_id=unit_code.id)
        assert (used.uses, used.unit_id) == (2, unit.id)
        assert (await get_invite(session, invite_id=district.id)).unit_id is None
        assert (await unit_invite(session, unit_id=unit.id, now=NOW)).id == unit_code.id
        assert await unit_invite(session, unit_id=unit.id, now=LATER) is None
        assert await count_invites(session) == 2
        assert [i.id for i in await list_invites(session)] == [district.id, unit_code.id]
        assert [i.id for i in await list_invites(session, offset=1, limit=5)] == [unit_code.id]
        await revoke_invite(session, invite_id=unit_code.id)
        assert await revoke_invite(session, invite_id=999) is None
    async with sessions() as session:
        assert (await get_invite(session, invite_id=unit_code.id)).revoked
        assert await unit_invite(session, unit_id=unit.id, now=NOW) is None
