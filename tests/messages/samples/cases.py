"""Samples for the cases flow's templates (cases/*, todo/*, form/extras/case*)."""

from __future__ import annotations

from types import SimpleNamespace

from contest.definition import Contest, OfficialSystem, RestrictedWord, WordingRule
from contest.fields import FieldError
from contest.forms import Event, FormEngine, Step
from contest.lifecycle import (
    Phase,
    Refusal,
    Window,
    editing_window,
    hit_views,
    may_create,
    standing,
    word_count,
)
from contest.schedule import position
from contest.team import Member, Problem, TeamCode
from contest.text import find_restricted
from handlers.cases import CaseView
from storage.models import Case
from tests.messages.samples import Hostile

_AID = OfficialSystem(name="网络报名系统", short_name="官网", steps=["注册账号", "上传"])


def _values(h: Hostile) -> dict:
    return {
        "category": "development",
        "title": h.text + "全国首创",
        "recommending_unit": h.text,
        "background": h.long + "。我们形成了深圳经验。",
        "innovations": [h.text, h.long, h.text + "唯一"],
    }


def _case(h: Hostile, status: str = "draft") -> Case:
    return Case(
        id=7,
        unit_id=1,
        status=status,
        values=_values(h),
        evidence={},
        submitted_at=h.now,
        ever_submitted=status == "submitted",
    )


def _members(h: Hostile) -> list[Member]:
    return [Member(name=h.text, employment="contract", slot=1)]


def _view(h: Hostile, status: str = "draft", *, advancing: bool = False) -> CaseView:
    case = _case(h, status)
    where = standing(
        h.contest,
        status=status,
        values=case.values,
        evidence={},
        members=_members(h),
        advancing=advancing,
        now=h.now,
    )
    return CaseView(case, _members(h), advancing, where)


def _windows(contest: Contest) -> list[Window]:
    submission = contest.stage("submission") or contest.submission_stage
    coaching = contest.stage("coaching") or contest.stages[-1]
    return [
        Window(Phase.OPEN, submission, None),
        Window(Phase.BEFORE, submission, None),
        Window(Phase.BETWEEN, coaching, submission),
        Window(Phase.CLOSED, None, submission),
        Window(Phase.CLOSED, None, None),
    ]


def _card(h: Hostile) -> dict:
    view = _view(h)
    return {
        "contest": h.contest,
        "now": h.now,
        "case": view.case,
        "title": h.text,
        "category": h.text,
        "where": view.standing,
        "members": 1,
        "notice": "gaps",
        "revision": 3,
        "phrase": h.text,
    }


def _gaps(h: Hostile) -> dict:
    params = {"count": 6, "max_members": 5, "start": "2024-01-01", "on": "2024-07-15"}
    params |= {"months": 6, "required": 12, "fields": ["employment", h.text]}
    problems = [
        Problem(code, {**params, "name": h.text})
        for code in TeamCode
    ]
    view = _view(h)
    gaps = list(view.standing.gaps)
    gaps.append(SimpleNamespace(code="team", params={"problems": problems}))
    gaps.append(SimpleNamespace(code="over_limit", params={"total": 3100, "limit": 3000}))
    gaps.append(SimpleNamespace(code="reentry_barred", params={"prize": h.text}))
    gaps.append(SimpleNamespace(code="invalid_fields", params={"labels": [h.text]}))
    return {"gaps": gaps}


def _list(h: Hostile) -> dict:
    views = [_view(h), _view(h, "submitted")]
    return {
        "contest": h.contest,
        "now": h.now,
        "views": views,
        "creation": may_create(h.contest, h.now),
    }


def _refused(h: Hostile) -> dict:
    return {
        "contest": h.contest,
        "now": h.now,
        "action": "submit",
        "refusal": Refusal.CLOSED.value,
        "window": _windows(h.contest)[3],
        "title": h.text,
        "case": _case(h, "submitted"),
    }


def _some_hits(h: Hostile) -> list:
    """Return the sample case's restricted-word uses, or one made up if the contest has none."""
    hits = _view(h).standing.hits
    if hits:
        return hits
    rule = WordingRule(words=[RestrictedWord(word="首创")])
    return find_restricted(h.text + "全国首创。", rule, field=h.contest.forms.case.fields[1].key)


def _wording(h: Hostile) -> dict:
    found = _some_hits(h)
    hits = hit_views(found, {found[0].hit_id: h.text})
    labels = {f.key: f.label for f in h.contest.forms.case.fields}
    return {"contest": h.contest, "hits": hits, "labels": labels, "saved": h.text, "title": h.text}


def _evidence_prompt(h: Hostile) -> dict:
    (hit,) = hit_views(_some_hits(h)[:1], {})
    return {"contest": h.contest, "hit": hit, "field_label": h.text, "min_length": 4}


def _extras(h: Hostile) -> dict:
    view = _view(h)
    values = view.case.values
    engine = FormEngine(h.contest, "case", today=h.now.date())
    state = engine.edit(engine.start(values=values).state, "background").state
    by_field: dict[str, list] = {}
    for item in hit_views(view.standing.hits, {}):
        by_field.setdefault(item.hit.field, []).append(item)
    return {
        "form": engine.form,
        "view": engine.current(state),
        "step": Step(state, Event.ADVANCED, "title"),
        "words": word_count(h.contest, values, "background"),
        "hits_by_field": by_field,
        "open_hits": len(view.standing.open_hits),
        "field_labels": {f.key: h.text for f in h.contest.forms.case.fields},
        "wording_rule": h.text,
    }


def _imported(h: Hostile) -> dict:
    fields = h.contest.forms.case.fields
    errors = [
        FieldError("item_count", {"expected": 3, "actual": 2}),
        FieldError("too_short", {"min": 20, "actual": 3}),
        FieldError("too_long", {"max": 60, "actual": 99}),
        FieldError("unknown_choice", {"input": h.text}),
        FieldError("bad_phone"),
        FieldError("bad_mobile"),
        FieldError("strange"),
    ]
    return {
        "found": [(fields[0], h.text), (fields[1], h.long)],
        "rejected": [(fields[i % len(fields)], error) for i, error in enumerate(errors)],
        "absent": [fields[2]],
        "new": True,
    }


def _todo(h: Hostile) -> dict:
    creation = may_create(h.contest, h.now)
    views = [
        _view(h),
        _view(h, "submitted"),
        _view(h, "submitted", advancing=True),
    ]
    return {
        "contest": h.contest,
        "now": h.now,
        "position": position(h.contest, h.now),
        "views": views,
        "creation": creation,
        "window": editing_window(h.contest, h.now, advancing=False),
    }


SAMPLES = {
    "cases/card.html": _card,
    "cases/gaps.html": _gaps,
    "cases/window.html": lambda h: {"window": _windows(h.contest)[2], "now": h.now},
    "cases/list.html": _list,
    "cases/no_unit.html": lambda h: {"contest": h.contest, "pending": False},
    "cases/not_found.html": lambda h: {},
    "cases/not_found_toast.html": lambda h: {},
    "cases/gaps_toast.html": lambda h: {},
    "cases/submitted_toast.html": lambda h: {},
    "cases/refused.html": _refused,
    "cases/cannot_create.html": lambda h: {
        "contest": h.contest,
        "now": h.now,
        "refusal": "closed",
        "window": _windows(h.contest)[3],
    },
    "cases/withdraw_confirm.html": lambda h: {
        "contest": h.contest,
        "now": h.now,
        "window": _windows(h.contest)[0],
        "title": h.text,
        "case": _case(h),
    },
    "cases/wording.html": _wording,
    "cases/evidence_prompt.html": _evidence_prompt,
    "cases/evidence_error.html": lambda h: {"length": 2, "min_length": 4, "max_length": 1000},
    "cases/hit_gone.html": lambda h: {},
    "cases/preview_block.html": lambda h: {
        "lines": [("title", h.text), ("label", h.text), ("body", h.long), ("text", "")]
    },
    "cases/preview_footer.html": lambda h: {
        "words": word_count(h.contest, _values(h), None),
        "where": _view(h).standing,
        "now": h.now,
    },
    "cases/docx_filename.html": lambda h: {"title": h.text, "form_title": h.text},
    "cases/docx_note.html": lambda h: {
        "contest": h.contest,
        "words": word_count(h.contest, _values(h), None),
    },
    "cases/docx_caption.html": lambda h: {
        "contest": h.contest,
        "title": h.text,
        "case": _case(h),
        "where": _view(h).standing,
        "now": h.now,
    },
    "cases/import_prompt.html": lambda h: {"contest": h.contest, "title": h.text},
    "cases/official_steps.html": lambda h: {
        "contest": h.contest,
        "official": h.contest.drafting_aid or _AID,
        "title": h.text,
        "case": _case(h, "submitted"),
    },
    "cases/import_error.html": lambda h: {
        "code": "not_case_form",
        "contest": h.contest,
        "max_mb": 10,
    },
    "cases/import_choose.html": lambda h: {
        "contest": h.contest,
        "file_name": h.text,
        "found": 3,
        "drafts": 2,
        "creation": True,
    },
    "cases/imported.html": _imported,
    "cases/upload_gone.html": lambda h: {},
    "cases/import_waiting.html": lambda h: {},
    "todo/overview.html": _todo,
    "todo/unregistered.html": lambda h: {
        "contest": h.contest,
        "now": h.now,
        "position": position(h.contest, h.now),
        "pending": False,
    },
    "form/extras/case.html": _extras,
    "form/extras/case_review.html": _extras,
}

