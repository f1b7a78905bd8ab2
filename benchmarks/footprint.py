"""Benchmark: the bot's memory (VmHWM of its process) and its start-up, against an echo bot.

    python -m benchmarks.footprint                    # 10,000 units, 10,000 cases of ≈2,500 字
    python -m benchmarks.footprint --units 2000 --cases 2000 --wait 40

Each figure comes from a child process (``benchmarks.child``) of its own on a fresh copy of
a seeded SQLite file; memory is the kernel's ``VmRSS``/``VmHWM`` of that process (what the
machine pays), not tracemalloc. In order:

1. the bare PTB echo bot: start-up to its first getUpdates, and its memory;
2. the bot on an empty database: start-up and memory idle;
3. the bot with the seeded units and cases, its clock where no reminder is due: start-up,
   memory idle (after ``--settle`` seconds); with ``--asked``, again after a contact person
   asked one question (the question matcher is then loaded, as in any bot that has answered
   someone); then the peak while the organizer's /export runs (cut at ``--wait`` seconds if
   unfinished);
4. the same data, its clock a minute after a deadline reminder's moment: start-up to the
   first getUpdates, and the peak until the reminder rows are written (planning for every
   unit; cut at ``--wait``);
5. a restart on that database (the reminders written already): start-up again.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import (
    DUE,
    FIRST_USER,
    ORGANIZER,
    QUIET,
    Child,
    Person,
    first_poll,
    load_average,
    mib,
    seeded,
)


def parse_args(argv: list[str]) -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=10_000)
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--settle", type=float, default=3.0, help="seconds before 'idle'")
    asked = "a contact person asks one question before the export (the matcher loaded)"
    parser.add_argument("--asked", action="store_true", help=asked)
    parser.add_argument("--wait", type=float, default=40.0, help="longest wait for a piece")
    return parser.parse_args(argv)


def outbox_rows(database: Path) -> int:
    """Return how many outbox rows the database holds (read beside the running bot)."""
    with sqlite3.connect(database, timeout=5) as connection:
        return int(connection.execute("SELECT count(*) FROM outboxmessage").fetchone()[0])


async def started(server: object, child: Child) -> float:
    """Start ``child`` and return the seconds to its first getUpdates (and print its CPU)."""
    state = server.state  # type: ignore[attr-defined]
    generation = state.poll_generation
    child.start()
    if not await first_poll(state, since=generation, timeout=180):
        raise RuntimeError(f"the {child.kind} did not start polling")
    took = time.perf_counter() - child.started
    print(f"  ({child.kind}: {child.cpu_seconds():.2f} s of CPU to the first getUpdates)")
    return took


def line(label: str, seconds: float | None, memory: dict[str, int], note: str = "") -> None:
    """Print one row."""
    took = f"{seconds:6.2f} s" if seconds is not None else " " * 8
    print(f"{label:<44} {took}  VmRSS {mib(memory.get('VmRSS')):>8}  "
          f"VmHWM {mib(memory.get('VmHWM')):>8}  {note}", flush=True)  # fmt: skip


async def run(args: argparse.Namespace) -> None:
    """Run the five measurements and print them."""
    from sandbox.config import SandboxConfig
    from sandbox.server import SandboxServer

    print(f"{args.units} units, {args.cases} cases of ≈2,500 字; {load_average()}", flush=True)
    config = SandboxConfig(global_rate=None, per_chat_rate=None)
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        async with SandboxServer(config) as server:
            echo = Child("echo", server.url, server.token)
            took = await started(server, echo)
            await asyncio.sleep(args.settle)
            line("echo bot, idle", took, echo.memory())
            await echo.stop()

            (base / "empty").mkdir()
            empty = Child("bot", server.url, server.token, database=base / "empty" / "bot.db")
            took = await started(server, empty)
            await asyncio.sleep(args.settle)
            line("bot, empty database, idle", took, empty.memory())
            await empty.stop()

            (base / "quiet").mkdir()
            database = await seeded(base / "quiet", units=args.units, cases=args.cases)
            quiet = Child("bot", server.url, server.token, database=database, clock=QUIET)
            took = await started(server, quiet)
            await asyncio.sleep(args.settle)
            line("bot, seeded, no reminder due, idle", took, quiet.memory())
            if args.asked:  # a running bot has answered someone: the matcher is loaded
                asker = Person(server.state, FIRST_USER + 1)
                await asker.send("截止是几号", timeout=args.wait)
                await asyncio.sleep(args.settle)
                line("bot, seeded, idle after one question", None, quiet.memory())
            organizer = Person(server.state, ORGANIZER)
            begin = time.perf_counter()
            await organizer.send("/export", timeout=args.wait)
            deadline = begin + args.wait
            while time.perf_counter() < deadline:
                if sum(1 for m in organizer.chat.messages.values() if m.document) >= 3:
                    break
                await organizer.chat.notifier.wait(deadline - time.perf_counter())
            files = sum(1 for m in organizer.chat.messages.values() if m.document)
            line("bot, seeded, during /export", time.perf_counter() - begin, quiet.memory(),
                 f"{files} of 3 files sent")  # fmt: skip
            await quiet.stop()

            (base / "due").mkdir()
            database = await seeded(base / "due", units=args.units, cases=args.cases)
            due = Child("bot", server.url, server.token, database=database, clock=DUE)
            took = await started(server, due)
            line("bot, seeded, a reminder due: start-up", took, due.memory())
            begin = time.perf_counter()
            count = 0
            while time.perf_counter() < begin + args.wait and count < args.units:
                await asyncio.sleep(0.5)  # one reminder per unit's contact person
                count = outbox_rows(database)
            line(
                "bot, seeded, planning done",
                None,
                due.memory(),
                f"{count} outbox rows (+{time.perf_counter() - begin:.0f} s after polling)",
            )
            await due.stop()
            again = Child("bot", server.url, server.token, database=database, clock=DUE)
            took = await started(server, again)
            line("bot, seeded, a reminder due: restart", took, again.memory())
            await again.stop()
    print(load_average())


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark."""
    asyncio.run(run(parse_args(sys.argv[1:] if argv is None else argv)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
