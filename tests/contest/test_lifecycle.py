"""The case lifecycle rules: what is missing, when a case may move, 字数 and wording helpers."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contest.definition import load_contest
from contest.forms import Event, FormEngine
from contest.lifecycle import (
    Phase,
    Refusal,
    barred_prize,
    case_gaps,
    closed_editing_stages,
    closing_editing_stages,
    completeness,
    editing_window,
    field_hits,
    find_hit,
    freezes,
    hit_views,
    initial_values,
    may_create,
    may_edit,
    may_submit,
    may_withdraw,
    next_deadline,
    open_stage,
    reentry_validator,
    standing,
    values_in_progress,
    word_count,
    wording_hits,
)
from contest.team import Member
from tests.conftest import BEIJING

CONTESTS = Path(__file__).parents[2] / "contests"
CONTEST = load_contest(CONTESTS / "jianbing-2024.toml")
CONTEST_2025 = load_contest(CONTESTS / "jianbing-2025.toml")


def at(month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2024, month, day, hour, minute, second, tzinfo=BEIJING)


DURING = at(7, 1, 10)
LEAD = Member(name="李四", employment="staff", is_lead=True, slot=1)
COMPLETE = {
    "category": "development",
    "recommending_unit": "深圳市某某局",
    "title": "“一网通办”再提速",
    "lead_name": "李四",
    "lead_title": "二级主任科员",
    "lead_office_phone": "0755-88134324",
    "lead_mobile": "13900001111",
    "contact_name": "张三",
    "contact_title": "办公室副主任",
    "contact_office_phone": "0755-88134325",
    "contact_mobile": "13800138000",
    "background": "面对群众办事多头跑、材料反复交的问题，我局梳理高频事项，打通部门数据。",
    "innovations": ["数据共享", "流程再造", "统一入口"],
    "results": ["时限压缩一半", "满意度提升", "全市推广"],
    "reentered": False,
}


def gaps(values: dict, evidence: dict | None = None, members=(LEAD,), now=DURING) -> dict:
    found = case_gaps(CONTEST, values=values, evidence=evidence or {}, members=members, now=now)
    return {gap.code: gap.params for gap in found}


# ------------------------------------------------------------------------------ gaps


def test_a_complete_case_has_no_gaps():
    assert gaps(COMPLETE) == {}


def test_missing_fields_are_named_in_form_order():
    values = {k: v for k, v in COMPLETE.items() if k not in ("background", "title", "reentered")}
    assert gaps(values)["missing_fields"] == {"labels": ["案例名称", "案例背景", "往年是否参赛"]}


def test_a_stored_value_that_no_longer_passes_counts_as_missing():
    assert gaps({**COMPLETE, "lead_mobile": "1390000"}) == {
        "missing_fields": {"labels": ["牵头人手机"]}
    }


def test_the_word_limit_counts_only_what_the_entrant_wrote():
    values = {**COMPLETE, "background": "字" * (3000 - 1)}
    assert "over_limit" in gaps(values)
    words = completeness(CONTEST, values, now=DURING).words
    assert gaps(values)["over_limit"] == {"total": words, "limit": 3000}
    trimmed = {**values, "background": "字" * (3000 - (words - 2999))}
    assert "over_limit" not in gaps(trimmed)


def test_restricted_words_need_evidence_or_a_rewrite():
    values = {**COMPLETE, "title": "全国首创的做法", "results": ["形成深圳经验", "b", "c"]}
    assert gaps(values)["wording"] == {"phrases": ["首创", "深圳经验"]}
    hits = wording_hits(CONTEST, values)
    evidence = {hits[0].hit_id: "国务院通报表扬"}
    assert gaps(values, evidence)["wording"] == {"phrases": ["深圳经验"]}
    evidence[hits[1].hit_id] = "  "
    assert gaps(values, evidence)["wording"] == {"phrases": ["深圳经验"]}
    evidence[hits[1].hit_id] = "省委办公厅简报"
    assert "wording" not in gaps(values, evidence)


def test_team_problems_are_a_gap():
    assert gaps(COMPLETE, members=())["team"]["problems"][0].code == "no_members"
    worker = Member(name="王五", employment="contract", slot=2, contract_start=date(2024, 1, 1))
    problems = gaps(COMPLETE, members=(LEAD, worker))["team"]["problems"]
    assert [p.code for p in problems] == ["contract_too_short"]


@pytest.mark.parametrize(
    ("prize", "barred"),
    [("first", "一等奖"), ("second", "二等奖"), ("third", None), ("none", None)],
)
def test_a_re_entry_that_won_first_or_second_prize_is_barred(prize, barred):
    values = {**COMPLETE, "reentered": True, "previous_prize": prize, "whats_new": "新" * 30}
    assert barred_prize(CONTEST, values) == barred
    assert ("reentry_barred" in gaps(values)) is (barred is not None)
    assert barred_prize(CONTEST, {**values, "reentered": False}) is None


def test_the_re_entry_validator_quotes_the_rule():
    check = reentry_validator(CONTEST)
    error = check("first", {"reentered": True, "previous_prize": "first"})
    assert error is not None and error.code == "reentry_barred"
    assert error.params == {
        "prizes": ["一等奖", "二等奖"],
        "rule": CONTEST.rules.originality.rule_text,
    }
    assert check("third", {"reentered": True}) is None
    engine = FormEngine(
        CONTEST, "case", today=date(2024, 7, 1), validators={"previous_prize": check}
    )
    state = engine.start(values={**COMPLETE, "reentered": True}).state
    step = engine.choose(state, "previous_prize", "second")
    assert step.event is Event.INVALID and step.error.code == "reentry_barred"
    assert engine.choose(state, "previous_prize", "none").event is Event.ADVANCED


def test_completeness_counts_required_fields_and_words():
    empty = completeness(CONTEST, {}, now=DURING)
    assert (empty.filled, empty.total, empty.words, empty.percent) == (0, 15, 0, 0)
    full = completeness(CONTEST, COMPLETE, now=DURING)
    assert (full.filled, full.total, full.percent) == (15, 15, 100)
    assert full.per_field["title"] == 9 and full.word_limit == 3000


# ---------------------------------------------------------------------- the window


@pytest.mark.parametrize(
    ("moment", "advancing", "phase", "stage", "closed"),
    [
        (at(5, 30), False, Phase.BEFORE, "submission", None),
        (at(6, 3, 8, 59, 59), False, Phase.BEFORE, "submission", None),
        (at(6, 3, 9), False, Phase.OPEN, "submission", None),
        (at(7, 15, 23, 59, 59), False, Phase.OPEN, "submission", None),
        (at(7, 16), False, Phase.CLOSED, None, "submission"),
        (at(7, 16), True, Phase.BETWEEN, "coaching", "submission"),
        (at(8, 9), False, Phase.CLOSED, None, "submission"),
        (at(8, 9), True, Phase.OPEN, "coaching", "submission"),
        (at(8, 16, 23, 59, 59), True, Phase.OPEN, "coaching", "submission"),
        (at(8, 17), True, Phase.CLOSED, None, "coaching"),
        (at(12, 31), False, Phase.CLOSED, None, "submission"),
    ],
)
def test_editing_window(moment, advancing, phase, stage, closed):
    window = editing_window(CONTEST, moment, advancing=advancing)
    assert window.phase is phase
    assert (window.stage.key if window.stage else None) == stage
    assert (window.closed.key if window.closed else None) == closed
    assert window.is_open is (phase is Phase.OPEN)


def test_the_deadline_is_exact_to_the_second():
    end = CONTEST.submission_stage.end
    for moment, allowed in [
        (end - timedelta(seconds=1), True),
        (end, True),
        (end + timedelta(microseconds=1), False),
        (end + timedelta(seconds=1), False),
    ]:
        assert may_submit(CONTEST, moment, status="draft", advancing=False).allowed is allowed


@pytest.mark.parametrize(
    ("moment", "status", "advancing", "edit", "submit", "withdraw"),
    [
        # before the system opens: draft only
        (at(5, 30), "draft", False, None, Refusal.NOT_OPEN, Refusal.NOT_SUBMITTED),
        # during 文本申报
        (DURING, "draft", False, None, None, Refusal.NOT_SUBMITTED),
        (DURING, "submitted", False, Refusal.SUBMITTED, Refusal.SUBMITTED, None),
        # after it: locked, whatever the status
        (at(7, 20), "draft", False, Refusal.CLOSED, Refusal.CLOSED, Refusal.NOT_SUBMITTED),
        (at(7, 20), "submitted", False, Refusal.CLOSED, Refusal.CLOSED, Refusal.CLOSED),
        # an advancing case waits for 专家辅导, then reopens, then locks again
        (at(7, 20), "submitted", True, Refusal.NOT_OPEN, Refusal.NOT_OPEN, Refusal.NOT_OPEN),
        (at(8, 10), "submitted", True, Refusal.SUBMITTED, Refusal.SUBMITTED, None),
        (at(8, 10), "draft", True, None, None, Refusal.NOT_SUBMITTED),
        (at(8, 10), "submitted", False, Refusal.CLOSED, Refusal.CLOSED, Refusal.CLOSED),
        (at(8, 20), "draft", True, Refusal.CLOSED, Refusal.CLOSED, Refusal.NOT_SUBMITTED),
    ],
)
def test_what_may_be_done(moment, status, advancing, edit, submit, withdraw):
    kwargs = {"status": status, "advancing": advancing}
    assert may_edit(CONTEST, moment, **kwargs).refusal == edit
    assert may_submit(CONTEST, moment, **kwargs).refusal == submit
    assert may_withdraw(CONTEST, moment, **kwargs).refusal == withdraw


@pytest.mark.parametrize(
    ("moment", "refusal"),
    [(at(5, 1), None), (DURING, None), (at(7, 16), Refusal.CLOSED), (at(8, 10), Refusal.CLOSED)],
)
def test_new_cases_start_before_and_during_submission_only(moment, refusal):
    assert may_create(CONTEST, moment).refusal == refusal


def test_a_contest_may_limit_the_cases_of_a_unit():
    assert may_create(CONTEST, DURING, existing=50).allowed  # 2024: no limit
    limited = CONTEST.model_copy(
        update={"rules": CONTEST.rules.model_copy(update={"cases_per_account": 2})}
    )
    assert may_create(limited, DURING, existing=1).allowed
    assert may_create(limited, DURING, existing=2).refusal is Refusal.LIMIT
    assert may_create(limited, at(7, 20), existing=2).refusal is Refusal.CLOSED


def test_a_contest_without_coaching_never_reopens():
    moment = CONTEST_2025.submission_stage.end + timedelta(days=1)
    window = editing_window(CONTEST_2025, moment, advancing=True)
    assert window.phase is Phase.CLOSED
    assert window.closed is not None and window.closed.key == CONTEST_2025.submission_stage.key


@given(st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2025, 1, 1)), st.booleans())
def test_the_window_agrees_with_the_schedule(naive, advancing):
    moment = naive.replace(tzinfo=BEIJING)
    window = editing_window(CONTEST, moment, advancing=advancing)
    running = open_stage(CONTEST, moment, advancing=advancing)
    assert (window.phase is Phase.OPEN) is (running is not None)
    if window.stage is not None:
        assert window.stage == (running or next_deadline(CONTEST, moment, advancing=advancing))
    if window.closed is not None:
        assert window.closed.end < moment
    verdict = may_submit(CONTEST, moment, status="draft", advancing=advancing)
    assert verdict.allowed is (running is not None)


def test_stages_that_freeze_text():
    assert [s.key for s in closed_editing_stages(CONTEST, DURING)] == []
    assert [s.key for s in closing_editing_stages(CONTEST, DURING)] == ["submission", "coaching"]
    assert [s.key for s in closed_editing_stages(CONTEST, at(8, 20))] == ["submission", "coaching"]
    assert closing_editing_stages(CONTEST, at(8, 20)) == []
    submission, coaching = CONTEST.stage("submission"), CONTEST.stage("coaching")
    assert freezes(submission, advancing=False) and freezes(submission, advancing=True)
    assert not freezes(coaching, advancing=False) and freezes(coaching, advancing=True)
    assert not freezes(CONTEST.stage("review"), advancing=True)


def test_standing_sums_up_a_case():
    where = standing(
        CONTEST,
        status="draft",
        values={**COMPLETE, "title": "全国首创"},
        evidence={},
        members=(LEAD,),
        advancing=False,
        now=DURING,
    )
    assert not where.submitted and not where.ready
    assert where.gap_codes == ["wording"]
    assert [h.phrase for h in where.open_hits] == ["首创"]
    assert where.edit.allowed and where.window.is_open
    done = standing(
        CONTEST,
        status="submitted",
        values=COMPLETE,
        evidence={},
        members=(LEAD,),
        advancing=False,
        now=DURING,
    )
    assert done.submitted and not done.ready and done.edit.refusal is Refusal.SUBMITTED


# ------------------------------------------------------------------- while drafting


def test_initial_values_normalize_the_prefill_and_drop_what_does_not_fit():
    values = initial_values(
        CONTEST,
        {
            "unit.recommending_unit": " 深圳市某某局 ",
            "lead.office_phone": "0755 8813 4324",
            "lead.mobile": "12345",
            "contact.name": "",
            "contact.mobile": "+86 138-0013-8000",
        },
        now=DURING,
    )
    assert values == {
        "recommending_unit": "深圳市某某局",
        "lead_office_phone": "0755-88134324",
        "contact_mobile": "13800138000",
    }


def test_values_in_progress_count_the_pieces_and_items_being_written():
    engine = FormEngine(CONTEST, "case", today=date(2024, 7, 1))
    state = engine.edit(engine.start(values={**COMPLETE}).state, "background").state
    state = engine.replace(state, "background").state
    assert "background" not in values_in_progress(engine, state)  # 重写: the old text is out
    state = engine.answer(state, "第一段").state
    state = engine.answer(state, "第二段").state
    assert values_in_progress(engine, state)["background"] == "第一段\n第二段"
    state = engine.edit(engine.start(values=COMPLETE).state, "innovations").state
    state = engine.answer(state, "新的第一条").state
    in_progress = values_in_progress(engine, state)["innovations"]
    assert in_progress == ["新的第一条", "流程再造", "统一入口"]
    fresh = engine.start(values={k: v for k, v in COMPLETE.items() if k != "results"}).state
    assert fresh.cursor == "results"
    assert "results" not in values_in_progress(engine, fresh)
    hidden = {**COMPLETE, "previous_prize": "first"}
    assert "previous_prize" not in values_in_progress(engine, engine.start(values=hidden).state)


def test_word_count_of_a_field_and_the_whole():
    count = word_count(CONTEST, COMPLETE, "title")
    assert (count.field, count.limit, count.over) == (9, 3000, 0)
    assert word_count(CONTEST, COMPLETE, "lead_name").field is None
    assert word_count(CONTEST, COMPLETE, None).field is None
    over = word_count(CONTEST, {**COMPLETE, "background": "字" * 3100}, "background")
    assert over.field == 3100 and over.over == over.total - 3000


def test_hits_of_one_field_keep_their_document_ids():
    sentence = "我们形成了深圳经验。"
    values = {**COMPLETE, "background": sentence, "results": [sentence, "b", "c"]}
    all_hits = wording_hits(CONTEST, values)
    assert [h.field for h in all_hits] == ["background", "results"]
    (in_results,) = field_hits(CONTEST, values, "results")
    assert in_results.hit_id == all_hits[1].hit_id != all_hits[0].hit_id
    assert in_results.item == 0
    assert field_hits(CONTEST, values, "title") == []


def test_hit_views_cut_the_sentence_around_the_phrase():
    text = "一" * 40 + "形成了全国样板" + "二" * 40 + "。"
    (hit,) = wording_hits(CONTEST, {"background": text})
    (view,) = hit_views([hit], {})
    assert view.before == "…" + "一" * 27 + "形成了" and view.hit.phrase == "全国样板"
    assert view.after == "二" * 30 + "…"
    assert not view.resolved
    (short,) = hit_views([hit], {hit.hit_id: "依据"}, width=100)
    assert short.before + short.hit.phrase + short.after == text and short.resolved


def test_find_hit_follows_the_text():
    values = {**COMPLETE, "title": "全国首创"}
    (hit,) = wording_hits(CONTEST, values)
    assert find_hit(CONTEST, values, hit.hit_id) == hit
    assert find_hit(CONTEST, {**values, "background": "另一段。"}, hit.hit_id) == hit
    assert find_hit(CONTEST, {**values, "title": "全国领先"}, hit.hit_id) is None
    assert find_hit(CONTEST, values, "nonsense") is None
