"""Which category a described project fits, from the categories' own descriptions.

"我们的项目是优化审批流程 该报哪个组": the description is compared with each category's
name, summary, description and judging emphasis by BM25 over overlapping pairs of
characters, which needs no word list and survives jieba splitting a phrase another way. The
closest category comes first; a second one is suggested too when it is nearly as close. The
reason given is the clause of the category's own text that shares most with the description.

The scoring is rank_bm25's ``BM25Okapi`` in plain Python (:mod:`contest.bm25`), so the
scores are the same floats, without loading numpy (≈11 MiB) for a handful of categories.

Pure: no I/O; the index of a contest is built on first use and kept for that contest object.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

from contest.bm25 import Okapi
from contest.definition import Category, Contest

SECOND_WITHIN = 0.8  # a second category is suggested when it scores this close to the first
MIN_SCORE = 0.5  # below this nothing is close enough to suggest
MIN_SHARED = 2  # a suggestion needs this many character pairs in common
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


_INDEXES: dict[int, tuple[Contest, Okapi]] = {}


def _index(contest: Contest) -> Okapi:
    """Return the BM25 index of this contest's categories (built once per contest object)."""
    kept = _INDEXES.get(id(contest))
    if kept is not None and kept[0] is contest:
        return kept[1]
    index = Okapi.of([pairs(_category_text(c)) for c in contest.categories])
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
