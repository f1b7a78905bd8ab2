"""The nearest labelled phrasings of a question, by BM25 over their terms.

The matcher (:mod:`contest.questions`) asks this index only when it is unsure: the topic of the
closest labelled phrasings (``contest/examples.json``) is taken when they agree and are close
enough. Pure: the caller gives the terms (jieba tokens and syllable pairs) of every phrasing.
"""

from __future__ import annotations

import heapq
import math
from array import array
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

K1 = 1.5
B = 0.75


def _postings(
    lengths: Sequence[int], documents: Iterable[Sequence[str]]
) -> dict[str, tuple[float, array[int], array[float]]]:
    """Return each term's weight, the phrasings that have it and its part in each."""
    average = sum(lengths) / len(lengths) if lengths else 1.0
    # per term: the phrasings that have it and its part in each, as two arrays (4 and 8
    # bytes a posting, where a tuple of two objects took about 100)
    ats: dict[str, array[int]] = defaultdict(lambda: array("I"))
    parts: dict[str, array[float]] = defaultdict(lambda: array("d"))
    for at, document in enumerate(documents):
        norm = K1 * (1 - B + B * lengths[at] / average)
        for term, count in Counter(document).items():
            ats[term].append(at)
            parts[term].append(count * (K1 + 1) / (count + norm))
    total = len(lengths)
    return {
        term: (math.log((total - len(hits) + 0.5) / (len(hits) + 0.5) + 1.0), hits, parts[term])
        for term, hits in ats.items()
    }


@dataclass(frozen=True)
class Neighbour:
    """One labelled phrasing close to the question, with its BM25 score."""

    topic: str
    score: float
    at: int


class NearestIndex:
    """A BM25 (Okapi) index over labelled phrasings, with an inverted list per term."""

    def __init__(self, documents: Sequence[Sequence[str]], topics: Sequence[str]) -> None:
        self.topics = tuple(topics)
        self._postings = _postings([len(d) for d in documents], documents)

    @classmethod
    def read(cls, rows: Callable[[], Iterable[tuple[Sequence[str], str]]]) -> NearestIndex:
        """Index the ``(terms, topic)`` rows ``rows()`` yields, reading them twice (their
        lengths, then their postings) rather than holding every phrasing's terms at once."""
        lengths, topics = [], []
        for terms, topic in rows():
            lengths.append(len(terms))
            topics.append(topic)
        index = cls.__new__(cls)
        index.topics = tuple(topics)
        index._postings = _postings(lengths, (terms for terms, _ in rows()))
        return index

    def nearest(self, terms: Sequence[str], count: int = 3, skip: int = -1) -> list[Neighbour]:
        """Return the ``count`` closest phrasings (never the one at ``skip``), closest first."""
        scores: dict[int, float] = defaultdict(float)
        for term in set(terms):
            found = self._postings.get(term)
            if found is None:
                continue
            weight, ats, parts = found
            for at, part in zip(ats, parts, strict=True):
                scores[at] += weight * part
        scores.pop(skip, None)
        # the few best of thousands: a heap, not a sort (the same order: score, then position)
        best = heapq.nsmallest(count, scores.items(), key=lambda pair: (-pair[1], pair[0]))
        return [Neighbour(self.topics[at], score, at) for at, score in best]
