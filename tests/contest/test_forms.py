"""The form engine and field parsing, walked through the 2024 contest's forms."""

from __future__ import annotations

import json
from dataclasses import fields
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contest.definition import Contest, FieldKind, load_contest
from contest.fields import (
    FieldError,
    Reading,
    check_value,
    parse_date,
    parse_mobile,
    parse_phone,
)
from contest.forms import Event, FormEngine, FormState, Step
from contest.text import count_words

CONTEST_FILE = Path(__file__).parents[2] / "contests" / "jianbing-2024.toml"
TODAY = date(2024, 6, 10)
CONTEST: Contest = load_contest(CONTEST_FILE)
OTHER: Contest = load_contest(CONTEST_FILE.with_name("donghu-2026.toml"))
FULL_WIDTH = {str(d): chr(0xFF10 + d) for d in range(10)}
LEAD = {"lead.name": "李四", "lead.title": "二级主任科员", "lead.office_phone": "0755 8813 4324"}
LEAD |= {"lead.mobile": "13900001111"}
CONTACT = {"contact.name": "张三", "contact.title": "办公室副主任"}
CONTACT |= {"contact.office_phone": "075588134325", "contact.mobile": "+86 138-0013-8000"}
PREFILL = {**LEAD, **CONTACT, "unit.recommending_unit": "深圳市某某局"}
BACKGROUND = "面对群众办事多头跑、材料反复交的问题，我局梳理高频事项，打通部门数据。"


def same_after_json(state: FormState) -> bool:
    """Tell whether the state survives a trip through JSON unchanged."""
    return FormState.from_dict(json.loads(json.dumps(state.to_dict()))) == state


def test_a_stored_state_has_every_field_and_shares_no_list_with_the_state() -> None:
    state = FormState("case", values={"title": "标题", "results": ["一", "二"]}, cursor="results",
                      pieces=("甲",), draft=("一", ""), item_index=1, return_to_review=True,
                      pending=("x",), prefilled=("title",), confirmed=True)  # fmt: skip
    data = state.to_dict()
    assert list(data) == [f.name for f in fields(FormState)]  # a new field is not forgotten
    assert FormState.from_dict(data) == state
    data["values"]["results"].append("三")
    assert state.values["results"] == ["一", "二"]

class Walk:
    """Drives one form like a user, checking the JSON round trip after every step."""

    def __init__(
        self, form_key: str, prefill: dict | None = None, *, contest: Contest = CONTEST,
        **engine_options,
    ) -> None:  # fmt: skip
        self.engine = FormEngine(contest, form_key, today=TODAY, **engine_options)
        self.last = self.engine.start(prefill)
        assert same_after_json(self.last.state)

    @property
    def state(self) -> FormState:
        return self.last.state

    @property
    def at(self) -> str | None:
        return self.state.cursor

    def do(self, operation: str, *args, **kwargs) -> Step:
        """Apply an engine operation to the current state and keep the result."""
        before = self.state
        self.last = getattr(self.engine, operation)(self.state, *args, **kwargs)
        assert same_after_json(self.last.state)
        if self.last.event in (Event.INVALID, Event.STALE, Event.AT_FIRST, Event.NOT_ASKING):
            assert self.last.state == before
        return self.last

    def say(self, text: str) -> Step:
        return self.do("answer", text)

    def refused(self, text: str, code: str) -> FieldError:
        """Type an answer that must be refused with ``code``; the cursor stays."""
        at = self.at
        step = self.say(text)
        assert step.event is Event.INVALID and step.error is not None, step
        assert step.error.code == code, step.error
        assert self.at == at
        return step.error

    def position(self) -> tuple[int, int]:
        view = self.engine.current(self.state)
        assert view is not None
        return view.position


# ---- per-kind parsing ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("0755-88134324", "0755-88134324"),
        ("0755 8813 4324", "0755-88134324"),
        ("075588134324", "0755-88134324"),
        ("(0755)88134324", "0755-88134324"),
        ("（０７５５）８８１３４３２４", "0755-88134324"),
        ("０７５５－８８１３４３２４", "0755-88134324"),
        ("０７５５　８８１３　４３２４", "0755-88134324"),
        ("+86 755 8813 4324", "0755-88134324"),
        ("010-62345678", "010-62345678"),
        ("020 8888 6666", "020-88886666"),
        ("0753-2345678", "0753-2345678"),
        ("0755-88134324转801", "0755-88134324转801"),
        ("0755-88134324 分机 12", "0755-88134324转12"),
    ],
)
def test_office_phone_is_normalized(typed: str, expected: str) -> None:
    assert parse_phone(typed) == expected


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("88134324", "phone_needs_area_code"),
        ("８８１３ ４３２４", "phone_needs_area_code"),
        ("13800138000", "phone_is_mobile"),
        ("400-123-4567", "service_number"),
        ("8008208820", "service_number"),
        ("0755-0813432", "bad_phone"),
        ("0755-881343245", "bad_phone"),
        ("0055-88134324", "bad_phone"),
        ("0755-12345678", "bad_phone"),
        ("电话0755", "bad_phone"),
        ("", "bad_phone"),
    ],
)
def test_office_phone_errors(typed: str, code: str) -> None:
    assert parse_phone(typed) == FieldError(code)


@pytest.mark.parametrize(
    "typed",
    [
        "13800138000",
        "138 0013 8000",
        "138-0013-8000",
        "+86 13800138000",
        "+86-138-0013-8000",
        "8613800138000",
        "008613800138000",
        "(+86)138 0013 8000",
        "１３８００１３８０００",
        "１３８　００１３　８０００",
    ],
)
def test_mobile_is_normalized(typed: str) -> None:
    assert parse_mobile(typed) == "13800138000"


@pytest.mark.parametrize(
    "typed", ["12800138000", "1380013800", "138001380001", "0755-88134324", "手机", ""]
)
def test_mobile_errors(typed: str) -> None:
    assert parse_mobile(typed) == FieldError("bad_mobile")


@pytest.mark.parametrize(
    "typed",
    [
        "2023-03-01",
        "2023/3/1",
        "2023.3.1",
        "2023年3月1日",
        "2023年3月1号",
        "2023 年 3 月 1 日",
        "２０２３年３月１日",
        "20230301",
    ],
)
def test_date_is_normalized(typed: str) -> None:
    assert parse_date(typed, TODAY) == "2023-03-01"


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("2023-02-30", FieldError("bad_date")),
        ("2023-13-01", FieldError("bad_date")),
        ("三月一日", FieldError("bad_date")),
        ("1023-03-01", FieldError("bad_date")),
        ("2024-06-11", FieldError("future_date", {"today": "2024-06-10"})),
    ],
)
def test_date_errors(typed: str, error: FieldError) -> None:
    assert parse_date(typed, TODAY) == error


def test_today_is_not_in_the_future() -> None:
    assert parse_date("2024年6月10日", TODAY) == "2024-06-10"


def spaced_full_width(draw: st.DrawFn, digits: str, separators: list[str]) -> str:
    """Render digits with random full-width characters and separators between them."""
    out = []
    for digit in digits:
        out.append(FULL_WIDTH[digit] if draw(st.booleans()) else digit)
        out.append(draw(st.sampled_from(["", "", "", *separators])))
    return "".join(out).strip()


@st.composite
def landlines(draw: st.DrawFn) -> tuple[str, str]:
    area = draw(st.sampled_from(["010", "020", "021", "0755", "0753", "0571", "0991"]))
    local = draw(st.from_regex(r"[2-9][0-9]{6,7}", fullmatch=True))
    typed = spaced_full_width(draw, area + local, [" ", "-", "\u3000", "－"])
    return typed, f"{area}-{local}"


@given(landlines())
def test_any_landline_written_any_way_is_normalized(case: tuple[str, str]) -> None:
    typed, expected = case
    assert parse_phone(typed) == expected


@st.composite
def mobiles(draw: st.DrawFn) -> tuple[str, str]:
    number = draw(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True))
    prefix = draw(st.sampled_from(["", "+86 ", "86", "+86-", "＋８６"]))
    return prefix + spaced_full_width(draw, number, [" ", "-", "\u3000"]), number


@given(mobiles())
def test_any_mobile_written_any_way_is_normalized(case: tuple[str, str]) -> None:
    typed, expected = case
    assert parse_mobile(typed) == expected


@given(st.dates(min_value=date(1950, 1, 1), max_value=TODAY), st.integers(0, 3))
def test_any_past_date_written_any_way_is_normalized(day: date, style: int) -> None:
    written = [
        f"{day.year}-{day.month}-{day.day}",
        f"{day.year}/{day.month:02}/{day.day}",
        f"{day.year}.{day.month}.{day.day:02}",
        f"{day.year}年{day.month}月{day.day}日",
    ][style]
    full_width = "".join(FULL_WIDTH.get(c, c) for c in written)
    assert parse_date(written, TODAY) == day.isoformat()
    assert parse_date(full_width, TODAY) == day.isoformat()


@given(
    st.text(alphabet=st.sampled_from("0123456789０１２３４５６７８９ -+()年月日/.　"), max_size=20)
)
def test_parsers_never_raise_and_read_their_own_output_back(text: str) -> None:
    for parse in (parse_phone, parse_mobile, lambda typed: parse_date(typed, TODAY)):
        result = parse(text)
        assert isinstance(result, str | FieldError)
        if isinstance(result, str):
            assert parse(result) == result


@given(st.text(max_size=40))
def test_any_text_is_read_without_raising(text: str) -> None:
    engine = FormEngine(CONTEST, "member", today=TODAY)
    for form_field in engine.form.fields:
        state = FormState("member", values={"employment": "contract"}, cursor=form_field.key)
        step = engine.answer(state, text)
        assert step.event in (Event.ADVANCED, Event.SKIPPED, Event.REVIEW, Event.INVALID)


# ---- the unit and contact forms ------------------------------------------------------


def test_unit_form_end_to_end_with_a_typed_choice() -> None:
    walk = Walk("unit")
    assert walk.last.event is Event.ASKED and walk.position() == (1, 3)
    assert walk.refused("党委", "too_short").params == {"min": 4, "actual": 2}
    assert walk.refused("党" * 75, "too_long").params == {"max": 60, "actual": 75}
    assert walk.refused("  \u3000 ", "required").params == {}
    walk.say("  中共深圳市某某局机关委员会　")
    assert walk.state.values["party_org"] == "中共深圳市某某局机关委员会"
    assert walk.last.event is Event.ADVANCED and walk.position() == (2, 3)
    walk.say("深圳市某某局")
    view = walk.engine.current(walk.state)
    assert view is not None and len(view.options) == 12 and view.options[0].label == "市直机关工委"
    assert walk.refused("龙", "ambiguous_choice").params == {
        "matches": ["龙岗区直机关工委", "龙华区直机关工委"]
    }
    assert walk.refused("北京市", "unknown_choice").params == {"input": "北京市"}
    walk.say("南山")
    assert walk.last.event is Event.REVIEW and walk.at is None
    assert walk.engine.result(walk.state)["submitter"] == "nanshan"
    rows = walk.engine.review(walk.state)
    assert [(r.field.key, r.display, r.missing) for r in rows] == [
        ("party_org", "中共深圳市某某局机关委员会", False),
        ("recommending_unit", "深圳市某某局", False),
        ("submitter", "南山区直机关工委", False),
    ]
    assert walk.do("confirm").event is Event.CONFIRMED and walk.state.confirmed


def test_contact_form_errors_back_and_first_field() -> None:
    walk = Walk("contact")
    assert walk.do("back", "name").event is Event.AT_FIRST
    walk.say("张三")
    walk.say("办公室副主任")
    suggested = walk.say("88134324")
    assert suggested.event is Event.SUGGESTED and walk.at == "office_phone"
    assert suggested.error == FieldError(
        "area_code_added", {"number": "0755-88134324", "area_code": "0755"}
    )
    walk.refused("13800138000", "phone_is_mobile")
    walk.say("(0755)88134324")
    walk.refused("0755-88134324", "bad_mobile")
    assert walk.do("back", "mobile").event is Event.ASKED and walk.at == "office_phone"
    view = walk.engine.current(walk.state)
    assert view is not None and view.value == "0755-88134324" and view.can_keep
    walk.do("keep", "office_phone")
    assert walk.at == "mobile"
    walk.say("138 0013 8000")
    assert walk.engine.result(walk.state) == {
        "name": "张三",
        "title": "办公室副主任",
        "office_phone": "0755-88134324",
        "mobile": "13800138000",
    }


def test_chosen_option_by_button_and_a_stale_button() -> None:
    walk = Walk("case")
    walk.do("choose", "category", "conduct")
    assert walk.at == "recommending_unit"
    assert walk.do("choose", "category", "development").event is Event.STALE
    assert walk.do("keep", "category").event is Event.STALE
    assert walk.do("confirm").event is Event.STALE
    assert walk.do("edit", "title").event is Event.STALE
    assert walk.state.values == {"category": "conduct"}


def test_unknown_option_key_and_wrong_operation_are_refused() -> None:
    walk = Walk("case")
    assert walk.do("choose", "category", "sports").error == FieldError(
        "unknown_choice", {"input": "sports"}
    )
    walk.say("党建赋能")
    assert walk.do("finish", "recommending_unit").error == FieldError(
        "not_allowed", {"operation": "finish"}
    )
    assert walk.do("choose", "recommending_unit", "x").error.code == "not_allowed"
    assert walk.do("keep", "recommending_unit").error == FieldError("nothing_to_keep")


# ---- the member form: skip, required, when ------------------------------------------


def test_member_skip_optional_and_required_refuses() -> None:
    walk = Walk("member")
    assert walk.do("skip", "name").error == FieldError("required")
    walk.say("李四")
    walk.say("二级主任科员")
    assert walk.do("skip", "office_phone").event is Event.SKIPPED
    assert walk.at == "mobile"
    walk.do("skip", "mobile")
    assert walk.position() == (5, 5)
    walk.refused("合同工", "unknown_choice")
    walk.say("在编")
    assert walk.at is None
    assert [r.field.key for r in walk.engine.review(walk.state)] == [
        "name", "title", "office_phone", "mobile", "employment",
    ]  # fmt: skip
    assert walk.do("confirm").event is Event.CONFIRMED
    assert "office_phone" not in walk.engine.result(walk.state)


def test_member_contract_start_only_for_contract_staff() -> None:
    walk = Walk("member")
    for text in ("王五", "科员", "0755-88134324", "13900001111"):
        walk.say(text)
    walk.say("聘用")
    assert walk.at == "contract_start" and walk.position() == (6, 6)
    walk.refused("去年三月", "bad_date")
    assert walk.refused("2024-07-01", "future_date").params == {"today": "2024-06-10"}
    walk.say("２０２３年３月１日")
    assert walk.at is None
    assert walk.engine.result(walk.state)["contract_start"] == "2023-03-01"
    # Changing to 在编 hides the date: left out of the result, kept for a change of mind.
    walk.do("edit", "employment")
    walk.do("choose", "employment", "staff")
    assert walk.last.event is Event.REVIEW
    assert "contract_start" not in walk.engine.result(walk.state)
    assert "contract_start" not in [r.field.key for r in walk.engine.review(walk.state)]
    walk.do("edit", "employment")
    walk.do("choose", "employment", "contract")
    assert walk.last.event is Event.REVIEW  # the old date is back, nothing to ask
    assert walk.engine.result(walk.state)["contract_start"] == "2023-03-01"


# ---- the case form -------------------------------------------------------------------


def fill_case_up_to_background(walk: Walk) -> None:
    walk.say("发展提质")
    walk.say("“一网通办”再提速 政务服务更贴心")
    assert walk.at == "background"


def test_prefilled_fields_are_shown_on_the_review_not_asked() -> None:
    walk = Walk("case", PREFILL)
    values = walk.state.values
    assert values["lead_office_phone"] == "0755-88134324"
    assert values["contact_office_phone"] == "0755-88134325"
    assert values["contact_mobile"] == "13800138000"
    # Counted among the visible fields, prefilled ones too: the count the case card shows.
    assert walk.position() == (1, 15)
    fill_case_up_to_background(walk)
    assert walk.position() == (12, 15)
    assert walk.do("back", "background").event is Event.ASKED and walk.at == "title"


def test_a_prefilled_value_is_offered_for_keep_when_edited() -> None:
    walk = Walk("case", PREFILL)
    fill_case_up_to_background(walk)
    finish_case(walk, reentered=False)
    row = next(r for r in walk.engine.review(walk.state) if r.field.key == "contact_name")
    assert (row.display, row.prefilled) == ("张三", True)
    walk.do("edit", "contact_name")
    view = walk.engine.current(walk.state)
    assert view is not None
    assert (view.value, view.can_keep, view.position) == ("张三", True, (8, 15))
    assert walk.do("keep", "contact_name").event is Event.REVIEW
    assert walk.state.values["contact_name"] == "张三"


def test_free_text_keeps_what_was_written() -> None:
    walk = Walk("unit")
    walk.say("中共深圳市某某局　第１党支部\n")
    assert walk.state.values["party_org"] == "中共深圳市某某局 第１党支部"


def test_prefilled_value_that_does_not_fit_is_asked() -> None:
    walk = Walk("case", {**PREFILL, "lead.mobile": "12345", "lead.name": "李" * 30})
    assert "lead_mobile" not in walk.state.values and "lead_name" not in walk.state.values
    walk.say("正风增效")
    assert walk.at == "title"
    walk.say("机关作风建设新举措")
    assert walk.at == "lead_name"


def test_long_text_over_three_messages_then_finish() -> None:
    walk = Walk("case", PREFILL)
    fill_case_up_to_background(walk)
    assert walk.do("finish", "background").error == FieldError("required")
    assert walk.refused(" \n ", "empty") == FieldError("empty")
    walk.say("一、问题。")
    assert walk.do("finish", "background").error == FieldError(
        "too_short", {"min": 20, "actual": 5}
    )
    for piece in ("二、工作基础：已有数据平台。", "三、出发点：让群众少跑腿。"):
        assert walk.say(piece).event is Event.APPENDED and walk.at == "background"
    view = walk.engine.current(walk.state)
    assert view is not None and len(view.pieces) == 3 and not view.can_keep
    assert view.length == count_words("\n".join(view.pieces))  # the one counting rule
    assert walk.do("finish", "background").event is Event.ADVANCED
    assert walk.state.values["background"] == (
        "一、问题。\n二、工作基础：已有数据平台。\n三、出发点：让群众少跑腿。"
    )
    assert walk.at == "innovations" and walk.state.pieces == ()


def test_long_text_on_a_filled_field_appends_replaces_or_keeps() -> None:
    walk = Walk("case", PREFILL)
    fill_case_up_to_background(walk)
    walk.say(BACKGROUND)
    walk.do("finish", "background")
    walk.do("back", "innovations")
    view = walk.engine.current(walk.state)
    assert view is not None and view.pieces == (BACKGROUND,) and view.can_keep
    walk.say("补充：今年新增了掌上办。")
    walk.do("finish", "background")
    assert walk.state.values["background"] == BACKGROUND + "\n补充：今年新增了掌上办。"
    walk.do("back", "innovations")
    assert walk.do("replace", "background").state.pieces == ()
    walk.say("全新的背景")
    assert walk.do("append", "background").state.pieces == (walk.state.values["background"],)
    walk.do("replace", "background")
    walk.say("全新的背景介绍：聚焦企业开办，一窗受理、一次办好，压缩办理时限。")
    walk.do("keep", "background")  # keeping discards the new pieces
    assert walk.state.values["background"].endswith("掌上办。") and walk.at == "innovations"
    assert walk.do("append", "innovations").error.code == "not_allowed"


def contest_with_short_background() -> Contest:
    """Return the 2024 contest with a 40-character limit on the case background."""
    case = CONTEST.forms.case
    fields = [
        f.model_copy(update={"max_length": 40}) if f.key == "background" else f for f in case.fields
    ]
    forms = CONTEST.forms.model_copy(update={"case": case.model_copy(update={"fields": fields})})
    return CONTEST.model_copy(update={"forms": forms})


def test_long_text_piece_over_the_limit_is_refused_at_once() -> None:
    engine = FormEngine(contest_with_short_background(), "case", today=TODAY)
    state = engine.start(PREFILL).state
    state = engine.answer(engine.answer(state, "发展提质").state, "案例名称四字以上").state
    state = engine.answer(state, "一" * 30).state
    step = engine.answer(state, "二" * 15)
    assert step.event is Event.INVALID and step.state == state
    assert step.error == FieldError("too_long", {"max": 40, "actual": 46})
    state = engine.answer(state, "二" * 9).state
    assert engine.finish(state, "background").event is Event.ADVANCED


def test_list_items_one_by_one_with_back_and_keep() -> None:
    walk = Walk("case", PREFILL)
    fill_case_up_to_background(walk)
    walk.say(BACKGROUND)
    walk.do("finish", "background")
    view = walk.engine.current(walk.state)
    assert view is not None and (view.item, view.item_value, view.can_keep) == (1, None, False)
    assert walk.refused("  ", "required").params == {"item": 1}
    assert walk.say("数据共享，材料免交。").event is Event.NEXT_ITEM
    assert walk.engine.current(walk.state).item == 2
    assert walk.do("back", "innovations", item=2).event is Event.ASKED
    view = walk.engine.current(walk.state)
    assert (view.item, view.item_value, view.can_keep) == (1, "数据共享，材料免交。", True)
    assert walk.do("keep", "innovations", item=2).event is Event.STALE  # an old button
    walk.do("keep", "innovations", item=1)
    walk.say("流程再造，一次办好。")
    assert walk.say("全程网办，不见面审批。").event is Event.ADVANCED
    assert walk.state.values["innovations"] == [
        "数据共享，材料免交。",
        "流程再造，一次办好。",
        "全程网办，不见面审批。",
    ]
    assert walk.at == "results"
    # Back from the next field lands on the list's last item, the old items offered.
    walk.do("back", "results")
    view = walk.engine.current(walk.state)
    assert (view.item, view.item_value) == (3, "全程网办，不见面审批。")


def test_a_list_keeps_its_items_as_far_as_they_go() -> None:
    walk = Walk("case", PREFILL)
    fill_case_up_to_background(walk)
    walk.say(BACKGROUND)
    walk.do("finish", "background")
    walk.say("数据共享，材料免交。")
    # The first item is stored at once: a pause, the review or a reopened form keeps it.
    assert walk.state.values["innovations"] == ["数据共享，材料免交。"]
    again = walk.engine.start(values={**walk.engine.result(walk.state)})
    assert again.state.values["innovations"] == ["数据共享，材料免交。"]
    assert "innovations" not in again.state.prefilled  # asked again: it is not complete
    edited = walk.engine.edit(walk.engine._to_review(walk.state), "innovations").state
    view = walk.engine.current(edited)
    assert view is not None and (view.item, view.item_value) == (2, None)
    assert edited.draft == ("数据共享，材料免交。", "", "")
    back = walk.engine.back(edited, "innovations", item=2).state
    assert walk.engine.current(back).item_value == "数据共享，材料免交。"


def finish_case(walk: Walk, *, reentered: bool) -> None:
    """Answer everything after the title, the way a user would."""
    walk.say(BACKGROUND)
    walk.do("finish", "background")
    for n in (1, 2, 3):
        walk.say(f"创新点{n}：做法说明。")
    for n in (1, 2, 3):
        walk.say(f"成果{n}：办理时限压缩{n * 10}%。")
    walk.do("choose", "reentered", reentered)


def test_case_not_reentered_skips_prize_and_whats_new() -> None:
    walk = Walk("case", PREFILL)
    fill_case_up_to_background(walk)
    finish_case(walk, reentered=False)
    assert walk.last.event is Event.REVIEW
    keys = [r.field.key for r in walk.engine.review(walk.state)]
    assert "previous_prize" not in keys and "whats_new" not in keys and len(keys) == 15
    assert walk.do("confirm").event is Event.CONFIRMED
    result = walk.engine.result(walk.state)
    assert result["reentered"] is False and result["lead_name"] == "李四"
    assert result["innovations"][0] == "创新点1：做法说明。"


def test_case_reentered_asks_prize_and_whats_new() -> None:
    walk = Walk("case", PREFILL)
    fill_case_up_to_background(walk)
    finish_case(walk, reentered=True)
    assert walk.at == "previous_prize" and walk.position() == (16, 17)
    walk.refused("特等奖", "unknown_choice")
    walk.say("三等奖")
    assert walk.at == "whats_new"
    walk.say("今年新增了企业开办一件事，办理时限由3天压缩到半天。")
    walk.do("finish", "whats_new")
    assert walk.last.event is Event.REVIEW
    assert walk.engine.result(walk.state)["previous_prize"] == "third"


def test_yes_no_typed_and_refused() -> None:
    walk = Walk("case", PREFILL)
    fill_case_up_to_background(walk)
    finish_case(walk, reentered=True)
    walk.do("back", "previous_prize")
    assert walk.at == "reentered"
    walk.refused("也许", "bad_yes_no")
    walk.say("没有")
    assert walk.last.event is Event.REVIEW and walk.state.values["reentered"] is False
    walk.do("back", None)
    walk.say("ＹＥＳ")
    assert walk.state.values["reentered"] is True and walk.at == "previous_prize"
    assert walk.do("choose", "previous_prize", True).error.code == "unknown_choice"


def test_edit_from_the_review_returns_to_the_review() -> None:
    walk = Walk("case", PREFILL)
    fill_case_up_to_background(walk)
    finish_case(walk, reentered=False)
    assert walk.do("edit", "lead_mobile").event is Event.ASKED
    view = walk.engine.current(walk.state)
    assert view is not None and view.editing and view.value == "13900001111"
    walk.refused("1390000", "bad_mobile")
    walk.say("139 0000 2222")
    assert walk.last.event is Event.REVIEW and walk.at is None
    assert walk.state.values["lead_mobile"] == "13900002222"
    walk.do("edit", "title")
    view = walk.engine.current(walk.state)
    assert view is not None and view.can_keep and view.value.startswith("“一网通办”")
    assert walk.do("keep", "title").event is Event.REVIEW
    walk.do("edit", "lead_name")  # prefilled: once edited, no longer marked so
    walk.say("王五")
    row = next(r for r in walk.engine.review(walk.state) if r.field.key == "lead_name")
    assert (row.display, row.prefilled) == ("王五", False)
    # Back while editing cancels the edit.
    walk.do("edit", "category")
    walk.say("正风")
    assert walk.state.values["category"] == "conduct"
    walk.do("edit", "innovations")
    walk.say("新的创新点一。")
    assert walk.do("back", "innovations", item=2).event is Event.ASKED
    assert walk.do("back", "innovations", item=1).event is Event.REVIEW
    assert walk.state.values["innovations"][0] == "创新点1：做法说明。"
    assert walk.do("edit", "previous_prize").event is Event.STALE  # hidden field


def test_edit_that_reveals_fields_asks_them_then_returns() -> None:
    walk = Walk("case", PREFILL)
    fill_case_up_to_background(walk)
    finish_case(walk, reentered=False)
    walk.do("edit", "reentered")
    walk.say("是")
    assert walk.at == "previous_prize" and walk.last.event is Event.ADVANCED
    walk.do("choose", "previous_prize", "none")
    assert walk.at == "whats_new"
    walk.say("今年新增了企业开办一件事，办理时限由3天压缩到半天。")
    walk.do("finish", "whats_new")
    assert walk.last.event is Event.REVIEW
    walk.do("edit", "reentered")
    walk.do("choose", "reentered", "no")
    assert walk.last.event is Event.REVIEW
    assert "whats_new" not in walk.engine.result(walk.state)
    assert walk.state.values["whats_new"].startswith("今年新增")  # kept, ignored
    assert walk.do("confirm").event is Event.CONFIRMED


def test_confirm_lists_the_missing_fields() -> None:
    walk = Walk("case")
    assert walk.do("answer", "发展提质").event is Event.ADVANCED
    walk.do("skip", "recommending_unit")  # required: refused
    assert walk.last.error == FieldError("required")
    engine = walk.engine
    state = FormState.from_dict({**walk.state.to_dict(), "cursor": None})
    step = engine.confirm(state)
    assert step.event is Event.INCOMPLETE and step.state == state
    missing = [p.key for p in step.problems]
    assert missing[:3] == ["recommending_unit", "title", "lead_name"] and len(missing) == 14
    assert all(p.error == FieldError("required") for p in step.problems)
    assert [r.missing for r in engine.review(state)][:2] == [False, True]
    assert engine.answer(state, "随便说点").event is Event.NOT_ASKING


def test_custom_validator_bars_first_and_second_prizes() -> None:
    def not_barred(value: object, values: object) -> FieldError | None:
        barred = {"first", "second"}
        return FieldError("barred_prize", {"prize": value}) if value in barred else None

    walk = Walk("case", PREFILL, validators={"previous_prize": not_barred})
    fill_case_up_to_background(walk)
    finish_case(walk, reentered=True)
    assert walk.do("choose", "previous_prize", "second").error == FieldError(
        "barred_prize", {"prize": "second"}
    )
    walk.refused("一等奖", "barred_prize")
    walk.say("未获奖")
    assert walk.at == "whats_new"


def test_saved_values_open_on_the_review() -> None:
    engine = FormEngine(CONTEST, "contact", today=TODAY)
    saved = {"name": "张三", "title": "主任", "office_phone": "0755-88134324", "mobile": "138"}
    step = engine.start(values=saved)
    assert step.event is Event.ASKED and step.state.cursor == "mobile"
    assert engine.current(step.state).position == (4, 4)  # its place among the 4 fields
    complete = engine.start(values={**saved, "mobile": "13800138000"})
    assert complete.event is Event.REVIEW and complete.state.cursor is None
    assert engine.back(complete.state, None).event is Event.AT_FIRST


def test_a_state_of_another_form_is_a_programming_error() -> None:
    unit = FormEngine(CONTEST, "unit", today=TODAY)
    state = FormEngine(CONTEST, "contact", today=TODAY).start().state
    with pytest.raises(ValueError, match="contact"):
        unit.answer(state, "x")
    with pytest.raises(ValueError, match="unknown form"):
        FormEngine(CONTEST, "team", today=TODAY)


def test_a_cursor_on_a_field_that_no_longer_exists_lands_on_the_review() -> None:
    engine = FormEngine(CONTEST, "unit", today=TODAY)
    state = FormState("unit", values={"party_org": "中共深圳市某某局机关委员会"}, cursor="gone")
    assert engine.current(state) is None
    assert engine.answer(state, "x").event is Event.NOT_ASKING


# ---- random use never breaks the engine ----------------------------------------------

ANSWERS = [
    "",
    "是",
    "否",
    "发展提质",
    "聘用",
    "在编",
    "三等奖",
    "0755 8813 4324",
    "８８１３４３２４",
    "+86 138 0013 8000",
    "2023年3月1日",
    "2099-01-01",
    "中共深圳市某某局机关委员会",
    BACKGROUND,
    "龙",
    "x" * 100,
]
GOOD_ANSWERS = {
    FieldKind.TEXT: "中共深圳市某某局机关委员会",
    FieldKind.LONG_TEXT: BACKGROUND,
    FieldKind.LIST: "一条完整的内容。",
    FieldKind.PHONE: "０７５５ 8813 4324",
    FieldKind.MOBILE: "+86 138 0013 8000",
    FieldKind.DATE: "2023年3月1日",
}
OPERATIONS = st.one_of(
    st.tuples(st.just("fitting_answer")),
    st.tuples(st.just("fitting_answer")),
    st.tuples(st.just("fitting_answer")),
    st.tuples(st.just("answer"), st.sampled_from(ANSWERS)),
    st.tuples(st.sampled_from(["keep", "skip", "finish", "append", "replace", "back", "edit"])),
    st.tuples(st.just("choose"), st.sampled_from(["yes", "no", "staff", "contract", "third", "x"])),
    st.tuples(st.sampled_from(["edit", "finish", "keep"])),
    st.tuples(st.just("confirm")),
    st.tuples(st.just("json")),
)


def fitting_answer(engine: FormEngine, state: FormState, pick: int) -> str:
    """Return an answer that suits the field being asked (or some text on the review)."""
    if state.cursor is None:
        return "随便说点"
    form_field = engine.form.field(state.cursor)
    if form_field.kind is FieldKind.YES_NO:
        return ["是", "否"][pick % 2]
    if form_field.kind is FieldKind.CHOICE:
        options = engine.options(form_field.key)
        return options[pick % len(options)].label
    return GOOD_ANSWERS[form_field.kind]


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(["unit", "contact", "member", "case", "case", "case"]),
    st.booleans(),
    st.lists(st.tuples(OPERATIONS, st.booleans(), st.integers(0, 20)), max_size=80),
)
def test_random_operations_never_raise_and_always_round_trip(
    form_key: str, prefill: bool, operations: list
) -> None:
    engine = FormEngine(CONTEST, form_key, today=TODAY)
    keys = [f.key for f in engine.form.fields]
    state = engine.start(PREFILL if prefill else None).state
    for (operation, *args), on_cursor, pick in operations:
        # Buttons mostly carry the cursor's key; sometimes an old message's key.
        target = state.cursor if on_cursor else keys[pick % len(keys)]
        if operation == "json":
            state = FormState.from_dict(json.loads(json.dumps(state.to_dict())))
            continue
        if operation == "fitting_answer" and state.pieces and pick % 2:
            step = engine.finish(state, state.cursor)
        elif operation == "fitting_answer":
            step = engine.answer(state, fitting_answer(engine, state, pick))
        elif operation in ("answer", "confirm"):
            step = getattr(engine, operation)(state, *args)
        elif operation == "edit":
            step = engine.edit(state, keys[pick % len(keys)])
        elif operation == "back":
            step = engine.back(state, target)
        else:
            step = getattr(engine, operation)(state, target, *args)
        assert isinstance(step, Step) and same_after_json(step.state)
        if step.event in (Event.INVALID, Event.STALE, Event.AT_FIRST, Event.NOT_ASKING):
            assert step.state == state and (step.error is None) == (step.event != Event.INVALID)
        state = step.state
        shown = [f.key for f in engine.visible(state.values)]
        assert state.cursor is None or state.cursor in shown
        view = engine.current(state)
        if view is not None:
            assert 1 <= view.position[0] <= view.position[1]
        for key, value in engine.result(state).items():
            options = engine.options(key)
            form_field = engine.form.field(key)
            if form_field.kind is FieldKind.LIST and len(value) < (form_field.items or 0):
                value = [*value, *[value[-1]] * ((form_field.items or 0) - len(value))]
            assert check_value(form_field, value, options, TODAY) is None
        if state.confirmed:
            assert engine.problems(state) == ()


def test_an_office_number_without_area_code_gets_the_contests_and_is_kept_with_one_tap() -> None:
    """The area code comes from the contest file (0739 in the made-up city), shown, then kept."""
    walk = Walk("contact", contest=OTHER)
    walk.say("王明")
    walk.say("党建办主任")
    step = walk.say("5123456")
    assert step.event is Event.SUGGESTED and step.error is not None
    assert step.error.params == {"number": "0739-5123456", "area_code": "0739"}
    view = walk.engine.current(walk.state)
    assert view is not None and view.value == "0739-5123456" and view.can_keep
    walk.do("keep", "office_phone")
    assert walk.at == "mobile" and walk.state.values["office_phone"] == "0739-5123456"


def test_without_an_area_code_in_the_file_a_local_number_is_refused() -> None:
    contest = OTHER.model_copy(update={"terms": OTHER.terms.model_copy(update={"area_code": ""})})
    walk = Walk("contact", contest=contest)
    walk.say("王明")
    walk.say("党建办主任")
    walk.refused("5123456", "phone_needs_area_code")


@pytest.mark.parametrize("typed", ["李<i>四</i>", "😀😀😀", "李4", "<b>张三</b>", "!!"])
def test_a_name_needs_letters_of_a_name(typed: str) -> None:
    walk = Walk("contact")
    error = walk.refused(typed, "not_a_name")
    assert error.params == {"what": "person"}


@pytest.mark.parametrize("typed", ["张三", "阿依古丽·买买提", "Zhang San", "欧阳 娜娜"])
def test_names_as_people_write_them_are_taken(typed: str) -> None:
    walk = Walk("contact")
    walk.say(typed)
    assert walk.at == "title"


@pytest.mark.parametrize("typed", ["😀😀😀😀😀", "<b>某某局</b>", "12345678"])
def test_an_organization_name_needs_words(typed: str) -> None:
    walk = Walk("unit")
    assert walk.refused(typed, "not_a_name").params == {"what": "organization"}


def test_the_lead_name_in_the_case_form_follows_the_name_rule() -> None:
    """A text field prefilled from a name is a name too (牵头人姓名 from lead.name)."""
    engine = FormEngine(CONTEST, "case", today=TODAY)
    lead = next(f for f in CONTEST.forms.case.fields if f.prefill == "lead.name")
    assert engine.field_type(lead.key).parse("😀😀", Reading()) == FieldError(
        "not_a_name", {"what": "person"}
    )
