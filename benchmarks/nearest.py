"""How the nearest-phrasings fallback would do where the matcher is unsure: gained and wrong.

Every single-topic phrasing of the development and retired test sets (as
``contest.build_examples`` reads them) is matched; where the matcher is unsure, its nearest
labelled phrasings are looked up in an index that does not hold it: leave-one-out (every other
phrasing, the same text excluded) and by contest (only the other contests' phrasings). For
each threshold it prints how many unsure phrasings the fallback would answer rightly (gained)
and wrongly (wrong topics introduced); the rest stay unsure.

    .venv/bin/python -m benchmarks.nearest
    .venv/bin/python -m benchmarks.nearest --all   # as if unsure of every phrasing
    .venv/bin/python -m benchmarks.nearest OLD.json:donghu-2026.seen12.toml ...

The development and retired sets are tuned to 100 %, so the matcher is unsure on almost none
of them today. The honest figure is historical: ``OLD.json`` lists a retired set's phrasings
with the topic the matcher *of the commit that evaluated that set* gave them (``text``,
``topic``, ``got``; made by running that commit's ``match`` on its ``test.toml``). Its unsure
phrasings are looked up in an index without that set (and, stricter, without any phrasing of
the same contest).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from contest.build_examples import contests, labelled
from contest.nearest import NearestIndex
from contest.questions import UNSURE, _bm25_terms, match, matcher_text

THRESHOLDS = (0.0, 4.0, 6.0, 8.0, 10.0, 12.0, 14.0, 16.0, 20.0)
RULES = ("top1", "top2 agree", "top3 agree")


def _decide(neighbours: list, rule: str, threshold: float) -> str | None:
    if not neighbours or neighbours[0].score < threshold:
        return None
    wanted = {"top1": 1, "top2 agree": 2, "top3 agree": 3}[rule]
    if len(neighbours) < wanted or len({n.topic for n in neighbours[:wanted]}) > 1:
        return None
    return neighbours[0].topic


def main() -> None:
    """Print gained and wrong answers per rule and threshold, leave-one-out and by contest."""
    rows: list[tuple[str, str, str, list[str], bool]] = []  # stem, text, topic, terms, unsure
    sources: list[str] = []
    for stem, contest in contests().items():
        for source, typed, topic, _ in labelled(stem):
            text = matcher_text(typed, contest)
            unsure = match(typed, contest).topic == UNSURE
            rows.append((stem, text, topic, _bm25_terms(text) if text else [], unsure))
            sources.append(source)
    if sys.argv[1:] and "--all" not in sys.argv:
        _history(rows, sources, contests())
        return
    unsure = [i for i, row in enumerate(rows) if row[4]]
    print(
        f"{len(rows)} phrasings, {len(unsure)} unsure "
        f"({sum(rows[i][0] == 'donghu-2026' for i in unsure)} of them donghu-2026)"
    )
    everyone = NearestIndex([r[3] or ["∅"] for r in rows], [r[2] for r in rows])
    others = {
        stem: [i for i, r in enumerate(rows) if r[0] != stem] for stem in {r[0] for r in rows}
    }
    by_contest = {
        stem: (NearestIndex([rows[i][3] or ["∅"] for i in kept], [rows[i][2] for i in kept]))
        for stem, kept in others.items()
    }
    if "--all" in sys.argv:  # as if the matcher were unsure of every phrasing: precision
        unsure = list(range(len(rows)))
    for name in ("leave-one-out", "by contest", "by contest, donghu-2026 only"):
        print(f"\n{name}, {len(unsure)} asked: rule, threshold: gained / wrong / still unsure")
        for rule in RULES:
            for threshold in THRESHOLDS:
                gained = wrong = left = 0
                for i in unsure:
                    stem, text, topic, terms, _ = rows[i]
                    if name.endswith("only") and stem != "donghu-2026":
                        continue
                    if name == "leave-one-out":
                        same = {j for j, r in enumerate(rows) if r[1] == text}
                        found = [
                            n for n in everyone.nearest(terms, 3 + len(same)) if n.at not in same
                        ][:3]
                    else:
                        found = by_contest[stem].nearest(terms, 3)
                    decided = _decide(found, rule, threshold)
                    if decided is None:
                        left += 1
                    elif decided == topic:
                        gained += 1
                    else:
                        wrong += 1
                print(f"  {rule:11} {threshold:5.1f}: {gained:4} / {wrong:4} / {left:4}")


def _history(rows: list, sources: list[str], known: dict) -> None:
    """Print gained / wrong on the phrasings an older matcher was unsure of, per held-out set."""
    asked: list[tuple[str, list[str], NearestIndex, NearestIndex]] = []
    for argument in sys.argv[1:]:
        path, _, held = argument.partition(":")
        stem = held.split(".")[0]
        without_set = [i for i, s in enumerate(sources) if s != held]
        without_contest = [i for i, r in enumerate(rows) if r[0] != stem]
        indexes = [
            NearestIndex([rows[i][3] or ["∅"] for i in kept], [rows[i][2] for i in kept])
            for kept in (without_set, without_contest)
        ]
        for old in json.loads(Path(path).read_text(encoding="utf-8")):
            if old["got"] == UNSURE:
                text = matcher_text(old["text"], known[stem])
                asked.append((old["topic"], _bm25_terms(text), *indexes))
                near = indexes[0].nearest(asked[-1][1], 3)
                print(
                    f"{old['text']} ({old['topic']}):", [(n.topic, round(n.score, 1)) for n in near]
                )
    for name, which in (("without the set", 2), ("without the contest", 3)):
        print(f"\n{len(asked)} unsure, {name}: rule, threshold: gained / wrong / still unsure")
        for rule in RULES:
            for threshold in THRESHOLDS:
                decided = [
                    (_decide(a[which].nearest(a[1], 3), rule, threshold), a[0]) for a in asked
                ]
                gained = sum(d == t for d, t in decided)
                left = sum(d is None for d, _ in decided)
                wrong = len(asked) - gained - left
                print(f"  {rule:11} {threshold:5.1f}: {gained:4} / {wrong:4} / {left:4}")


if __name__ == "__main__":
    main()
