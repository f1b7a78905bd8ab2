"""Samples for registration, invites and team templates, filled with hostile data."""

from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

from contest.team import Problem, TeamCode
from tests.messages.samples import Hostile


def _unit(h: Hostile, *, status: str = "pending", registered: bool = True) -> SimpleNamespace:
    return SimpleNamespace(
        id=1,
        party_org=h.text,
        recommending_unit=h.text,
        submitter_key="futian",
        status=status,
        registered=registered,
        extra={f.key: h.text for f in h.contest.forms.unit.fields},
    )


def _person(h: Hostile) -> SimpleNamespace:
    return SimpleNamespace(id=2, name=h.text, title=h.text, mobile="13800138000", unit_id=1)


def _invite(h: Hostile, kind: str = "unit") -> SimpleNamespace:
    return SimpleNamespace(
        id=3,
        code="ABCD2345",
        kind=kind,
        label=h.text,
        uses=2,
        expires_at=h.now + timedelta(days=60),
        unit_id=1,
        submitter_key="futian",
    )


def _base(h: Hostile) -> dict:
    return {"contest": h.contest, "now": h.now, "length": 8}


def _member(h: Hostile, slot: int, *, lead: bool = False) -> SimpleNamespace:
    return SimpleNamespace(
        id=slot,
        slot=slot,
        name=h.text,
        title=h.text,
        employment="contract" if slot % 2 else h.text,
        contract_start=date(2023, 8, 15) if slot % 2 else None,
        is_lead=lead,
        replaced=1,
        extra={f.key: h.text for f in h.contest.forms.member.fields},
        pending=["employment", h.text] if lead else [],  # a lead taken from the 说明书
    )


def _team_problems(h: Hostile) -> list[Problem]:
    who = {"slot": 2, "name": h.text}
    when = {"start": "2023-08-15", "on": "2024-07-15"}
    return [
        Problem(TeamCode.NO_MEMBERS),
        Problem(TeamCode.TOO_MANY_MEMBERS, {"count": 6, "max_members": 5}),
        Problem(TeamCode.NO_LEAD),
        Problem(TeamCode.SEVERAL_LEADS, {"count": 2, "slots": [1, 2]}),
        Problem(TeamCode.CONTRACT_START_MISSING, who),
        Problem(TeamCode.DETAILS_PENDING, who | {"fields": ["employment", h.text]}),
        Problem(TeamCode.CONTRACT_START_AFTER_DEADLINE, who | when),
        Problem(TeamCode.CONTRACT_TOO_SHORT, who | when | {"months": 11, "required": 12}),
    ]


def _view(h: Hostile) -> dict:
    return {
        "case": SimpleNamespace(id=1),
        "title": h.long,
        "rows": [_member(h, 1, lead=True), _member(h, 2)],
        "problems": _team_problems(h),
        "submitted": True,
        "locked": False,
        "window": None,
        "rule": h.contest.rules.team,
        "employment": {"staff": "在编", "contract": "聘用"},
        "deadline": h.contest.submission_stage.end,
        "notice": "kept_name",
        "who": h.text,
        "contest": h.contest,
        "disagreeing": [(h.text, h.text)],
    }


def _refused(h: Hostile) -> dict:
    return {
        "problem": Problem(TeamCode.REPLACEMENTS_USED, {"slot": 2, "used": 1, "allowed": 1}),
        "who": h.text,
        "submitted": True,
        "rule": h.contest.rules.team,
    }


SAMPLES = {
    "registration/home.html": lambda h: {**_base(h), "unit": None},
    "registration/ask_code.html": _base,
    "registration/code_problem.html": lambda h: {
        **_base(h),
        "problem": "other_unit",
        "invite": _invite(h),
        "unit": _unit(h),
    },
    "registration/code_wait.html": lambda h: {
        "contest": h.contest,
        "until": h.now,
        "tries": 5,
        "minutes": 10,
    },
    "registration/joined.html": lambda h: {
        **_base(h),
        "how": "district",
        "label": h.text,
        "unit": _unit(h, registered=False),
        "submitter": h.text,
    },
    "registration/already_member.html": lambda h: {"unit": _unit(h)},
    "registration/organizer_joined.html": lambda h: {},
    "registration/already_organizer.html": lambda h: {},
    "registration/unit_saved.html": lambda h: {"unit": _unit(h), "next_contact": True},
    "registration/done.html": lambda h: {
        **_base(h),
        "unit": _unit(h),
        "person": _person(h),
        "first_time": True,
    },
    "registration/me.html": lambda h: {
        **_base(h),
        "person": _person(h),
        "unit": _unit(h),
        "colleagues": [_person(h), _person(h)],
        "contact_rows": [(h.text, h.text), (h.text, "")],
        "unit_rows": [(h.text, h.long)],
    },
    "registration/colleague.html": lambda h: {
        **_base(h),
        "invite": _invite(h),
        "unit": _unit(h),
        "link": "https://t.me/contest_sandbox_bot?start=ABCD2345",
    },
    "registration/code_cancelled.html": lambda h: {},
    "registration/invite_only.html": _base,
    "registration/not_registered.html": lambda h: {},
    "registration/unit_gone.html": lambda h: {},
    "registration/unit_confirmed.html": lambda h: {**_base(h), "unit": _unit(h)},
    "invites/home.html": lambda h: {"invites": 3, "units": 2, "pending": 1, "contest": h.contest},
    "invites/ask_label.html": lambda h: {"min": 2, "max": 60, "example": h.text},
    "invites/label_problem.html": lambda h: {
        "min": 2,
        "max": 60,
        "actual": 4100,
        "example": h.text,
    },
    "invites/pick_district.html": lambda h: {"contest": h.contest},
    "invites/card.html": lambda h: {
        **_base(h),
        "invite": _invite(h),
        "state": "active",
        "link": "https://t.me/contest_sandbox_bot?start=ABCD2345",
        "unit": _unit(h),
        "submitter": h.text,
        "notice": "revoked",
        "wecom_too": True,
    },
    "invites/list.html": lambda h: {
        **_base(h),
        "entries": [
            {"invite": _invite(h, kind), "state": state, "unit": _unit(h), "number": n}
            for n, (kind, state) in enumerate(
                [("unit", "active"), ("district", "expired"), ("organizer", "used")], start=1
            )
        ],
        "total": 30,
        "page": 1,
        "pages": 4,
    },
    "invites/pending.html": lambda h: {
        "units": [_unit(h)],
        "contacts": {1: [_person(h), _person(h)]},
        "submitters": {"futian": h.text},
        "confirmed": _unit(h),
        "stale": False,
        "contest": h.contest,
    },
    "invites/gone.html": lambda h: {},
    "team/view.html": _view,
    "team/member.html": lambda h: {
        "row": _member(h, 2),
        "number": 2,
        "details": [(h.text, h.text), (h.text, "")],
        "missing": [h.text],
        "form_title": h.text,
        "submitted": True,
        "locked": False,
        "rule": h.contest.rules.team,
    },
    "team/refused.html": _refused,
    "team/remove_confirm.html": lambda h: {"row": _member(h, 2), "submitted": True},
    "team/not_yours.html": lambda h: {},
    "team/not_yours_toast.html": lambda h: {},
    "team/member_gone.html": lambda h: {},
    "team/member_gone_toast.html": lambda h: {},
    "form/extras/member.html": lambda h: {"member_mode": "add_lead"},
    "form/extras/member_review.html": lambda h: {"name_locked": True},
}
