"""Build ``contest/examples.json``: the labelled phrasings the matcher's nearest fallback reads.

The development and retired test sets under ``tests/contest/questions/`` (``*.dev.toml``,
``*.seen*.toml``; never a live ``*.test.toml``) hold about 2,000 phrasings with their topic.
Each one that asks a single topic is read as the matcher reads it (normalised, respelled,
synonyms and numbers canonical, the contest's own words, such as its stage names, replaced by
the vocabulary's usual words), so the file is contest-neutral. A text labelled with two
topics is left out. Params keep only what names no contest (``kind``, ``subject``, ``field``,
``form``).

    .venv/bin/python -m contest.build_examples          # rewrites contest/examples.json
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from contest.definition import Contest, load_contest
from contest.questions import bm25_terms, matcher_text

ROOT = Path(__file__).resolve().parent.parent
SETS = ROOT / "tests" / "contest" / "questions"
CONTESTS = ROOT / "contests"
EXAMPLES_FILE = Path(__file__).with_name("examples.json")
NEUTRAL_PARAMS = ("kind", "subject", "field", "form")
COMMON_READER = "jianbing-2025"  # common.dev.toml states the Shenzhen contests' facts


def _questions(path: Path) -> list[dict[str, Any]]:
    return tomllib.loads(path.read_text(encoding="utf-8")).get("question", [])


def labelled(stem: str) -> Iterator[tuple[str, str, str, dict[str, str]]]:
    """Yield (set file, phrasing as typed, topic, neutral params) of one contest's sets."""
    paths = [SETS / f"{stem}.dev.toml", *sorted(SETS.glob(f"{stem}.seen*.toml"))]
    if stem == COMMON_READER:
        paths.append(SETS / "common.dev.toml")
    for path in paths:
        if not path.is_file():
            continue
        for question in _questions(path):
            topic = question["topic"]
            if not isinstance(topic, str):
                continue
            params = {k: str(v) for k, v in question.get("params", {}).items()}
            neutral = {k: v for k, v in params.items() if k in NEUTRAL_PARAMS}
            yield path.name, question["text"], topic, neutral


def contests() -> dict[str, Contest]:
    """Return every contest that has question sets, by its file's stem."""
    return {
        path.stem: load_contest(path)
        for path in sorted(CONTESTS.glob("*.toml"))
        if (SETS / f"{path.stem}.dev.toml").is_file()
    }


def examples() -> list[dict[str, Any]]:
    """Return the contest-neutral labelled phrasings, one per text, in a stable order."""
    found: dict[str, dict[str, Any]] = {}
    clashes: set[str] = set()
    for stem, contest in contests().items():
        for _, typed, topic, params in labelled(stem):
            text = matcher_text(typed, contest)
            if not text:
                continue
            kept = found.get(text)
            if kept is not None and kept["topic"] != topic:
                clashes.add(text)
            found.setdefault(text, {"text": text, "topic": topic, "params": params})
    return [found[t] for t in sorted(found) if t not in clashes]


def render(rows: list[dict[str, Any]]) -> str:
    """Return the rows as the JSON of ``examples.json``: one phrasing a line, with its topic,
    its neutral params and its BM25 terms (jieba tokens and syllable pairs, so that loading
    the index segments nothing). JSON, not TOML: read at the first question, it loads in
    ≈15 ms where the same rows as TOML took ≈150 ms."""
    lines = []
    for row in rows:
        entry: dict[str, Any] = {"text": row["text"], "topic": row["topic"]}
        if row["params"]:
            entry["params"] = row["params"]
        entry["terms"] = " ".join(bm25_terms(row["text"]))
        lines.append(json.dumps(entry, ensure_ascii=False))
    return "[\n" + ",\n".join(lines) + "\n]\n"


def current() -> bool:
    """Tell whether ``examples.json`` is what the question sets and the matcher make now."""
    return EXAMPLES_FILE.read_text(encoding="utf-8") == render(examples())


def main() -> None:
    """Rewrite ``contest/examples.json`` from the question sets."""
    rows = examples()
    EXAMPLES_FILE.write_text(render(rows), encoding="utf-8")
    print(f"{len(rows)} phrasings written to {EXAMPLES_FILE.name}")


if __name__ == "__main__":
    main()
