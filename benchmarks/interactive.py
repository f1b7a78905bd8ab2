"""Interactive latency: how long the bot takes to answer, per update, through the sandbox.

Runs the real Application on a sandbox on loopback with a fresh SQLite database, lets N
simulated users each send /start, a free-text question and /schedule, and prints the
p50/p95/max handling time per update, the throughput, and peak Python memory.

    .venv/bin/python -m benchmarks.interactive --users 200 [--memory]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
import tracemalloc
from datetime import datetime, timedelta, timezone
from pathlib import Path

os.environ.setdefault("PTB_TIMEDELTA", "true")

import aiohttp  # noqa: E402

from config.clock import ManualClock  # noqa: E402
from contest.definition import load_contest  # noqa: E402
from sandbox.config import SandboxConfig  # noqa: E402
from sandbox.server import SandboxServer  # noqa: E402
from tests.harness import Harness  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = ["ddl是几号", "牵头人能换吗", "决赛讲几分钟", "字数怎么算", "区里的单位怎么报"]


async def run(users: int, memory: bool) -> None:
    """Drive the bot with ``users`` users and print the figures."""
    contest = load_contest(ROOT / "contests" / "jianbing-2024.toml")
    clock = ManualClock(datetime(2024, 7, 1, 10, tzinfo=timezone(timedelta(hours=8))))
    timings: list[float] = []
    with tempfile.TemporaryDirectory() as folder:
        async with SandboxServer(SandboxConfig(global_rate=None, per_chat_rate=None)) as server:
            async with aiohttp.ClientSession() as session:
                harness = Harness(
                    server,
                    session,
                    database_url=f"sqlite+aiosqlite:///{folder}/bench.db",
                    clock=clock,
                    contest=contest,
                )
                await harness.start()
                if memory:
                    tracemalloc.start()
                started = time.perf_counter()
                for n in range(users):
                    user = harness.user(100_000 + n)
                    for text in ("/start", QUESTIONS[n % len(QUESTIONS)], "/schedule"):
                        begin = time.perf_counter()
                        await user.send(text)
                        timings.append(time.perf_counter() - begin)
                elapsed = time.perf_counter() - started
                peak = tracemalloc.get_traced_memory()[1] if memory else 0
                tracemalloc.stop()
                await harness.stop()
    timings.sort()
    p95 = timings[int(len(timings) * 0.95) - 1]
    print(f"users: {users}, updates: {len(timings)}")
    p50 = statistics.median(timings)
    print(
        f"per update (send, handled, reply read back): p50 {p50 * 1000:.1f} ms, "
        f"p95 {p95 * 1000:.1f} ms, max {timings[-1] * 1000:.1f} ms"
    )
    print(f"throughput: {len(timings) / elapsed:.1f} updates/s (one at a time)")
    if memory:
        print(f"peak traced Python memory: {peak / 1e6:.1f} MB (timings include tracing)")


def main() -> None:
    """Parse arguments and run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--memory", action="store_true", help="trace peak memory (slower)")
    args = parser.parse_args()
    asyncio.run(run(args.users, args.memory))


if __name__ == "__main__":
    main()
