"""Judging use cases in the other city's contest: five judges, criteria, the trimmed mean
against a hand computation (with a tie), awards confirmed once, the score sheet read back."""

from __future__ import annotations

import io
from datetime import datetime

import pytest
from openpyxl import load_workbook

from config.services import services_of
from contest.definition import load_contest
from handlers import judging, judging_scoring, judging_stage
from handlers.judging_exports import export_score_sheet
from handlers.registration import join_with_code
from handlers.visits import Sender, visit_of
from tests.conftest import BEIJING, CONTESTS
from tests.delivery.world import CaseSpec, add_unit, bot_texts, worker
from tests.harness import ORGANIZER_ID

DURING = datetime(2026, 4, 10, 10, 0, tzinfo=BEIJING)
CRITERIA = ("novelty", "impact", "reach", "writing")  # max 30, 40, 20, 10
# judge → case → scores; totals per case, by hand:
#   case 1: 83, 65, 93, 78, 85 → mean 80.8, trimmed (83 + 78 + 85) / 3 = 82
#   case 2: 72, 72, 72, 72, 100 → mean 81.6, trimmed 72
#   case 3: 82 × 5 → 82 either way: ties case 1 under the trimmed mean
SCORES = {
    1: [(25, 35, 15, 8), (20, 30, 10, 5), (28, 38, 18, 9), (22, 33, 16, 7), (24, 36, 17, 8)],
    2: [(20, 30, 15, 7)] * 4 + [(30, 40, 20, 10)],
    3: [(25, 35, 15, 7)] * 5,
}


@pytest.fixture
def contest():
    """The other city's contest (criteria, trimmed mean from five judges, blind)."""
    return load_contest(CONTESTS / "donghu-2026.toml")


async def _visit(harness, uid: int):
    harness.server.state.ensure_user(uid)
    sender = Sender("telegram", str(uid), str(uid), f"用户{uid}")
    return await visit_of(services_of(harness.app), sender, harness.clock.now())


async def test_five_judges_the_trimmed_mean_a_tie_and_the_score_sheet(harness):
    harness.at(DURING)
    category = harness.contest.categories[0].key
    cases = []
    for n, uid in enumerate((4001, 4002, 4003), start=1):
        values = {"category": category, "title": f"项目{n}"}
        made = await add_unit(harness, party_org=f"单位{n}", contacts=[uid],
                              cases=[CaseSpec(values, submitted=True)])  # fmt: skip
        cases.append(made.case_ids[0])
    organizer = await _visit(harness, ORGANIZER_ID)
    judges = []
    for index in range(5):
        code = await judging.invite_judge(organizer, stage_key="preliminary", categories=[])
        judge = await _visit(harness, 5001 + index)
        joined = await join_with_code(judge, code.code)
        assert joined.accepted and joined.replies[0].values["assigned"] == 3
        judges.append((judge, code.judge.id or 0))
    for number, case_id in enumerate(cases, start=1):
        for (judge, judge_id), given in zip(judges, SCORES[number], strict=True):
            step = await judging_scoring.score_all(
                judge, judge_id=judge_id, case_id=case_id,
                given={k: str(v) for k, v in zip(CRITERIA, given, strict=True)}, comment="",
            )  # fmt: skip
            assert step.problem is None and step.view.confirmed
    view = await judging_stage.ranking(organizer, stage_key="preliminary")
    by_id = {row.case_id: row.ranked for row in view.rows}
    assert by_id[cases[0]].score.value == 82 and by_id[cases[0]].score.dropped == (93, 65)
    assert by_id[cases[1]].score.value == 72
    assert by_id[cases[2]].score.value == 82
    assert [by_id[c].rank for c in cases] == [1, 3, 1]
    assert by_id[cases[0]].tied_with == (cases[2],) and not by_id[cases[1]].tied

    # Out of range in the console's form: nothing stored, the criterion named.
    judge, judge_id = judges[0]
    step = await judging_scoring.score_all(
        judge, judge_id=judge_id, case_id=cases[0],
        given={"novelty": "31", "impact": "1", "reach": "1", "writing": "1"}, comment="",
    )  # fmt: skip
    assert step.problem is not None and step.criterion.key == "novelty"
    assert step.view.total == 83  # the confirmed scores stand

    sheet = await export_score_sheet(
        sessions=services_of(harness.app).sessions, contest=harness.contest,
        stage_key="preliminary", now=harness.clock.now(), who=organizer.person.id,
    )  # fmt: skip
    book = load_workbook(io.BytesIO(sheet.data))
    rows = list(book[harness.contest.categories[0].name].iter_rows(values_only=True))
    head = rows[0]
    assert head[:3] == ("项目编号", "项目名称", "单位")
    assert "评审专家1·创新程度" in head and "评审专家5·合计" in head
    first = dict(zip(head, rows[1], strict=True))
    assert first["项目名称"] == "项目1"
    assert first["评审专家1·创新程度"] == 25 and first["评审专家3·合计"] == 93
    assert first["得分"] == 82 and first["名次"] == 1 and first["并列"] == "并列"
    assert first["评审专家人数"] == 5
    second = dict(zip(head, rows[2], strict=True))
    assert second["得分"] == 72 and second["名次"] == 3 and second["评审专家5·合计"] == 100


@pytest.fixture
def stage_moment():
    return datetime(2026, 5, 20, 10, 0, tzinfo=BEIJING)


async def test_live_scoring_opens_case_by_case_and_awards_are_told_once(harness, stage_moment):
    harness.at(DURING)
    category = harness.contest.categories[0].key
    made = [
        await add_unit(harness, party_org=f"单位{n}", contacts=[4100 + n],
                       cases=[CaseSpec({"category": category, "title": f"项目{n}"},
                                       submitted=True, advancing_at=("preliminary",))])
        for n in (1, 2)
    ]  # fmt: skip
    organizer = await _visit(harness, ORGANIZER_ID)
    code = await judging.invite_judge(organizer, stage_key="showdown", categories=[])
    judge = await _visit(harness, 5101)
    await join_with_code(judge, code.code)
    judge_id = code.judge.id or 0
    harness.at(stage_moment)
    first, second = made[0].case_ids[0], made[1].case_ids[0]
    with pytest.raises(judging.JudgingRefused) as refused:
        await judging_scoring.start_scoring(judge, judge_id=judge_id, case_id=first)
    assert refused.value.refusal is judging.Refusal.NOT_OPEN
    assert await judging_stage.open_live(organizer, stage_key="showdown", case_id=first) == 1
    await worker(harness).drain()
    (told,) = [t for t in bot_texts(harness, 5101) if "现场评分开始" in t]
    assert "项目1" in told
    view = await judging_scoring.start_scoring(judge, judge_id=judge_id, case_id=first)
    assert view.asking is not None and view.asking.key == "show"
    await judging_scoring.score_all(judge, judge_id=judge_id, case_id=first,
                        given={"show": "55", "answers": "35"}, comment="")  # fmt: skip
    with pytest.raises(judging.JudgingRefused):
        await judging_scoring.score_all(judge, judge_id=judge_id, case_id=second,
                            given={"show": "50", "answers": "30"}, comment="")  # fmt: skip
    await judging_stage.open_live(organizer, stage_key="showdown", case_id=second)
    await judging_scoring.score_all(judge, judge_id=judge_id, case_id=second,
                        given={"show": "50", "answers": "30"}, comment="")  # fmt: skip
    view = await judging_stage.propose(organizer, stage_key="showdown")
    assert {r.case_id: r.proposed for r in view.rows} == {first: "优秀项目", second: "优秀项目"}
    done = await judging_stage.confirm_results(organizer, stage_key="showdown")
    assert done.cases == 2 and done.units == 2
    await judging_stage.confirm_results(organizer, stage_key="showdown")
    await worker(harness).drain()
    for uid in (4101, 4102):
        assert sum("获奖通知" in t for t in bot_texts(harness, uid)) == 1
