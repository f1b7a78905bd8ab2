"""Case queries: ownership, drafts, evidence, submissions, revisions and stage-close copies."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from storage.cases import (
    add_revision,
    advancing_ids,
    case_briefs,
    create_case,
    forget_case_forms,
    freeze_stage,
    is_advancing,
    last_submission,
    list_cases,
    list_revisions,
    progress_of,
    record_evidence,
    save_values,
    submit_case,
    unit_case,
    unit_case_advancing,
    withdraw_case,
)
from storage.db import create_engine, migrate, reading, session_factory, transaction
from storage.forms import save_form
from storage.models import Advancement, Person, Unit
from tests.conftest import BEIJING
from tests.db import database_url, wipe

pytestmark = pytest.mark.database

NOW = datetime(2024, 7, 1, 10, 0, tzinfo=BEIJING)
CLOSE = datetime(2024, 7, 15, 23, 59, 59, tzinfo=BEIJING)


@pytest.fixture
async def sessions(tmp_path):
    url = database_url(tmp_path)
    await wipe(url)
    engine = create_engine(url)
    await migrate(engine)
    yield session_factory(engine)
    await engine.dispose()


async def units(sessions, count: int = 2) -> list[int]:
    async with transaction(sessions) as session:
        rows = [Unit(party_org=f"党委{i}", recommending_unit=f"单位{i}") for i in range(count)]
        session.add_all(rows)
        await session.flush()
        return [row.id for row in rows]


async def new_case(sessions, unit_id: int, title: str = "标题", now: datetime = NOW) -> int:
    async with transaction(sessions) as session:
        case = await create_case(
            session, unit_id=unit_id, created_by=None, values={"title": title}, now=now
        )
        return case.id


async def submit(sessions, case_id: int, unit_id: int, now: datetime, **values) -> None:
    async with transaction(sessions) as session:
        case = await unit_case(session, case_id=case_id, unit_id=unit_id)
        if values:
            await save_values(session, case=case, values={**case.values, **values}, now=now)
        await submit_case(session, case=case, stage_key="submission", person_id=None, now=now)


async def test_a_case_is_found_only_through_its_own_unit(sessions):
    mine, theirs = await units(sessions)
    case_id = await new_case(sessions, mine)
    async with sessions() as session:
        assert (await unit_case(session, case_id=case_id, unit_id=mine)).id == case_id
        assert await unit_case(session, case_id=case_id, unit_id=theirs) is None
        assert await unit_case(session, case_id=case_id, unit_id=None) is None
        assert await unit_case(session, case_id=case_id + 99, unit_id=mine) is None
        assert [c.id for c in await list_cases(session, unit_id=mine)] == [case_id]
        assert await list_cases(session, unit_id=theirs) == []


async def test_values_and_evidence_are_stored(sessions):
    (unit_id,) = await units(sessions, 1)
    case_id = await new_case(sessions, unit_id)
    later = NOW + timedelta(hours=1)
    async with transaction(sessions) as session:
        case = await unit_case(session, case_id=case_id, unit_id=unit_id)
        await save_values(session, case=case, values={"title": "新标题", "x": [1, 2]}, now=later)
        await record_evidence(session, case=case, hit_id="abc", text="依据一", now=later)
        await record_evidence(session, case=case, hit_id="def", text="依据二", now=later)
    async with sessions() as session:
        case = await unit_case(session, case_id=case_id, unit_id=unit_id)
        assert case.values == {"title": "新标题", "x": [1, 2]}
        assert case.evidence == {"abc": "依据一", "def": "依据二"}
        assert case.updated_at == later and case.status == "draft"


async def test_each_submission_is_a_numbered_revision(sessions):
    (unit_id,) = await units(sessions, 1)
    case_id = await new_case(sessions, unit_id)
    await submit(sessions, case_id, unit_id, NOW)
    async with transaction(sessions) as session:
        case = await unit_case(session, case_id=case_id, unit_id=unit_id)
        assert case.status == "submitted" and case.ever_submitted and case.submitted_at == NOW
        await withdraw_case(session, case=case, now=NOW)
        assert case.status == "draft" and case.ever_submitted
    await submit(sessions, case_id, unit_id, NOW + timedelta(days=1), title="第二版")
    async with sessions() as session:
        revisions = await list_revisions(session, case_id=case_id)
        assert [(r.number, r.reason, r.values["title"]) for r in revisions] == [
            (1, "submission", "标题"),
            (2, "submission", "第二版"),
        ]
        assert (await last_submission(session, case_id=case_id)).number == 2
        until = NOW + timedelta(hours=1)
        assert (await last_submission(session, case_id=case_id, until=until)).number == 1
        assert await last_submission(session, case_id=case_id, until=NOW - timedelta(1)) is None


async def test_stage_close_copies_what_stood_submitted_then_once(sessions):
    unit_id, other_unit = await units(sessions)
    on_time = await new_case(sessions, unit_id, "按时提交")
    late_edit = await new_case(sessions, unit_id, "截止前提交")
    never = await new_case(sessions, unit_id, "从未提交")
    advancing = await new_case(sessions, other_unit, "入选")
    await submit(sessions, on_time, unit_id, NOW)
    await submit(sessions, late_edit, unit_id, NOW)
    await submit(sessions, advancing, other_unit, NOW)
    # resubmitted after the close (as an advancing case would be during coaching)
    async with transaction(sessions) as session:
        case = await unit_case(session, case_id=late_edit, unit_id=unit_id)
        await withdraw_case(session, case=case, now=NOW)
    await submit(sessions, late_edit, unit_id, CLOSE + timedelta(days=30), title="辅导后修改")
    async with transaction(sessions) as session:
        session.add(Advancement(case_id=advancing, stage_key="review"))
    after = CLOSE + timedelta(days=40)
    async with transaction(sessions) as session:
        copied = await freeze_stage(
            session, stage_key="submission", closed_at=CLOSE, only_advancing=False, now=after
        )
    assert copied == 3
    async with transaction(sessions) as session:
        again = await freeze_stage(
            session, stage_key="submission", closed_at=CLOSE, only_advancing=False, now=after
        )
        coaching = await freeze_stage(
            session, stage_key="coaching", closed_at=after, only_advancing=True, now=after
        )
    assert (again, coaching) == (0, 1)
    async with sessions() as session:
        frozen = {
            case_id: [
                (r.stage_key, r.values["title"])
                for r in await list_revisions(session, case_id=case_id)
                if r.reason == "stage_close"
            ]
            for case_id in (on_time, late_edit, never, advancing)
        }
    assert frozen == {
        on_time: [("submission", "按时提交")],
        late_edit: [("submission", "截止前提交")],
        never: [],
        advancing: [("submission", "入选"), ("coaching", "入选")],
    }


async def test_advancement_marks(sessions):
    (unit_id,) = await units(sessions, 1)
    first, second = await new_case(sessions, unit_id), await new_case(sessions, unit_id)
    async with transaction(sessions) as session:
        session.add(Advancement(case_id=second, stage_key="review"))
    async with sessions() as session:
        assert not await is_advancing(session, case_id=first)
        assert await is_advancing(session, case_id=second)
        assert await advancing_ids(session, case_ids=[first, second]) == {second}
        assert await advancing_ids(session, case_ids=[]) == set()


async def test_a_units_case_is_read_with_its_advancement_mark_in_one_go(sessions):
    mine, other = await units(sessions, 2)
    plain, advancing = await new_case(sessions, mine), await new_case(sessions, mine)
    async with transaction(sessions) as session:
        session.add(Advancement(case_id=advancing, stage_key="review"))
        session.add(Advancement(case_id=advancing, stage_key="coaching"))
    async with sessions() as session:
        found = await unit_case_advancing(session, case_id=plain, unit_id=mine)
        assert found is not None and found[0].id == plain and found[1] is False
        found = await unit_case_advancing(session, case_id=advancing, unit_id=mine)
        assert found is not None and found[0].id == advancing and found[1] is True
        assert await unit_case_advancing(session, case_id=plain, unit_id=other) is None
        assert await unit_case_advancing(session, case_id=plain, unit_id=None) is None
        assert await unit_case_advancing(session, case_id=9999, unit_id=mine) is None


async def test_a_units_case_briefs_are_read_without_a_session(sessions):
    mine, other = await units(sessions, 2)
    draft = await new_case(sessions, mine, "草稿")
    sent = await new_case(sessions, mine, "已交")
    await new_case(sessions, other, "别人的")
    await submit(sessions, sent, mine, NOW, title="已交")
    async with transaction(sessions) as session:
        untitled = await create_case(session, unit_id=mine, created_by=None, values={}, now=NOW)
        session.add(Advancement(case_id=sent, stage_key="review"))
        session.add(Advancement(case_id=sent, stage_key="coaching"))
    async with reading(sessions) as connection:
        briefs = await case_briefs(connection, unit_id=mine)
    assert draft < sent < (untitled.id or 0)
    assert briefs == [("草稿", "draft", False), ("已交", "submitted", True), (None, "draft", False)]


async def test_form_progress_about_a_case_can_be_forgotten(sessions):
    (unit_id,) = await units(sessions, 1)
    case_id = await new_case(sessions, unit_id)
    other = await new_case(sessions, unit_id)
    async with transaction(sessions) as session:
        person = Person()
        session.add(person)
        await session.flush()
        mine = await save_form(
            session, person_id=person.id, form_key="case", subject_id=case_id, state={}, now=NOW
        )
        await save_form(
            session, person_id=person.id, form_key="case", subject_id=other, state={}, now=NOW
        )
        await save_form(
            session, person_id=person.id, form_key="unit", subject_id=case_id, state={}, now=NOW
        )
        progress_id = mine.id
    async with transaction(sessions) as session:
        assert (await progress_of(session, progress_id=progress_id)).subject_id == case_id
        assert await forget_case_forms(session, case_id=case_id, form_keys=["case"]) == 1
    async with sessions() as session:
        assert await progress_of(session, progress_id=progress_id) is None


async def test_revision_numbers_count_every_kind(sessions):
    (unit_id,) = await units(sessions, 1)
    case_id = await new_case(sessions, unit_id)
    async with transaction(sessions) as session:
        case = await unit_case(session, case_id=case_id, unit_id=unit_id)
        first = await add_revision(
            session,
            case=case,
            reason="stage_close",
            stage_key="submission",
            values={},
            evidence={},
            created_by=None,
            now=NOW,
        )
        second = await submit_case(session, case=case, stage_key="x", person_id=None, now=NOW)
    assert (first.number, second.number) == (1, 2)
