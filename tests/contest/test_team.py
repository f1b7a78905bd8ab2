"""Tests for the team rules: size, lead, eligibility by contract months, changes."""

from __future__ import annotations

import calendar
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contest.definition import TeamRule, load_contest
from contest.team import (
    AddMember,
    Change,
    EditMember,
    Member,
    Problem,
    RemoveMember,
    ReplaceMember,
    SetLead,
    TeamCode,
    apply_change,
    check_change,
    contract_months,
    team_problems,
)
from contest.timefmt import BEIJING

CONTEST_FILE = Path(__file__).resolve().parents[2] / "contests" / "jianbing-2024.toml"
RULE = TeamRule(
    max_members=5,
    eligibility="在编或者聘用期一年以上",
    contract_min_months=12,
    member_replacements=1,
)
DEADLINE = datetime(2024, 7, 15, 23, 59, 59, tzinfo=BEIJING)


def staff(slot: int, *, lead: bool = False, replaced: int = 0, name: str = "") -> Member:
    return Member(
        name=name or f"队员{slot}", employment="staff", is_lead=lead, slot=slot, replaced=replaced
    )


def hired(slot: int, start: date | None, *, lead: bool = False) -> Member:
    return Member(
        name=f"聘员{slot}", employment="contract", contract_start=start, is_lead=lead, slot=slot
    )


def team(size: int, *, replaced: int = 0) -> list[Member]:
    return [staff(1, lead=True)] + [staff(s, replaced=replaced) for s in range(2, size + 1)]


def codes(problems: list[Problem]) -> list[str]:
    return [p.code for p in problems]


def test_contest_file_team_rule_matches_notice() -> None:
    rule = load_contest(CONTEST_FILE).rules.team
    assert (rule.max_members, rule.contract_min_months) == (5, 12)
    assert (rule.lead_changeable, rule.member_replacements) == (False, 1)


# ------------------------------------------------------------------- contract_months


@pytest.mark.parametrize(
    ("start", "on", "months"),
    [
        (date(2023, 7, 15), date(2024, 7, 15), 12),
        (date(2023, 7, 16), date(2024, 7, 15), 11),
        (date(2023, 7, 14), date(2024, 7, 15), 12),
        (date(2023, 6, 15), date(2024, 7, 15), 13),
        (date(2024, 7, 15), date(2024, 7, 15), 0),
        (date(2024, 7, 16), date(2024, 7, 15), 0),
        (date(2024, 6, 16), date(2024, 7, 15), 0),
        (date(2024, 6, 15), date(2024, 7, 15), 1),
        (date(2023, 1, 31), date(2023, 2, 28), 1),
        (date(2023, 1, 31), date(2023, 2, 27), 0),
        (date(2024, 1, 31), date(2024, 2, 29), 1),
        (date(2024, 1, 31), date(2024, 2, 28), 0),
        (date(2023, 1, 31), date(2023, 3, 30), 1),
        (date(2023, 1, 31), date(2023, 3, 31), 2),
        (date(2024, 2, 29), date(2025, 2, 28), 12),
        (date(2024, 2, 29), date(2025, 2, 27), 11),
        (date(2023, 12, 31), date(2024, 1, 1), 0),
        (date(2000, 1, 1), date(2024, 7, 15), 294),
    ],
)
def test_contract_months(start: date, on: date, months: int) -> None:
    assert contract_months(start, on) == months


def add_months(start: date, months: int) -> date:
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


@given(
    st.dates(min_value=date(1990, 1, 1), max_value=date(2030, 12, 31)),
    st.integers(min_value=0, max_value=240),
)
def test_contract_months_counts_anniversaries(start: date, months: int) -> None:
    anniversary = add_months(start, months)
    assert contract_months(start, anniversary) == months
    assert contract_months(start, anniversary - timedelta(days=1)) == max(months - 1, 0)


@given(
    st.dates(min_value=date(1990, 1, 1), max_value=date(2030, 12, 31)),
    st.integers(min_value=0, max_value=3000),
    st.integers(min_value=0, max_value=400),
)
def test_contract_months_monotone_and_bounded(start: date, days: int, more: int) -> None:
    on = start + timedelta(days=days)
    later = on + timedelta(days=more)
    months = contract_months(start, on)
    assert 0 <= months <= days // 28
    assert contract_months(start, later) >= months
    assert months >= days // 31 - 1


# ---------------------------------------------------------------------- team_problems


def test_a_good_team_has_no_problems() -> None:
    assert team_problems(team(5), RULE, DEADLINE) == []


@pytest.mark.parametrize(
    ("members", "expected"),
    [
        ([], [TeamCode.NO_MEMBERS]),
        (team(1), []),
        (team(5), []),
        (team(6), [TeamCode.TOO_MANY_MEMBERS]),
        ([staff(1), staff(2)], [TeamCode.NO_LEAD]),
        ([staff(1, lead=True), staff(2, lead=True)], [TeamCode.SEVERAL_LEADS]),
        (
            [staff(s) for s in range(1, 7)],
            [TeamCode.TOO_MANY_MEMBERS, TeamCode.NO_LEAD],
        ),
        ([hired(1, date(2023, 7, 15), lead=True)], []),
        ([hired(1, date(2023, 6, 15), lead=True)], []),
        ([hired(1, date(2023, 8, 15), lead=True)], [TeamCode.CONTRACT_TOO_SHORT]),
        ([hired(1, date(2023, 7, 16), lead=True)], [TeamCode.CONTRACT_TOO_SHORT]),
        ([hired(1, None, lead=True)], [TeamCode.CONTRACT_START_MISSING]),
        ([hired(1, date(2024, 7, 16), lead=True)], [TeamCode.CONTRACT_START_AFTER_DEADLINE]),
        ([hired(1, date(2024, 7, 15), lead=True)], [TeamCode.CONTRACT_TOO_SHORT]),
        (
            [Member("王五", "staff", contract_start=date(2024, 7, 1), is_lead=True, slot=1)],
            [],
        ),
    ],
)
def test_team_problems(members: list[Member], expected: list[TeamCode]) -> None:
    assert codes(team_problems(members, RULE, DEADLINE)) == expected


def test_team_problem_params() -> None:
    members = [
        staff(1, lead=True),
        staff(2, lead=True),
        hired(3, date(2023, 8, 15)),
        hired(4, None),
        staff(5),
        staff(6),
    ]
    assert team_problems(members, RULE, DEADLINE) == [
        Problem(TeamCode.TOO_MANY_MEMBERS, {"count": 6, "max_members": 5}),
        Problem(TeamCode.SEVERAL_LEADS, {"count": 2, "slots": [1, 2]}),
        Problem(
            TeamCode.CONTRACT_TOO_SHORT,
            {
                "slot": 3,
                "name": "聘员3",
                "start": "2023-08-15",
                "on": "2024-07-15",
                "months": 11,
                "required": 12,
            },
        ),
        Problem(TeamCode.CONTRACT_START_MISSING, {"slot": 4, "name": "聘员4"}),
    ]


def test_no_members_reports_nothing_else() -> None:
    assert team_problems([], RULE, DEADLINE) == [Problem(TeamCode.NO_MEMBERS)]


@pytest.mark.parametrize(
    ("start", "months", "ok"),
    [
        (date(2023, 8, 15), 11, False),
        (date(2023, 7, 15), 12, True),
        (date(2023, 6, 15), 13, True),
    ],
    ids=["11-months", "exactly-12", "13-months"],
)
def test_contract_boundary_in_months(start: date, months: int, ok: bool) -> None:
    assert contract_months(start, DEADLINE.date()) == months
    problems = team_problems([hired(1, start, lead=True)], RULE, DEADLINE)
    assert (problems == []) is ok


def test_deadline_day_is_taken_in_the_contest_zone() -> None:
    # 2024-07-14T16:00Z is already 2024-07-15 00:00 in Beijing.
    utc_deadline = datetime(2024, 7, 14, 16, 0, tzinfo=UTC)
    member = [hired(1, date(2023, 7, 15), lead=True)]
    assert team_problems(member, RULE, utc_deadline) == []
    assert codes(team_problems(member, RULE, utc_deadline, zone=BEIJING)) == []
    just_before = utc_deadline - timedelta(seconds=1)
    assert codes(team_problems(member, RULE, just_before)) == [TeamCode.CONTRACT_TOO_SHORT]


def test_naive_deadline_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone"):
        team_problems(team(2), RULE, datetime(2024, 7, 15, 23, 59))


def test_other_rules_are_respected() -> None:
    rule = TeamRule(max_members=3, eligibility="", contract_min_months=6)
    assert codes(team_problems(team(4), rule, DEADLINE)) == [TeamCode.TOO_MANY_MEMBERS]
    assert team_problems([hired(1, date(2024, 1, 15), lead=True)], rule, DEADLINE) == []
    free = TeamRule(max_members=3, eligibility="", contract_min_months=0)
    assert team_problems([hired(1, date(2024, 7, 15), lead=True)], free, DEADLINE) == []


# ----------------------------------------------------------------------- check_change

NEWCOMER = staff(0, name="新人")


@pytest.mark.parametrize(
    ("change", "members", "submitted", "expected"),
    [
        # before submission: free within size and lead rules
        (AddMember(NEWCOMER), team(4), False, None),
        (AddMember(NEWCOMER), team(5), False, TeamCode.TEAM_FULL),
        (AddMember(NEWCOMER), [], False, None),
        (AddMember(staff(0, lead=True)), [], False, None),
        (AddMember(staff(0, lead=True)), team(2), False, TeamCode.LEAD_EXISTS),
        (RemoveMember(1), team(3), False, None),
        (RemoveMember(2), team(3), False, None),
        (RemoveMember(9), team(3), False, TeamCode.NO_SUCH_SLOT),
        (ReplaceMember(1, NEWCOMER), team(3), False, None),
        (ReplaceMember(2, NEWCOMER), team(3, replaced=1), False, None),
        (SetLead(2), team(3), False, None),
        (SetLead(9), team(3), False, TeamCode.NO_SUCH_SLOT),
        (EditMember(1, staff(0, name="另一人")), team(3), False, None),
        # after submission
        (AddMember(NEWCOMER), team(4), True, TeamCode.ADD_AFTER_SUBMISSION),
        (AddMember(NEWCOMER), team(5), True, TeamCode.ADD_AFTER_SUBMISSION),
        (SetLead(2), team(3), True, TeamCode.LEAD_FIXED),
        (SetLead(1), team(3), True, None),
        (SetLead(2), [staff(1), staff(2)], True, None),
        (SetLead(9), team(3), True, TeamCode.NO_SUCH_SLOT),
        (RemoveMember(1), team(3), True, TeamCode.LEAD_FIXED),
        (ReplaceMember(1, NEWCOMER), team(3), True, TeamCode.LEAD_FIXED),
        (ReplaceMember(2, NEWCOMER), team(3), True, None),
        (ReplaceMember(2, NEWCOMER), team(3, replaced=1), True, TeamCode.REPLACEMENTS_USED),
        (ReplaceMember(9, NEWCOMER), team(3), True, TeamCode.NO_SUCH_SLOT),
        (RemoveMember(2), team(3), True, None),
        (RemoveMember(2), team(3, replaced=1), True, TeamCode.REPLACEMENTS_USED),
        (EditMember(2, staff(0, name="队员2")), team(3), True, None),
        (EditMember(2, staff(0, name=" 队员 2 ")), team(3), True, None),
        (
            EditMember(2, hired(0, date(2020, 1, 1))),
            team(3),
            True,
            TeamCode.RENAME_AFTER_SUBMISSION,
        ),
        (EditMember(1, staff(0, name="队员1")), team(3), True, None),
        (EditMember(9, NEWCOMER), team(3), True, TeamCode.NO_SUCH_SLOT),
    ],
)
def test_check_change(
    change: Change, members: list[Member], submitted: bool, expected: TeamCode | None
) -> None:
    problem = check_change(change, members, RULE, submitted)
    assert (problem.code if problem else None) == expected


def test_second_replacement_of_the_same_slot_is_refused() -> None:
    members = team(3)
    newcomer = staff(0, name="替补一")
    members = apply_change(ReplaceMember(2, newcomer), members, RULE, submitted=True)
    assert [m.replaced for m in members] == [0, 1, 0]
    assert members[1].name == "替补一"
    problem = check_change(ReplaceMember(2, staff(0, name="替补二")), members, RULE, True)
    assert problem == Problem(TeamCode.REPLACEMENTS_USED, {"slot": 2, "used": 1, "allowed": 1})
    # another slot still has its change
    assert check_change(ReplaceMember(3, staff(0, name="替补二")), members, RULE, True) is None
    # and the replacement in slot 2 cannot be removed either
    assert check_change(RemoveMember(2), members, RULE, True) == problem


def test_replacement_limit_comes_from_the_rule() -> None:
    twice = TeamRule(max_members=5, eligibility="", contract_min_months=12, member_replacements=2)
    never = TeamRule(max_members=5, eligibility="", contract_min_months=12, member_replacements=0)
    assert check_change(ReplaceMember(2, NEWCOMER), team(3, replaced=1), twice, True) is None
    refused = check_change(ReplaceMember(2, NEWCOMER), team(3, replaced=2), twice, True)
    assert refused is not None and refused.params == {"slot": 2, "used": 2, "allowed": 2}
    refused = check_change(ReplaceMember(2, NEWCOMER), team(3), never, True)
    assert refused is not None and refused.code == TeamCode.REPLACEMENTS_USED


def test_lead_change_after_submission_params() -> None:
    assert check_change(SetLead(3), team(3), RULE, True) == Problem(
        TeamCode.LEAD_FIXED, {"slot": 1}
    )


def test_changeable_lead() -> None:
    rule = TeamRule(
        max_members=5,
        eligibility="",
        contract_min_months=12,
        lead_changeable=True,
        member_replacements=1,
    )
    assert check_change(SetLead(2), team(3), rule, True) is None
    assert check_change(ReplaceMember(1, NEWCOMER), team(3), rule, True) is None
    assert check_change(RemoveMember(1), team(3), rule, True) == Problem(
        TeamCode.LEAD_REQUIRED, {"slot": 1}
    )
    after = apply_change(SetLead(2), team(3), rule, True)
    assert [m.is_lead for m in after] == [False, True, False]


def test_team_full_params() -> None:
    assert check_change(AddMember(NEWCOMER), team(5), RULE, False) == Problem(
        TeamCode.TEAM_FULL, {"max_members": 5}
    )


# ----------------------------------------------------------------------- apply_change


def test_apply_add_assigns_the_next_slot() -> None:
    members = apply_change(AddMember(staff(7, replaced=3, name="新人")), team(2), RULE, False)
    assert [(m.slot, m.name, m.replaced) for m in members] == [
        (1, "队员1", 0),
        (2, "队员2", 0),
        (3, "新人", 0),
    ]
    first = apply_change(AddMember(staff(0, lead=True)), [], RULE, False)
    assert [(m.slot, m.is_lead) for m in first] == [(1, True)]


def test_apply_replace_before_submission_is_not_counted() -> None:
    members = apply_change(ReplaceMember(1, staff(0, name="新牵头人")), team(2), RULE, False)
    assert [(m.slot, m.name, m.is_lead, m.replaced) for m in members] == [
        (1, "新牵头人", True, 0),
        (2, "队员2", False, 0),
    ]


def test_apply_remove_set_lead_and_edit() -> None:
    members = apply_change(RemoveMember(2), team(3), RULE, False)
    assert [m.slot for m in members] == [1, 3]
    members = apply_change(SetLead(3), members, RULE, False)
    assert [m.is_lead for m in members] == [False, True]
    edited = apply_change(
        EditMember(3, hired(0, date(2022, 1, 1), lead=False)), members, RULE, False
    )
    assert edited[1] == Member("聘员0", "contract", date(2022, 1, 1), is_lead=True, slot=3)


def test_apply_refused_change_raises() -> None:
    with pytest.raises(ValueError, match="lead_fixed"):
        apply_change(SetLead(2), team(3), RULE, True)


def test_removing_the_lead_before_submission_leaves_no_lead() -> None:
    members = apply_change(RemoveMember(1), team(3), RULE, False)
    assert codes(team_problems(members, RULE, DEADLINE)) == [TeamCode.NO_LEAD]


def test_problem_codes_are_plain_strings() -> None:
    assert TeamCode.CONTRACT_TOO_SHORT == "contract_too_short"
    assert json.dumps([TeamCode.NO_LEAD]) == '["no_lead"]'
