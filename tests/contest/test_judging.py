"""Judging rules against hand computations: totals, mean and trimmed mean, ties, proposals."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal as D
from fractions import Fraction

import pytest

from contest.definition import (
    AwardTier,
    ContestFileError,
    Criterion,
    Ranking,
    StageJudging,
    load_contest,
    parse_contest,
)
from contest.judging import (
    SINGLE,
    Entry,
    ScoreProblem,
    aggregate,
    criteria_for,
    maximum,
    parse_score,
    propose_advancing,
    propose_awards,
    quick_scores,
    rank,
    scoring_open,
    shown,
    total,
)
from tests.conftest import CONTESTS, DEFAULT_CONTEST

MEAN = StageJudging()
TRIMMED = StageJudging(ranking=Ranking.TRIMMED_MEAN, trim_from=5)
CRITERIA = [
    Criterion(key="a", name="创新性", max=40, weight=1),
    Criterion(key="b", name="实效性", max=30, weight=2),
]


def _totals(*values: int | str) -> tuple[D, ...]:
    return tuple(D(str(v)) for v in values)


def test_a_stage_without_criteria_scores_once_from_0_to_100():
    assert criteria_for(MEAN, "development") == [SINGLE]
    assert maximum([SINGLE]) == 100


def test_a_category_of_its_own_has_its_criteria_the_others_the_shared_ones():
    own = [Criterion(key="fit", name="针对性", max=100)]
    judging = StageJudging(criteria=CRITERIA, by_category={"service": own})
    assert criteria_for(judging, "service") == own
    assert criteria_for(judging, "development") == CRITERIA
    assert maximum(CRITERIA) == 40 + 2 * 30


def test_the_total_is_the_weighted_sum_and_none_while_a_criterion_is_open():
    assert total({"a": D("35.5"), "b": D("20")}, CRITERIA) == D("75.5")
    assert total({"a": D("35.5")}, CRITERIA) is None


@pytest.mark.parametrize(
    ("text", "value", "problem"),
    [
        ("85", D("85"), None),
        ("８５．５", D("85.5"), None),
        ("85分", D("85"), None),
        (" 0 ", D("0"), None),
        ("100", D("100"), None),
        ("100.5", None, ScoreProblem.OUT_OF_RANGE),
        ("-1", None, ScoreProblem.OUT_OF_RANGE),
        ("85.25", None, ScoreProblem.TOO_PRECISE),
        ("八十五", None, ScoreProblem.NOT_A_NUMBER),
        ("nan", None, ScoreProblem.NOT_A_NUMBER),
        ("", None, ScoreProblem.NOT_A_NUMBER),
    ],
)
def test_typed_scores(text, value, problem):
    parsed = parse_score(text, SINGLE)
    assert parsed.value == value and parsed.problem == problem


def test_buttons_offer_the_maximum_down_in_tenths():
    assert quick_scores(SINGLE) == [D(n) for n in (100, 90, 80, 70, 60, 50)]
    assert quick_scores(Criterion(key="x", name="x", max=5)) == [D(n) for n in (5, 4, 3)]


def test_scores_may_change_until_the_stages_last_moment(contest):
    stage = contest.stage("review")
    assert scoring_open(stage, stage.end)
    assert not scoring_open(stage, stage.end + timedelta(seconds=1))


def test_mean_and_trimmed_mean_by_hand():
    totals = _totals(90, 80, 70, 60, 100)
    assert aggregate(totals, MEAN).value == Fraction(400, 5)
    trimmed = aggregate(totals, TRIMMED)
    # 100 and 60 dropped: (90 + 80 + 70) / 3 = 80
    assert trimmed.value == 80 and trimmed.dropped == (D(100), D(60)) and trimmed.judges == 5
    # four judges: below trim_from, the plain mean
    assert aggregate(_totals(90, 80, 70, 61), TRIMMED).value == Fraction(301, 4)
    assert aggregate((), MEAN) is None


def test_shown_rounds_half_up_to_two_places():
    assert shown(Fraction(301, 4)) == "75.25"
    assert shown(Fraction(250, 3)) == "83.33"
    assert shown(Fraction(1001, 12)) == "83.42"  # 83.41666…
    assert shown(Fraction(80)) == "80"
    assert shown(D("85.50")) == "85.5"


def test_ranking_with_a_tie_under_the_trimmed_mean_and_none_under_the_mean():
    entries = [
        Entry(1, "a", _totals(90, 80, 70, 60, 100)),  # mean 80, trimmed (90+80+70)/3 = 80
        Entry(2, "a", _totals(85, 75, 80, 95, 40)),  # mean 75, trimmed (85+75+80)/3 = 80
        Entry(3, "a", _totals(70, 70, 70, 70, 70)),  # 70 either way
        Entry(4, "a", ()),  # not scored
        Entry(5, "b", _totals(50)),
    ]
    trimmed = {r.case_id: r for r in rank(entries, TRIMMED)}
    assert [trimmed[c].rank for c in (1, 2, 3, 4, 5)] == [1, 1, 3, None, 1]
    assert trimmed[1].tied_with == (2,) and trimmed[2].tied_with == (1,)
    assert not trimmed[3].tied and not trimmed[5].tied
    mean = {r.case_id: r for r in rank(entries, MEAN)}
    assert [mean[c].rank for c in (1, 2, 3)] == [1, 2, 3]
    assert not mean[1].tied


def test_the_top_n_leaves_a_tie_at_the_cut_to_the_organizer(contest):
    stage = contest.stage("review").model_copy(update={"advance_per_category": 2})
    entries = [
        Entry(1, "a", _totals(90)),
        Entry(2, "a", _totals(80)),
        Entry(3, "a", _totals(80)),
        Entry(4, "a", _totals(70)),
        Entry(5, "b", _totals(60)),
        Entry(6, "b", _totals(50)),
        Entry(7, "b", _totals(40)),
    ]
    proposal = propose_advancing(rank(entries, MEAN), stage)
    assert set(proposal.chosen) == {1, 5, 6}
    assert proposal.ties == [("", (2, 3))]


def test_the_top_n_in_total_ranks_the_categories_together(contest):
    stage = contest.stage("review").model_copy(
        update={"advance_per_category": None, "advance_total": 2}
    )
    entries = [Entry(1, "a", _totals(90)), Entry(2, "a", _totals(60)), Entry(3, "b", _totals(70))]
    assert set(propose_advancing(rank(entries, MEAN), stage).chosen) == {1, 3}


def test_prize_tiers_by_rank_and_by_count():
    tiers = [
        AwardTier(name="一等奖", ranks=(1, 1)),
        AwardTier(name="二等奖", ranks=(2, 3)),
    ]
    entries = [
        Entry(1, "a", _totals(90)),
        Entry(2, "a", _totals(85)),
        Entry(3, "a", _totals(80)),
        Entry(4, "a", _totals(80)),
        Entry(5, "b", _totals(70)),
    ]
    proposal = propose_awards(rank(entries, MEAN), tiers)
    assert proposal.chosen == {1: "一等奖", 2: "二等奖", 5: "一等奖"}
    assert proposal.ties == [("二等奖", (3, 4))]
    counted = propose_awards(
        rank(entries, MEAN), [AwardTier(name="优秀项目", count=3, per="total")]
    )
    assert counted.chosen == {1: "优秀项目", 2: "优秀项目"} and counted.ties == [
        ("优秀项目", (3, 4))
    ]


def test_every_shipped_contest_judges_its_own_way():
    jianbing = load_contest(DEFAULT_CONTEST)
    assert [s.key for s in jianbing.judged_stages] == ["review", "final"]
    assert criteria_for(jianbing.stage("review").judging, "development") == [SINGLE]
    assert jianbing.stage("final").judging.live
    dangjian = load_contest(CONTESTS / "dangjian-2023.toml")
    names = [c.name for c in criteria_for(dangjian.stage("review").judging, "empowerment")]
    assert names == ["创新性", "实效性", "推广性"]
    donghu = load_contest(CONTESTS / "donghu-2026.toml")
    preliminary = donghu.stage("preliminary").judging
    assert preliminary.blind and preliminary.ranking is Ranking.TRIMMED_MEAN
    assert maximum(criteria_for(preliminary, "anything")) == 100
    assert donghu.terms.judge == "评审专家"


FINAL_JUDGING = '[stages.judging]\nlive = true\ndecides = "awards"\n'


def _final_judged(block: str) -> str:
    text = DEFAULT_CONTEST.read_text(encoding="utf-8")
    assert FINAL_JUDGING in text
    return text.replace(FINAL_JUDGING, block, 1)


def test_the_file_refuses_criteria_of_an_unknown_category():
    bad = _final_judged(
        '[stages.judging]\ndecides = "awards"\n'
        '[[stages.judging.by_category.nosuch]]\nkey = "x"\nname = "x"\nmax = 10\n'
    )
    with pytest.raises(ContestFileError, match="'nosuch' is no category"):
        parse_contest(bad)


def test_the_file_refuses_advancing_without_a_quota():
    with pytest.raises(ContestFileError, match="needs advance_per_category"):
        parse_contest(_final_judged('[stages.judging]\ndecides = "advancing"\n'))


def test_the_file_refuses_a_criterion_without_a_positive_maximum():
    block = '[stages.judging]\n[[stages.judging.criteria]]\nkey = "x"\nname = "x"\nmax = {}\n'
    assert parse_contest(_final_judged(block.format(10))).stage("final").judging.criteria
    with pytest.raises(ContestFileError, match="max"):
        parse_contest(_final_judged(block.format(0)))
