"""Which category a described project fits, from the categories' own descriptions.

"我们的项目是优化审批流程 该报哪个组": the description is compared with each category's
name, summary, description and judging emphasis by BM25 over overlapping pairs of
characters, which needs no word list and survives jieba splitting a phrase another way. The
closest category comes first; a second one is suggested too when it is nearly as close. The
reason given is the clause of the category's own text that shares most with the description.

The scoring is rank_bm25's ``BM25Okapi`` (k1 1.5, b 0.75, an idf floor of 0.25 × the average
idf for pairs in more than half of the categories) in plain Python, the same arithmetic in the
same order, so the scores are the same floats, without loading numpy (≈11 MiB) for a handful
of categories.

Pure: no I/O; the index of a contest is built on first use and kept for that contest object.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from contest.definition import Category, Contest

SECOND_WITHIN = 0.8  # a second category is suggested when it scores this close to the first
MIN_SCORE = 0.5  # below this nothing is close enough to suggest
MIN_SHARED = 2  # a suggestion needs this many character pairs in common
K1 = 1.5  # BM25Okapi's defaults: how fast a pair said again stops counting,
B = 0.75  # how much a long category text is discounted,
EPSILON = 0.25  # and the idf floor, as a share of the average idf
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")
_CLAUSE = re.compile(r"[，,；;。！？\s]+")
# The body that does the work, first in a description ("社区党支部搞…", "村里党支部带着大伙…"):
# who acts, not what the project is about
_ACTOR = re.compile(
    r"^(我们|咱们?)?(是)?[\u4e00-\u9fff]{0,6}?(党支部|党总支|党委|党工委|支部)"
    r"(?=[带领搞组织开建打推牵发联设办给为把在])"
)


@dataclass(frozen=True)
class Suggestion:
    """A category that fits the description, how well, and the clause of its text why."""

    category: Category
    score: float
    shared: tuple[str, ...]
    reason: str


def pairs(text: str) -> list[str]:
    """Return the overlapping character pairs of the Chinese runs of ``text``."""
    text = unicodedata.normalize("NFKC", text)
    return [run[i : i + 2] for run in _CJK_RUN.findall(text) for i in range(len(run) - 1)]


def _category_text(category: Category) -> str:
    return "，".join([category.name, category.summary, category.description, *category.emphasis])


@dataclass(frozen=True)
class _Index:
    """BM25 (Okapi) over the categories' texts: for each pair, its idf and its part per text."""

    size: int
    postings: dict[str, tuple[float, tuple[tuple[int, float], ...]]]

    @classmethod
    def of(cls, documents: Sequence[Sequence[str]]) -> _Index:
        """Index these documents (a list of pairs each) as ``BM25Okapi(documents)`` does."""
        counts = [_counted(d) for d in documents]
        average = sum(len(d) for d in documents) / len(documents)
        holding: dict[str, int] = {}  # how many documents hold each pair, in first-seen order
        for frequencies in counts:
            for pair in frequencies:
                holding[pair] = holding.get(pair, 0) + 1
        total = len(documents)
        idf = {p: math.log(total - n + 0.5) - math.log(n + 0.5) for p, n in holding.items()}
        floor = EPSILON * (sum(idf.values()) / len(idf))  # summed in first-seen order too
        idf = {p: floor if weight < 0 else weight for p, weight in idf.items()}
        parts: dict[str, list[tuple[int, float]]] = {}
        for at, (document, frequencies) in enumerate(zip(documents, counts, strict=True)):
            norm = K1 * (1 - B + B * len(document) / average)
            for pair, f in frequencies.items():
                parts.setdefault(pair, []).append((at, f * (K1 + 1) / (f + norm)))
        postings = {p: (idf[p], tuple(hits)) for p, hits in parts.items()}
        return cls(total, postings)

    def scores(self, query: Sequence[str]) -> list[float]:
        """Return each document's score, as ``BM25Okapi.get_scores(query)`` gives it."""
        scores = [0.0] * self.size
        for pair in query:  # a pair said twice counts twice; a text without it adds 0
            weight, hits = self.postings.get(pair, (0.0, ()))
            for at, part in hits:
                scores[at] += weight * part
        return scores


def _counted(document: Sequence[str]) -> dict[str, int]:
    """Return how often each pair occurs in the document, in first-seen order."""
    frequencies: dict[str, int] = {}
    for pair in document:
        frequencies[pair] = frequencies.get(pair, 0) + 1
    return frequencies


_INDEXES: dict[int, tuple[Contest, _Index]] = {}


def _index(contest: Contest) -> _Index:
    """Return the BM25 index of this contest's categories (built once per contest object)."""
    kept = _INDEXES.get(id(contest))
    if kept is not None and kept[0] is contest:
        return kept[1]
    index = _Index.of([pairs(_category_text(c)) for c in contest.categories])
    _INDEXES[id(contest)] = (contest, index)
    return index


def _reason(category: Category, shared: set[str]) -> str:
    """Return the clause of the category's text that shares most pairs with the description."""
    clauses = [c for c in _CLAUSE.split(f"{category.summary}，{category.description}") if c]
    best = max(clauses, key=lambda c: (len(shared & set(pairs(c))), -len(c)), default="")
    return best if shared & set(pairs(best)) else category.summary


def suggest(
    description: str,
    contest: Contest,
    *,
    ignore: frozenset[str] = frozenset(),
    synonyms: Mapping[str, str] | None = None,
) -> tuple[Suggestion, ...]:
    """Return the categories the described project fits, closest first (none if nothing fits).

    ``ignore`` holds character pairs that say nothing about the project (the words of the
    question itself, "哪个组", "适合"); ``synonyms`` maps everyday words to the descriptions'
    words ("便民" is read as "服务群众" too).
    """
    description = _ACTOR.sub("", description.strip())
    read_as = " ".join(v for k, v in (synonyms or {}).items() if k in description)
    asked = [p for p in pairs(f"{description} {read_as}") if p not in ignore]
    if not asked:
        return ()
    scores = _index(contest).scores(asked)
    ranked = sorted(zip(contest.categories, scores, strict=True), key=lambda cs: -cs[1])
    best = ranked[0][1]
    if best < MIN_SCORE:
        return ()
    found = []
    for category, score in ranked:
        shared = set(asked) & set(pairs(_category_text(category)))
        if score < best * SECOND_WITHIN or len(shared) < MIN_SHARED:
            continue
        found.append(
            Suggestion(
                category=category,
                score=score,
                shared=tuple(sorted(shared)),
                reason=_reason(category, shared),
            )
        )
    return tuple(found[:2])
