"""BM25 (Okapi) in plain Python: rank_bm25's ``BM25Okapi`` as an inverted list per term.

The same arithmetic in the same order as ``BM25Okapi`` (k1 1.5, b 0.75, an idf floor of
0.25 × the average idf for terms in more than half of the documents), so the scores are the
same floats, without loading numpy (≈11 MiB, ≈70 ms) for a few hundred short documents. The
category advice (:mod:`contest.advice`) and the matcher's topic examples
(:mod:`contest.questions`) use it; a question visits only the documents that share a term.

Pure: no I/O.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

K1 = 1.5  # BM25Okapi's defaults: how fast a term said again stops counting,
B = 0.75  # how much a long document is discounted,
EPSILON = 0.25  # and the idf floor, as a share of the average idf

# per term: its idf and, for each document that has it, the document's number and its part
Postings = dict[str, tuple[float, tuple[tuple[int, float], ...]]]


@dataclass(frozen=True)
class Okapi:
    """BM25 (Okapi) over documents of terms: for each term, its idf and its part per document."""

    size: int
    postings: Postings

    @classmethod
    def of(cls, documents: Sequence[Sequence[str]]) -> Okapi:
        """Index these documents (a list of terms each) as ``BM25Okapi(documents)`` does."""
        counts = [_counted(d) for d in documents]
        average = sum(len(d) for d in documents) / len(documents)
        holding: dict[str, int] = {}  # how many documents hold each term, in first-seen order
        for frequencies in counts:
            for term in frequencies:
                holding[term] = holding.get(term, 0) + 1
        total = len(documents)
        idf = {t: math.log(total - n + 0.5) - math.log(n + 0.5) for t, n in holding.items()}
        floor = EPSILON * (sum(idf.values()) / len(idf))  # summed in first-seen order too
        idf = {t: floor if weight < 0 else weight for t, weight in idf.items()}
        parts: dict[str, list[tuple[int, float]]] = {}
        for at, (document, frequencies) in enumerate(zip(documents, counts, strict=True)):
            norm = K1 * (1 - B + B * len(document) / average)
            for term, f in frequencies.items():
                parts.setdefault(term, []).append((at, f * (K1 + 1) / (f + norm)))
        postings = {t: (idf[t], tuple(hits)) for t, hits in parts.items()}
        return cls(total, postings)

    def scores(self, query: Sequence[str]) -> list[float]:
        """Return each document's score, as ``BM25Okapi.get_scores(query)`` gives it."""
        scores = [0.0] * self.size
        for term in query:  # a term said twice counts twice; a document without it adds 0
            weight, hits = self.postings.get(term, (0.0, ()))
            for at, part in hits:
                scores[at] += weight * part
        return scores


def _counted(document: Sequence[str]) -> dict[str, int]:
    """Return how often each term occurs in the document, in first-seen order."""
    frequencies: dict[str, int] = {}
    for term in document:
        frequencies[term] = frequencies.get(term, 0) + 1
    return frequencies
