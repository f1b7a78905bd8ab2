"""The plain-Python BM25 (contest.bm25) gives rank_bm25's BM25Okapi scores, to the last bit."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from contest.bm25 import Okapi
from contest.questions import _bm25, _bm25_terms, _canonical, _normalise, vocabulary
from tests.pyrun import printed


def _topic_documents() -> list[list[str]]:
    return [
        list(_bm25_terms(_canonical(_normalise(example)))) or ["∅"]
        for topic in vocabulary().topics
        for example in topic.examples
    ]


def test_the_topic_index_is_bm25okapis() -> None:
    """Every term's idf and part per phrasing are the floats BM25Okapi computes."""
    from rank_bm25 import BM25Okapi  # the oracle, a test dependency only

    documents = _topic_documents()
    index = BM25Okapi(documents)
    k1, b, average = index.k1, index.b, index.avgdl
    hits: dict[str, list[tuple[int, float]]] = {}
    for at, (frequencies, length) in enumerate(zip(index.doc_freqs, index.doc_len, strict=True)):
        for term, f in frequencies.items():
            part = f * (k1 + 1) / (f + k1 * (1 - b + b * length / average))
            hits.setdefault(term, []).append((at, part))
    expected = {t: (w, tuple(hits[t])) for t, w in index.idf.items() if w}
    assert _bm25()[0] == expected


@given(picks=st.lists(st.integers(min_value=0, max_value=10_000), max_size=12))
@settings(max_examples=40, deadline=None)
def test_scores_are_bm25okapis(picks: list[int]) -> None:
    """A query of terms drawn from the phrasings (repeats too) scores as get_scores does."""
    from rank_bm25 import BM25Okapi

    documents = _topic_documents()
    terms = sorted({t for d in documents for t in d})
    query = [terms[p % len(terms)] for p in picks]
    okapi = BM25Okapi(documents)
    assert Okapi.of(documents).scores(query) == [float(s) for s in okapi.get_scores(query)]


def test_answering_a_question_imports_no_numpy() -> None:
    """The matcher loaded and a question answered: neither rank_bm25 nor numpy (≈11 MiB)."""
    script = (
        "import sys\n"
        "from contest.asking import ask\n"
        "from contest.definition import load_contest\n"
        "from datetime import datetime\n"
        "from contest.questions import prepare\n"
        "prepare()\n"
        "contest = load_contest('contests/donghu-2026.toml')\n"
        "assert ask('截止是几号', contest, now=datetime.fromisoformat('2026-04-03T10:00+08:00'))\n"
        "print(sorted({'numpy', 'rank_bm25'} & set(sys.modules)))\n"
    )
    assert printed(script) == "[]"
