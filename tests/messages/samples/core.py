"""Samples for the foundation's templates: start, help, schedule, forms, questions, answers."""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace

from contest.fields import FieldError
from contest.forms import FormEngine
from contest.questions import Asker, CaseBrief, answer_context, answer_for, match, topic_keys
from contest.schedule import position
from tests.messages.samples import Hostile


def _person(h: Hostile) -> SimpleNamespace:
    return SimpleNamespace(name=h.text, unit_id=1, title=h.text)


def _welcome(h: Hostile) -> dict:
    return {
        "contest": h.contest,
        "now": h.now,
        "position": position(h.contest, h.now),
        "person": _person(h),
    }


def _engine(h: Hostile) -> FormEngine:
    return FormEngine(h.contest, "case", today=h.now.date())


def _field(h: Hostile) -> dict:
    engine = _engine(h)
    state = engine.start(values={"title": h.text, "category": "development"}).state
    state = engine.edit(engine.start(values={"title": h.text}).state, "title").state
    view = engine.current(state)
    assert view is not None
    return {
        "form": engine.form,
        "form_key": "unit",
        "view": view,
        "step": None,
        "error": FieldError("too_long", {"max": 60, "actual": 4100}),
        "event": "invalid",
        "contest": h.contest,
        "now": h.now,
    }


def _review(h: Hostile) -> dict:
    engine = _engine(h)
    state = engine.start(
        values={"title": h.text, "background": h.long, "innovations": [h.text, h.text, h.text]}
    ).state
    rows = engine.review(state)
    return {
        "form": engine.form,
        "form_key": "unit",
        "rows": rows,
        "problems": engine.problems(state),
        "step": None,
        "error": None,
        "event": "",
        "contest": h.contest,
        "now": h.now,
    }


def _error(code: str, **params: object):
    def sample(h: Hostile) -> dict:
        return {
            "error": FieldError(code, {**params, "input": h.text, "matches": [h.text]}),
            "f": SimpleNamespace(example=h.text),
        }

    return sample


def _answer(topic: str):
    def sample(h: Hostile) -> dict:
        result = answer_for(topic, h.contest) or match(topic, h.contest)
        result = replace(result, question=h.text, verdict="yes")
        cases = (CaseBrief(title=h.text, submitted=True), CaseBrief(title=h.text, submitted=False))
        return answer_context(result, h.contest, h.now, Asker(registered=True, cases=cases))

    return sample


SAMPLES = {
    "start/welcome.html": _welcome,
    "start/help.html": lambda h: {"contest": h.contest, "organizer": True},
    "start/cancelled.html": lambda h: {"paused": 1},
    "common/error.html": lambda h: {},
    "common/resumed.html": lambda h: {},
    "partials/verdict.html": lambda h: {"verdict_words": h.text},
    "partials/position.html": lambda h: {
        "contest": h.contest,
        "now": h.now,
        "position": position(h.contest, h.now),
    },
    "schedule/overview.html": _welcome,
    "form/field.html": _field,
    "form/review.html": _review,
    "form/error.html": _error(
        "reentry_barred",
        prizes=["一等奖"],
        rule="「规则」",
        min=1,
        max=2,
        actual=3,
        item=1,
        today="2024-07-01",
    ),
    "form/stale.html": lambda h: {},
    "form/stale_toast.html": lambda h: {},
    "questions/how_to_ask.html": lambda h: {},
    "questions/topic_gone.html": lambda h: {},
    **{
        f"commands/{name}.html": (lambda h: {})
        for name in [
            "start",
            "schedule",
            "todo",
            "me",
            "reminders",
            "mydata",
            "deleteme",
            "cancel",
            "help",
            "organizer",
            "invite",
            "broadcast",
            "status",
        ]
    },
    **{f"answers/{topic}.html": _answer(topic) for topic in [*topic_keys(), "unsure"]},
}
SAMPLES.update({
    "common/organizers_only.html": lambda h: {},
    "common/organizers_only_toast.html": lambda h: {},
})
