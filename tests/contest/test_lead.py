"""What links the case document to the team lead and the unit: the prefill markers only."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from contest.definition import load_contest
from contest.forms import FormEngine
from contest.lead import LEAD, UNIT, disagreeing, following, lead_changes, linked, pending

CONTEST = load_contest(Path(__file__).parents[2] / "contests" / "jianbing-2024.toml")


def test_the_links_are_the_case_forms_prefill_markers() -> None:
    assert linked(CONTEST.forms.case, LEAD) == {
        "lead_name": "name",
        "lead_title": "title",
        "lead_office_phone": "office_phone",
        "lead_mobile": "mobile",
    }
    assert linked(CONTEST.forms.case, UNIT) == {"recommending_unit": "recommending_unit"}


def test_the_document_follows_where_empty_or_in_step_never_over_a_typed_value() -> None:
    values = {"lead_name": "李四", "lead_title": "自己写的职务"}
    before = {"name": "李四", "title": "科员"}
    after = {"name": "李思", "title": "科长", "mobile": "13900001111"}
    assert following(CONTEST, LEAD, before, after, values) == {
        "lead_name": "李思",  # it showed the old lead
        "lead_mobile": "13900001111",  # it was empty
    }  # the title typed otherwise stays …
    assert disagreeing(CONTEST, LEAD, after, values) == ["lead_name", "lead_title"]
    assert following(CONTEST, LEAD, after, after, {}) == {
        "lead_name": "李思",
        "lead_title": "科长",
        "lead_mobile": "13900001111",
    }


def test_the_team_takes_what_the_document_changed_and_what_is_missing_is_pending() -> None:
    before = {"lead_name": "李四", "lead_title": "科员"}
    after = {"lead_name": "王五", "lead_title": "科员", "lead_mobile": "13900001111"}
    assert lead_changes(CONTEST, before, after) == {"name": "王五", "mobile": "13900001111"}
    assert lead_changes(CONTEST, after, after) == {}
    assert pending(CONTEST, {"name": "王五"}) == ["title", "employment"]
    assert pending(CONTEST, {"name": "王五", "title": "科长", "employment": "contract"}) == [
        "contract_start"
    ]


def test_a_value_set_outside_the_form_is_not_asked_and_a_waiting_field_moves_on() -> None:
    engine = FormEngine(CONTEST, "case", today=date(2024, 7, 1))
    state = engine.choose(engine.start().state, "category", "development").state
    assert state.cursor == "recommending_unit"  # asked: the unit had not registered
    state = engine.follow(state, {"recommending_unit": "深圳市某某局", "lead_title": "科长"})
    assert state.cursor == "title"  # not asked again
    assert state.values["recommending_unit"] == "深圳市某某局"
    assert {"recommending_unit", "lead_title"} <= set(state.prefilled)
    assert "lead_title" not in engine.asked(state)
    assert engine.follow(state, {"lead_title": "科长"}) == state  # nothing new: unchanged
