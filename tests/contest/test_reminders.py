"""When reminders and announcements go out, and what a unit still lacks (pure, fixed times)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest

from contest.definition import Contest, Editing, Reminders
from contest.reminders import (
    CaseFacts,
    SendTimeError,
    allowed,
    due_openings,
    due_slots,
    openings,
    parse_send_time,
    quiet_until,
    reminder_slots,
    stage_slots,
    standing,
    superseded_slots,
    unit_done,
    unit_todo,
    upcoming,
)
from contest.team import Member
from tests.conftest import BEIJING
from tests.delivery.world import COMPLETE


def at(month: int, day: int, hour: int = 10, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2024, month, day, hour, minute, second, tzinfo=BEIJING)


def with_reminders(contest: Contest, **changes: object) -> Contest:
    return contest.model_copy(update={"reminders": Reminders(**changes)})


def with_deadline(contest: Contest, end: datetime) -> Contest:
    stages = [
        s.model_copy(update={"end": end}) if s.key == "submission" else s for s in contest.stages
    ]
    return contest.model_copy(update={"stages": stages})


def test_day_offsets_at_the_sending_hour_and_hours_exactly(contest):
    moments = {s.key: s.moment for s in reminder_slots(contest)}
    assert moments == {
        "submission:7d": at(7, 8),
        "submission:3d": at(7, 12),
        "submission:1d": at(7, 14),
        "submission:3h": at(7, 15, 20, 59, 59),
        # 7d before coaching's end falls on its opening announcement: dropped.
        "coaching:3d": at(8, 13),
        "coaching:1d": at(8, 15),
        "coaching:3h": at(8, 16, 20, 59, 59),
    }


def test_only_stages_that_let_entrants_edit_have_deadline_reminders(contest):
    keys = {s.stage.key for s in reminder_slots(contest)}
    assert keys == {s.key for s in contest.stages if s.editing is not Editing.NONE}


def test_openings_are_announced_at_start_or_the_next_sensible_hour(contest):
    moments = {o.stage.key: o.moment for o in openings(contest)}
    assert moments["submission"] == at(6, 3, 9)  # 09:00 is not quiet
    assert moments["review"] == at(7, 16, 10)  # 00:00 is: the same morning at send_at
    assert set(moments) == {s.key for s in contest.stages}


def test_offsets_down_to_minutes_and_quiet_hours(contest):
    late = with_reminders(contest, offsets=["30m", "9h"])
    moments = [s.moment for s in stage_slots(late, late.submission_stage)]
    # 23:29:59 is quiet, but so is the deadline 23:59:59: it stays.
    assert moments == [at(7, 15, 14, 59, 59), at(7, 15, 23, 29, 59)]
    morning = with_deadline(with_reminders(contest, offsets=["3h", "2h"]), at(7, 15, 9))
    # 06:00 and 07:00 are quiet and the deadline (09:00) is not: moved to 08:00, once.
    assert [(s.offset, s.moment) for s in stage_slots(morning, morning.submission_stage)] == [
        ("3h", at(7, 15, 8))
    ]
    edge = with_deadline(with_reminders(contest, offsets=["3h"]), at(7, 15, 8))
    assert stage_slots(edge, edge.submission_stage) == []  # moved to the deadline itself


def test_quiet_hours_wrap_midnight_or_not(contest):
    assert not allowed(contest, at(7, 14, 22))
    assert not allowed(contest, at(7, 15, 7, 59))
    assert allowed(contest, at(7, 15, 8))
    assert allowed(contest, at(7, 15, 23), deadline=at(7, 15, 23, 59))
    assert not allowed(contest, at(7, 14, 23), deadline=at(7, 15, 23, 59))
    assert quiet_until(contest, at(7, 14, 23)) == at(7, 15, 8)
    lunch = with_reminders(contest, quiet_start=time(12), quiet_end=time(14))
    assert not allowed(lunch, at(7, 15, 13)) and allowed(lunch, at(7, 15, 23))
    never = with_reminders(contest, quiet_start=time(0), quiet_end=time(0))
    assert allowed(never, at(7, 15, 3))


@pytest.mark.parametrize(
    ("now", "due"),
    [
        (at(7, 8, 9, 59), []),
        (at(7, 8), ["submission:7d"]),
        (at(7, 13, 15), ["submission:3d"]),  # the 7d one is superseded
        (at(7, 14, 23), []),  # quiet, and the deadline is not tonight
        (at(7, 15, 8), ["submission:1d"]),
        (at(7, 15, 23), ["submission:3h"]),  # quiet, but the deadline is tonight
        (at(7, 16, 0, 0, 1), []),  # the deadline has passed
        (at(8, 13, 11), ["coaching:3d"]),
    ],
)
def test_due_is_the_latest_passed_reminder_of_an_open_deadline(contest, now, due):
    assert [s.key for s in due_slots(contest, now)] == due


def test_superseded_reminders_are_listed_for_the_log(contest):
    assert [s.key for s in superseded_slots(contest, at(7, 13))] == ["submission:7d"]
    assert len(superseded_slots(contest, at(9, 1))) == len(reminder_slots(contest))


def test_openings_are_news_for_a_day(contest):
    assert [o.stage.key for o in due_openings(contest, at(6, 3, 9))] == ["submission"]
    assert due_openings(contest, at(6, 4, 9, 1)) == []
    assert due_openings(contest, at(7, 16, 9)) == []
    assert [o.stage.key for o in due_openings(contest, at(7, 16, 11))] == ["review"]
    assert due_openings(contest, at(7, 16, 23)) == []  # quiet hours


def test_upcoming_lists_future_moments_in_order(contest):
    names = [name for name, _ in upcoming(contest, at(8, 20))]
    assert names == ["open:final", "open:provincial"]
    moments = [moment for _, moment in upcoming(contest, at(7, 1))]
    assert moments == sorted(moments) and moments[0] == at(7, 8)


def case(
    case_id: int = 1, *, submitted=False, advancing=False, values=None, team=True, marked=True
):
    members = [Member("李四", "staff", is_lead=True, slot=1)] if team else []
    return CaseFacts(
        case_id=case_id,
        title=f"案例{case_id}",
        submitted=submitted,
        advancing=advancing,
        values=dict(COMPLETE) if values is None else values,
        evidence={},
        members=members,
        marked=marked,
    )


def test_unit_todo_names_each_case_gap_and_the_done_units(contest):
    submission = contest.submission_stage
    now = at(7, 8)
    assert unit_todo(contest, submission, [], now).no_case
    todo = unit_todo(
        contest,
        submission,
        [
            case(1, values={"title": "全国首创的服务模式"}, team=False),
            case(2),
            case(3, submitted=True),
        ],
        now,
    )
    assert not todo.done and not todo.no_case
    first, second = todo.cases
    codes = [g.code for g in first.gaps]
    assert codes == ["missing_fields", "wording", "team"]
    assert first.gaps[1].params["phrases"] == ["首创", "服务模式"]
    assert second.ready and second.title == "案例2"
    assert unit_todo(contest, submission, [case(3, submitted=True)], now).done


def test_a_drafting_aid_reminds_a_submitted_case_until_it_is_marked(contest):
    """2024 takes entries in its 网络报名系统: submitted here and unmarked is still to do."""
    submission = contest.submission_stage
    now = at(7, 8)
    unmarked = case(3, submitted=True, marked=False)
    (item,) = unit_todo(contest, submission, [unmarked], now).cases
    assert item.awaiting_official and item.ready and item.case_id == 3
    # not before a stage that is not the submission's, and not once it advances
    assert unit_todo(contest, contest.stage("coaching"), [unmarked], now).cases == []
    went_on = case(3, submitted=True, marked=False, advancing=True)
    assert unit_todo(contest, submission, [went_on], now).done
    assert standing(contest, [unmarked, went_on], now).awaiting_official == 1


def test_advancing_stages_concern_only_units_with_advancing_cases(contest):
    coaching = contest.stage("coaching")
    now = at(8, 13)
    assert not unit_todo(contest, coaching, [case(1, submitted=True)], now).concerned
    todo = unit_todo(contest, coaching, [case(1, advancing=True), case(2)], now)
    assert todo.concerned and [c.case_id for c in todo.cases] == [1]
    assert unit_todo(contest, coaching, [case(1, submitted=True, advancing=True)], now).done
    assert not unit_todo(contest, contest.stage("review"), [case(1)], now).concerned


def test_unit_done_tells_what_unit_todo_does_without_reading_the_texts(contest):
    """Reminder planning picks a unit's row from ``unit_done``: it must agree everywhere."""
    now = at(7, 8)
    states = [
        {"submitted": s, "advancing": a, "marked": m}
        for s in (False, True)
        for a in (False, True)
        for m in (False, True)
    ]
    units = [[]] + [[case(1, **x)] for x in states]
    units += [[case(1, **x), case(2, **y)] for x in states for y in states]
    for stage in contest.stages:
        for cases in units:
            todo = unit_todo(contest, stage, cases, now)
            expected = todo.done if todo.concerned else None
            textless = [
                CaseFacts(c.case_id, "", c.submitted, c.advancing, {}, {}, (), c.marked)
                for c in cases
            ]
            assert unit_done(contest, stage, textless) is expected, (stage.key, cases)


def test_standing_counts_cases_and_gaps(contest):
    cases = [case(1, values={}, team=False), case(2), case(3, submitted=True, advancing=True)]
    result = standing(contest, cases, at(7, 8))
    assert (result.cases, result.drafts, result.submitted, result.advancing) == (3, 2, 1, 1)
    assert result.ready == 1 and result.gaps == 2


@pytest.mark.parametrize(
    "text",
    [
        "2024-07-10 09:00",
        "2024/7/10 9:00",
        "2024年7月10日 9:00",
        "7月10日 9点",
        "７月１０日　９：００",
    ],
)
def test_send_times_are_read_in_beijing_time(contest, text):
    assert parse_send_time(text, contest, at(7, 1)) == at(7, 10, 9)


@pytest.mark.parametrize(
    ("text", "code"),
    [("明天上午", "format"), ("2024-02-30 09:00", "invalid"), ("2024-06-30 09:00", "past")],
)
def test_unusable_send_times_say_why(contest, text, code):
    with pytest.raises(SendTimeError) as info:
        parse_send_time(text, contest, at(7, 1))
    assert info.value.code == code


def test_reminder_offsets_sorted_largest_first(contest):
    assert contest.reminders.deltas[0] == timedelta(days=7)
