"""Benchmark: the bot's worst event-loop stall while heavy organizer work runs beside users.

    python -m benchmarks.stalls                       # 10,000 units, 5,000 cases, 20 users
    python -m benchmarks.stalls --units 2000 --cases 1000 --window 20

The bot runs in a child process (``benchmarks.child``) on a seeded SQLite file (N units,
each with a contact person; M cases of about 2,500 字, a third submitted) with its clock a
minute after a deadline reminder's moment. After polling has started, interactive users
(questions and /schedule, closed loop) run for ``--window`` seconds while, a second in, the
organizer sends /status, the reminder planning for every unit runs (SIGUSR1 in the child:
``handlers.reminders.remind``), and the organizer sends /export (workbooks and the zip of
the submitted .docx; an export not finished when the window ends is left unfinished and
said so). Prints the worst event-loop lag inside the window (a 10 ms ticker in the bot's
loop), how many stalls went over 100 ms, the users' p50/p95/max, and how long each heavy
piece took, then what stalled: the innermost frames of the loop's thread sampled while a
tick was over 50 ms late, and the garbage collector's pauses (``gc.callbacks``).
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from benchmarks.common import (
    DUE,
    FIRST_USER,
    ORGANIZER,
    QUESTIONS,
    Child,
    Person,
    first_poll,
    load_average,
    mib,
    percentiles,
    seeded,
)

CAUSES = 12  # stacks printed


def parse_args(argv: list[str]) -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=10_000)
    parser.add_argument("--cases", type=int, default=5_000)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--window", type=float, default=30.0, help="seconds measured")
    parser.add_argument(
        "--skip", action="append", default=[], choices=["status", "planning", "export"],
        help="leave one heavy piece out (to see what each costs)",
    )  # fmt: skip
    parser.add_argument(
        "--gc-threshold", default="", metavar="N,N,N",
        help="the bot's gc.set_threshold after its start (to try the collector's pace)",
    )  # fmt: skip
    parser.add_argument(
        "--switch-interval", type=float, default=0.0, metavar="S",
        help="the bot's sys.setswitchinterval (to try how soon a thread hands back the GIL)",
    )  # fmt: skip
    return parser.parse_args(argv)


async def run(args: argparse.Namespace) -> None:
    """Seed, start the bot, run users and the heavy work, print the figures."""
    from sandbox.config import SandboxConfig
    from sandbox.server import SandboxServer

    print(f"{args.units} units, {args.cases} cases, {args.users} users, "
          f"{args.window:.0f} s window; {load_average()}", flush=True)  # fmt: skip
    with tempfile.TemporaryDirectory() as folder:
        database = await seeded(Path(folder), units=args.units, cases=args.cases)
        config = SandboxConfig(global_rate=None, per_chat_rate=None)
        async with SandboxServer(config) as server:
            state = server.state
            extra = ["--gc-threshold", args.gc_threshold] if args.gc_threshold else []
            if args.switch_interval:
                extra += ["--switch-interval", str(args.switch_interval)]
            child = Child(
                "bot", server.url, server.token, database=database, clock=DUE, extra=extra
            ).start()
            if not await first_poll(state, since=0, timeout=120):
                raise RuntimeError("the bot did not start polling")
            print(f"start-up to the first getUpdates: {time.perf_counter() - child.started:.1f} s"
                  f" ({child.cpu_seconds():.1f} s of CPU)")  # fmt: skip
            users = [Person(state, FIRST_USER + n) for n in range(1, args.users + 1)]
            organizer = Person(state, ORGANIZER)
            window_start = time.time()
            end = time.perf_counter() + args.window
            marks: dict[str, float] = {}

            async def walk(index: int, person: Person) -> None:
                step = 0
                while time.perf_counter() < end:
                    text = QUESTIONS[(index + step) % 5] if step % 2 == 0 else "/schedule"
                    await person.send(text)
                    step += 1

            async def heavy() -> None:
                await asyncio.sleep(1)
                marks["begin"] = time.perf_counter()
                organizer_before = organizer.bot_messages()
                if "status" not in args.skip:
                    await organizer.send("/status")
                if "planning" not in args.skip:
                    child.signal(signal.SIGUSR1)
                if "export" not in args.skip:
                    await organizer.send("/export")
                while time.perf_counter() < end:
                    documents = [m for m in organizer.chat.messages.values() if m.document]
                    marks["status_messages"] = organizer.bot_messages() - organizer_before
                    if len(documents) >= 3 and "export" not in marks:
                        marks["export"] = time.perf_counter() - marks["begin"]
                    await organizer.chat.notifier.wait(max(0.0, end - time.perf_counter()))

            try:
                await asyncio.gather(heavy(), *(walk(i, p) for i, p in enumerate(users)))
            except TimeoutError:
                child.signal(signal.SIGUSR2)  # the child prints where each of its tasks waits
                await asyncio.sleep(2)  # a benchmark, not a test: give it time to write
                print(f"a user got no answer; the bot's last words:\n{child.errors(lines=400)}")
                raise
            finally:
                window_end = time.time()
                memory = child.memory()
                report = await child.stop()
    inside = [x for x in report.get("lags", []) if window_start <= x[0] <= window_end]
    lags = [x[1] for x in inside]
    own = [x[2] for x in inside]  # the loop thread's CPU during those ticks
    stalls = [lag for lag in lags if lag > 0.1]
    p50, p95, worst = percentiles([x for p in users for x in p.latencies])
    print(f"worst event-loop lag      {max(lags, default=0) * 1000:8.0f} ms")
    print(f"stalls over 100 ms        {len(stalls):8d}  (their sum {sum(stalls):.1f} s)")
    print(
        f"worst loop CPU in a tick  {max(own, default=0) * 1000:8.0f} ms  (the bot's own work; "
        f"the rest of a lag is waiting for a core), {sum(1 for x in own if x > 0.1)} over 100 ms"
    )
    print(f"users' answers            p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, "
          f"max {worst * 1000:.0f} ms, {sum(len(p.latencies) for p in users)} answers")  # fmt: skip
    for plan in report.get("plans", []):
        print(f"reminder planning         {plan['end'] - plan['start']:8.1f} s "
              f"({plan['written']} new rows)")  # fmt: skip
    if not report.get("plans"):
        print("reminder planning         not finished in the window")
    print(f"/status + /export         {marks.get('status_messages', 0)} messages to the organizer")
    if "export" in marks:
        print(f"export (3 files)          {marks['export']:8.1f} s")
    else:
        print("export (3 files)          not finished in the window")
    print(f"bot VmHWM                 {mib(memory.get('VmHWM'))}")
    helpers = report.get("helpers", {})
    peak = max(helpers.get("running", 0), helpers.get("ended", 0))
    if peak:
        print(f"export process VmHWM      {mib(peak)}  (its own process, while an export runs)")
    print_causes(report.get("stalls", {}), window_start, window_end, inside)
    print(load_average())


def print_causes(stalls: dict[str, Any], start: float, end: float, lags: list[list[float]]) -> None:
    """Print where the loop thread was while ticks were late, and the collector's pauses."""
    samples = [x for x in stalls.get("samples", []) if start <= x[0] <= end]
    pauses = [x for x in stalls.get("gc", []) if start <= x[0] <= end]
    print(f"\nthe {CAUSES} late ticks with the most loop CPU: where the loop was (above storage)")
    for woke, lag, cpu in sorted(lags, key=lambda x: -x[2])[:CAUSES]:
        began = woke - lag - 0.01
        during = Counter(x[3] for x in samples if began <= x[0] <= woke).most_common(3)
        collected = sum(x[2] for x in pauses if began <= x[0] <= woke and x[3])
        where = ", ".join(f"{w} ×{n}" for w, n in during)
        print(f"  lag {lag * 1000:4.0f} ms, loop CPU {cpu * 1000:4.0f} ms, gc in the loop "
              f"{collected * 1000:3.0f} ms: {where}")  # fmt: skip
    print(f"\nwhile a tick was over 50 ms late: {len(samples)} samples of the loop's stack (5 ms)")
    print("  innermost frame of the project:")
    for where, n in Counter(x[2] for x in samples).most_common(CAUSES):
        print(f"  {n:6d}  {where}")
    print("  innermost frame of the work above storage (handlers, delivery, channels, bot):")
    for where, n in Counter(x[3] for x in samples).most_common(CAUSES):
        print(f"  {n:6d}  {where}")
    print("  the loop's thread ran, or waited (for the GIL or a core) while another thread ran:")
    for where, n in Counter(x[4] for x in samples).most_common(CAUSES):
        print(f"  {n:6d}  {where}")
    print("  innermost frames:")
    for stack, n in Counter(tuple(x[1]) for x in samples).most_common(CAUSES):
        print(f"  {n:6d}  " + "\n          < ".join(stack[:4]))
    for generation in (0, 1, 2):
        mine = [x for x in pauses if x[1] == generation]
        if mine:
            in_loop = [x[2] for x in mine if x[3]]
            worst, total = max(x[2] for x in mine), sum(x[2] for x in mine)
            cpu = max((x[4] for x in mine if len(x) > 4), default=0.0)
            print(f"gc generation {generation} pauses over 5 ms: {len(mine)}, worst "
                  f"{worst * 1000:.0f} ms ({cpu * 1000:.0f} ms of CPU at most), sum "
                  f"{total:.2f} s; {len(in_loop)} of them in the loop's thread "
                  f"({sum(in_loop):.2f} s)")  # fmt: skip
    if not pauses:
        print("gc pauses over 5 ms: none")
    heap = stalls.get("heap")
    if heap:
        print(f"gc at the end: {heap['tracked']} objects tracked, {heap['frozen']} frozen, "
              f"threshold {heap['threshold']}, collections per generation "
              f"{heap['collections']} since start")  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark."""
    asyncio.run(run(parse_args(sys.argv[1:] if argv is None else argv)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
