"""The category advice: its plain-Python BM25 gives rank_bm25's scores, without numpy."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contest.advice import _category_text, _index, pairs
from contest.definition import Contest, load_contest
from tests.pyrun import printed

ROOT = Path(__file__).resolve().parents[2]
FILES = sorted(p for p in (ROOT / "contests").glob("*.toml") if p.stem != "TEMPLATE")
CONTESTS = {p.stem: load_contest(p) for p in FILES}
WORDS = "优化审批流程服务群众党建引领社区基层治理创新数字化营商环境"


def _okapi_scores(contest: Contest, asked: list[str]) -> list[float]:
    from rank_bm25 import BM25Okapi  # the oracle, a test dependency only

    index = BM25Okapi([pairs(_category_text(c)) for c in contest.categories])
    return [float(s) for s in index.get_scores(asked)]


@pytest.mark.parametrize("stem", sorted(CONTESTS))
@given(words=st.lists(st.sampled_from(WORDS), max_size=30))
@settings(max_examples=60, deadline=None)
def test_scores_are_bm25okapis_to_the_last_bit(stem: str, words: list[str]) -> None:
    """Every category's score is the float BM25Okapi.get_scores gives, repeated pairs too."""
    contest = CONTESTS[stem]
    asked = pairs("".join(words)) + pairs("".join(words[:4]))
    assert _index(contest).scores(asked) == _okapi_scores(contest, asked)


def test_every_categorys_own_words_score_as_bm25okapi() -> None:
    """Each category's own text, asked as a question, scores exactly as BM25Okapi scores it."""
    for contest in CONTESTS.values():
        for category in contest.categories:
            asked = pairs(_category_text(category))
            assert _index(contest).scores(asked) == _okapi_scores(contest, asked)


def test_advice_imports_no_numpy() -> None:
    """Asking which category fits loads neither rank_bm25 nor numpy (≈11 MiB)."""
    script = (
        "import sys\n"
        "from contest.advice import suggest\n"
        "from contest.definition import load_contest\n"
        "contest = load_contest('contests/jianbing-2025.toml')\n"
        "assert suggest('我们的项目是优化审批流程 该报哪个组', contest)\n"
        "print(sorted({'numpy', 'rank_bm25'} & set(sys.modules)))\n"
    )
    assert printed(script) == "[]"
