"""Samples for the organizer console, notices (broadcast) and reminders templates."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

from contest.lifecycle import Gap
from contest.reminders import CaseTodo, Slot, UnitTally, UnitTodo
from contest.schedule import position
from contest.team import Problem, TeamCode
from tests.messages.samples import Hostile

COUNTS = {"pending": 3, "sent": 537, "unreachable": 2, "failed": 1}


def _unit(h: Hostile, **extra: object) -> SimpleNamespace:
    values = {
        "id": 7,
        "party_org": h.text,
        "registered": False,
        "status": "pending",
        "submitter_key": "futian",
    }
    return SimpleNamespace(**{**values, **extra})


def _person(h: Hostile, **extra: object) -> SimpleNamespace:
    values = {"id": 3, "name": h.text, "display_name": h.text, "unreachable": True}
    return SimpleNamespace(**{**values, **extra})


def _gaps(h: Hostile) -> list[Gap]:
    problems = [
        Problem(code, {"name": h.text, "count": 6, "max_members": 5, "slots": [1, 2]})
        for code in (TeamCode.NO_MEMBERS, TeamCode.TOO_MANY_MEMBERS, TeamCode.NO_LEAD)
    ]
    problems += [
        Problem(TeamCode.SEVERAL_LEADS, {"count": 2, "slots": [1, 2]}),
        Problem(TeamCode.CONTRACT_START_MISSING, {"slot": 1, "name": h.text}),
        Problem(
            TeamCode.CONTRACT_START_AFTER_DEADLINE,
            {"slot": 1, "name": h.text, "start": "2024-08-01", "on": "2024-07-15"},
        ),
        Problem(
            TeamCode.CONTRACT_TOO_SHORT,
            {"slot": 1, "name": h.text, "start": h.text, "on": h.text, "months": 3, "required": 12},
        ),
        Problem(TeamCode.LEAD_FIXED, {"slot": 1}),
    ]
    return [
        Gap("missing_fields", {"labels": [h.text, "案例背景"]}),
        Gap("invalid_fields", {"labels": [h.text]}),
        Gap("over_limit", {"total": 3120, "limit": 3000}),
        Gap("wording", {"phrases": [h.text, "首创"]}),
        Gap("team", {"problems": problems}),
        Gap("reentry_barred", {"prize": h.text}),
    ]


def _todo(h: Hostile) -> UnitTodo:
    return UnitTodo(
        concerned=True,
        no_case=True,
        cases=[CaseTodo(1, h.long, _gaps(h)), CaseTodo(2, h.text, []), CaseTodo(3, "", [])],
    )


def _deadline(h: Hostile) -> dict:
    # coaching (editing only for advancing cases), or the last stage of a shorter plan
    stage = h.contest.stages[min(2, len(h.contest.stages) - 1)]
    return {
        "contest": h.contest,
        "stage": stage,
        "slot": Slot(stage, "3d", stage.end - timedelta(days=3)),
        "todo": _todo(h),
        "unit": _unit(h),
        "person": _person(h),
        "now": h.now,
    }


def _broadcast(h: Hostile, kind: str = "unit", **extra: object) -> SimpleNamespace:
    values = {
        "id": 12,
        "text": h.text,
        "audience": {"kind": kind, "value": "7", "round": 2},
        "document": {"file_id": "x", "file_name": h.text},
        "status": "scheduled",
        "scheduled_at": h.now,
        "created_at": h.now,
    }
    return SimpleNamespace(**{**values, **extra})


def _result_case(h: Hostile, marked: bool) -> SimpleNamespace:
    return SimpleNamespace(
        case=SimpleNamespace(id=5), unit=_unit(h), marked=marked, title=h.text, category="x"
    )


def _report(h: Hostile) -> SimpleNamespace:
    people = [_person(h), _person(h, unreachable=False)]
    return SimpleNamespace(unit=_unit(h), people=people, unreachable=people[:1])


SAMPLES = {
    "reminders/deadline.html": _deadline,
    "reminders/gaps.html": lambda h: {"item": CaseTodo(1, h.text, _gaps(h))},
    "reminders/done.html": _deadline,
    "reminders/opening.html": lambda h: {
        "contest": h.contest,
        "stage": h.contest.stages[min(2, len(h.contest.stages) - 1)],
        "titles": [h.text, h.long, ""],
        "person": _person(h),
        "now": h.now,
    },
    "reminders/settings.html": lambda h: {
        "muted": False,
        "contest": h.contest,
        "offsets": h.contest.reminders.deltas,
        "next_moment": h.now,
        "now": h.now,
        "changed": True,
    },
    "reminders/muted_toast.html": lambda h: {},
    "reminders/unmuted_toast.html": lambda h: {},
    "organizer/home.html": lambda h: {
        "contest": h.contest,
        "now": h.now,
        "position": position(h.contest, h.now),
        "units": 69,
        "contacts": 120,
        "drafts": 30,
        "submitted": 500,
        "unreachable": 3,
        "waiting": 12,
    },
    "organizer/status.html": lambda h: {
        "now": h.now,
        "totals": {
            "units": 0,
            "empty": 1,
            "contacts": 2,
            "unreachable": 1,
            "cases": 3,
            "submitted": 1,
            "drafts": 2,
            "incomplete": 2,
            "over_limit": 1,
            "advancing": 1,
        },
    },
    "organizer/status_unit.html": lambda h: {
        "report": _report(h),
        "standing": UnitTally(cases=3, drafts=2, submitted=1, advancing=1, ready=1, gaps=4),
        "submitters": {"futian": h.text},
    },
    "organizer/page.html": lambda h: {"page": h.long},
    "organizer/status_view.html": lambda h: {
        "now": h.now,
        "totals": {
            "units": 10_000, "empty": 1, "contacts": 2, "unreachable": 1, "cases": 3,
            "submitted": 1, "drafts": 2, "incomplete": 2, "over_limit": 1, "advancing": 1,
        },
        "rows": [
            (_report(h), UnitTally(cases=3, drafts=2, submitted=1, advancing=1, ready=1, gaps=4))
        ],
        "kind": "unreachable",
        "matched": 10_000,
        "page": 2,
        "pages": 1_000,
        "submitters": {"futian": h.text},
    },
    "organizer/results_home.html": lambda h: {"stages": h.contest.stages},
    "organizer/results.html": lambda h: {
        "contest": h.contest,
        "stage": h.contest.stages[1],
        "cases": [_result_case(h, True), _result_case(h, False)],
        "total": 2,
        "marked": {"development": 1},
        "page": 1,
        "pages": 1,
    },
    "organizer/results_upload.html": lambda h: {"stage": h.contest.stages[1]},
    "organizer/results_matched.html": lambda h: {
        "found": [1, 2],
        "unmatched": [h.text] * 25,
        "stage": h.contest.stages[1],
    },
    "organizer/results_notified.html": lambda h: {
        "stage": h.contest.stages[1],
        "units": 3,
        "cases": 4,
        "written": 6,
    },
    "organizer/results_wrong_file.html": lambda h: {"file_name": h.text, "big": False},
    "organizer/stale.html": lambda h: {},
    "organizer/stale_toast.html": lambda h: {},
    "organizer/advanced.html": lambda h: {
        "contest": h.contest,
        "stage": h.contest.stages[1],
        "next_stage": h.contest.stages[min(2, len(h.contest.stages) - 1)],
        "titles": [h.text, ""],
        "person": _person(h),
        "now": h.now,
    },
    "broadcast/write.html": lambda h: {},
    "broadcast/ask_text.html": lambda h: {"broadcast": _broadcast(h)},
    "broadcast/ask_document.html": lambda h: {"wrong": True},
    "broadcast/not_a_document.html": lambda h: {"waiting": "text"},
    "broadcast/too_long.html": lambda h: {"over": 12},
    "broadcast/audience.html": lambda h: {"broadcast": _broadcast(h), "empty": True},
    "broadcast/submenu.html": lambda h: {"menu": "unit"},
    "broadcast/audience_name.html": lambda h: {
        "broadcast": _broadcast(h),
        "contest": h.contest,
        "unit": _unit(h),
    },
    "broadcast/preview_intro.html": lambda h: {},
    "broadcast/notice.html": lambda h: {
        "contest": h.contest, "body": h.long[:4000], "reminder": True,
    },
    "broadcast/confirm.html": lambda h: {
        "broadcast": _broadcast(h, "cat", audience={"kind": "cat", "value": "development"}),
        "count": 540,
        "unreachable": 2,
        "unit": None,
        "contest": h.contest,
    },
    "broadcast/progress.html": lambda h: {
        "broadcast": _broadcast(h),
        "counts": COUNTS,
        "total": 540,
        "done": 312,
    },
    "broadcast/report.html": lambda h: {
        "broadcast": _broadcast(h),
        "counts": COUNTS,
        "total": 540,
    },
    "broadcast/scheduled.html": lambda h: {
        "broadcast": _broadcast(h, audience={"kind": "sub", "value": "futian"}),
        "moment": h.now + timedelta(days=9),
        "count": 540,
        "unit": None,
        "contest": h.contest,
        "now": h.now,
    },
    "broadcast/ask_time.html": lambda h: {"example": h.now},
    "broadcast/time_error.html": lambda h: {"code": "past", "now": h.now, "example": h.now},
    "broadcast/unscheduled.html": lambda h: {"dropped": 540},
    "broadcast/cancelled.html": lambda h: {},
    "broadcast/summary.html": lambda h: {
        "broadcast": _broadcast(h, status="done", audience={"kind": "st", "value": "draft"}),
        "reach": SimpleNamespace(
            people=540, sent=537, pending=1, unreachable=1, failed=1, reminded=12,
            first_due=h.now,
        ),
        "acks": 100,
        "unit": None,
        "contest": h.contest,
    },
    "broadcast/acks.html": lambda h: {"broadcast": _broadcast(h), "total": 540, "acked": 100},
    "broadcast/acks_unit.html": lambda h: {
        "unit": _unit(h),
        "people": [_person(h), _person(h, id=4, name="")],
        "done": {3},
    },
    "broadcast/resend_nothing.html": lambda h: {"busy": 3, "everyone": False},
    "broadcast/history.html": lambda h: {
        "broadcasts": [_broadcast(h), _broadcast(h, id=13, status="cancelled")],
        "sizes": {12: (540, h.now)},
    },
    "broadcast/stale.html": lambda h: {},
    "broadcast/stale_toast.html": lambda h: {},
    "broadcast/ack_toast.html": lambda h: {"fresh": True},
    "broadcast/ack_preview_toast.html": lambda h: {"preview": False},
}
