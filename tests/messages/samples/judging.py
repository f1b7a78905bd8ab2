"""Samples for the judging templates (judges and the organizers' judging pages)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

from contest.definition import Criterion, Decides, StageJudging
from contest.judging import Aggregate, Ranked
from handlers.judging import JudgeCode
from handlers.judging_scoring import CARD, CaseForJudge, StageWork
from handlers.judging_stage import RankingView, RankRow, StageProgress
from storage.judging import Progress
from storage.models import Judge, JudgeScore
from tests.messages.samples import Hostile


def _stage(h: Hostile, **judging: Any):
    stage = h.contest.stages[-1]
    rules = StageJudging(**{"text": h.text, "blind": False, **judging})
    return stage.model_copy(update={"judging": rules})


def _judge(h: Hostile) -> Judge:
    return Judge(id=3, stage_key="review", invite_id=1, person_id=5, label=h.text,
                 categories=["development"], created_at=h.now)  # fmt: skip


def _criteria(h: Hostile) -> list[Criterion]:
    return [
        Criterion(key="a", name=h.text, max=40, weight=2, text=h.text),
        Criterion(key="b", name="", max=20),
    ]


def _view(h: Hostile, *, asking: str = "a", confirmed: bool = False, blind: bool = False):
    score = JudgeScore(id=1, judge_id=3, case_id=9, scores={"a": "35.5", "b": "18"},
                       comment=h.text, asking=asking,
                       confirmed_at=h.now if confirmed else None)  # fmt: skip
    return CaseForJudge(
        judge=_judge(h), stage=_stage(h, blind=blind), case_id=9, title=h.text, category=h.text,
        unit=None if blind else h.text, lines=[(h.text, h.long), (h.text, "1. " + h.text)],
        criteria=_criteria(h), score=score, open=not confirmed, position=2, count=5,
        previous=8, next=10,
    )  # fmt: skip


def _ranking(h: Hostile) -> RankingView:
    stage = _stage(h, ranking="trimmed_mean")
    first = Ranked(9, "development", Aggregate(Fraction(241, 3), 5, (Decimal(99),)), 1, (10,))
    rows = [
        RankRow(9, h.text, h.text, 1, h.text, first, {3: Decimal("80.5")}, ""),
        RankRow(10, "", h.text, 2, h.text, Ranked(10, "development", None, None), {}, None),
    ]
    return RankingView(stage, Decides.ADVANCING, [_judge(h)], rows, [("", [h.text, h.text])],
                       [], h.now, {h.text: 1})  # fmt: skip


def _progress(h: Hostile) -> StageProgress:
    waiting = Judge(id=4, stage_key="review", invite_id=2, label=h.text, created_at=h.now)
    rows = [Progress(_judge(h), 5, 3, h.now), Progress(waiting, 0, 0, None)]
    stage = _stage(h, live=True)
    return StageProgress(stage, rows, {4: "ABCD2345"}, 9, h.text, [9], 10, h.now, True)


SAMPLES = {
    "commands/judging.html": lambda h: {},
    "judging/joined.html": lambda h: {
        "contest": h.contest,
        "stage": _stage(h),
        "categories": [h.text],
        "assigned": 5,
    },
    "judging/code_stale.html": lambda h: {"contest": h.contest},
    "judging/code_taken.html": lambda h: {"contest": h.contest},
    "judging/home.html": lambda h: {
        "work": [
            StageWork(_judge(h), _stage(h, live=True), 5, 2, 9, True, None),
            StageWork(_judge(h), _stage(h), 5, 5, None, False, None),
        ]
    },
    "judging/case.html": lambda h: {"view": _view(h, confirmed=True)},
    "judging/ask.html": lambda h: {
        "view": _view(h),
        "problem": "out_of_range",
        "criterion": _criteria(h)[0],
    },
    "judging/ask_comment.html": lambda h: {"view": _view(h)},
    "judging/card.html": lambda h: {"view": _view(h, asking=CARD)},
    "judging/confirmed.html": lambda h: {"view": _view(h, confirmed=True), "done": True},
    "judging/refused.html": lambda h: {"refusal": "closed", "stage": _stage(h)},
    "judging/reminder.html": lambda h: {
        "contest": h.contest,
        "stage": _stage(h),
        "left": 3,
        "assigned": 5,
        "now": h.contest.stages[-1].end - timedelta(hours=5),
    },
    "judging/live_open.html": lambda h: {
        "contest": h.contest,
        "stage": _stage(h),
        "title": h.text,
        "category": h.text,
        "blind": False,
        "unit": h.text,
    },
    "judging/awarded.html": lambda h: {
        "contest": h.contest,
        "stage": _stage(h),
        "prizes": [(h.text, h.text)],
        "now": h.now,
    },
    "judging/org_home.html": lambda h: {"stages": [_stage(h, live=True, blind=True)]},
    "judging/org_stage.html": lambda h: {"progress": _progress(h)},
    "judging/org_code.html": lambda h: {
        "code": JudgeCode("ABCD2345", _judge(h), _stage(h), h.now),
        "categories": [h.text],
        "link": h.text,
    },
    "judging/org_done.html": lambda h: {
        "what": "assigned",
        "counts": {h.text: 3},
        "title": h.text,
        "count": 2,
        "stage": _stage(h),
        "units": 1,
    },
    "judging/org_ranking.html": lambda h: {"view": _ranking(h)},
    "judging/desk_link.html": lambda h: {
        "url": "https://x.org/console/login?token=a&b",
        "expires_at": h.now,
    },
}
