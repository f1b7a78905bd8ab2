"""Question matching: time per question (p50, p95, max) and the memory the matcher adds at start.

Each setup runs in a fresh interpreter, so one's dictionaries do not inflate the other's
figures. Memory is the process's resident set (VmRSS, and the peak VmHWM, from
/proc/self/status) after loading the contest file and again after ``prepare()`` (jieba,
pypinyin, the BM25 index, cn2an), i.e. what the matcher adds when the bot starts. Time is
``contest.asking.ask`` per phrasing, over every phrasing of tests/contest/questions/ against
every contest file, after a warm-up pass (the first use of a phrasing fills caches).

    .venv/bin/python -m benchmarks.questions            # both setups
    .venv/bin/python -m benchmarks.questions --setup light
    .venv/bin/python -m benchmarks.questions --setup light --sample 400   # 400, evenly spread

Setups: ``light`` (the default in contest/questions.py: a 20,000-word segmentation
dictionary built from jieba's, pypinyin without its phrase table) and ``full`` (jieba's
whole dictionary, pypinyin with phrases).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
import tomllib
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SETS = ROOT / "tests" / "contest" / "questions"


def _status() -> dict[str, int]:
    """Return VmRSS and VmHWM of this process in KiB."""
    found = {}
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                found[key] = int(value.split()[0])
    return found


def measure(setup: str, sample: int = 0) -> dict[str, float]:
    """Measure one setup in this process and return its figures (``sample`` phrasings, 0: all)."""
    from contest import questions
    from contest.asking import ask
    from contest.definition import load_contest

    questions.LIGHT = setup == "light"
    paths = sorted(p for p in (ROOT / "contests").glob("*.toml") if p.stem != "TEMPLATE")
    contests = [load_contest(path) for path in paths]
    before = _status()
    started = time.perf_counter()
    questions.prepare()
    from contest.phrases import with_digits

    with_digits("三千")
    load_seconds = time.perf_counter() - started
    after = _status()
    phrasings = []
    for path in sorted(SETS.glob("*.toml")):
        phrasings += [q["text"] for q in tomllib.loads(path.read_text("utf-8"))["question"]]
    if 0 < sample < len(phrasings):
        phrasings = [phrasings[i * len(phrasings) // sample] for i in range(sample)]
    timings = []
    for warm in (True, False):
        for contest in contests:
            now = contest.submission_stage.start + timedelta(days=2)
            for text in phrasings:
                started = time.perf_counter()
                ask(text, contest, now=now)
                if not warm:
                    timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return {
        "rss_before_mib": before["VmRSS"] / 1024,
        "rss_added_mib": (after["VmRSS"] - before["VmRSS"]) / 1024,
        "hwm_mib": _status()["VmHWM"] / 1024,
        "load_s": load_seconds,
        "questions": len(timings),
        "p50_ms": statistics.median(timings),
        "p95_ms": timings[int(len(timings) * 0.95) - 1],
        "max_ms": timings[-1],
    }


def main() -> None:
    """Run each setup in its own interpreter and print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--setup", choices=["light", "full"], action="append")
    parser.add_argument("--sample", type=int, default=0, help="phrasings to ask (0: all)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child, args.sample)))
        return
    print("setup | RSS added at start | peak RSS (VmHWM) | load | per question p50 / p95 / max")
    for setup in args.setup or ["light", "full"]:
        result = subprocess.run(
            [sys.executable, "-W", "ignore", "-m", "benchmarks.questions", "--child", setup]
            + ["--sample", str(args.sample)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        f = json.loads(result.stdout.strip().splitlines()[-1])
        print(
            f"{setup} | {f['rss_added_mib']:.0f} MiB (on {f['rss_before_mib']:.0f} MiB) | "
            f"{f['hwm_mib']:.0f} MiB | {f['load_s']:.1f} s | "
            f"{f['p50_ms']:.1f} / {f['p95_ms']:.1f} / {f['max_ms']:.1f} ms "
            f"({f['questions']} questions)"
        )


if __name__ == "__main__":
    main()
