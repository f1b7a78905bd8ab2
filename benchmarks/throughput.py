"""Benchmark: throughput and latency under N concurrent users, against a bare echo bot.

    python -m benchmarks.throughput                       # 50 users × 20 steps, 2 rounds each
    python -m benchmarks.throughput --users 200 --mix forms --steps 5   # 200 people filling forms

One sandbox on loopback (no flood limits) in this process; the bot (a fresh seeded SQLite
file, N registered contact persons) and a bare python-telegram-bot echo bot each run in a
child process of their own (``benchmarks.child``), in interleaved rounds (bot, echo, bot,
echo …) on the same sandbox, so that both see the same machine load. Closed loop: each user
sends, waits for the bot's first answer (any change to the chat), sends the next, ``--steps``
times. The mix (``--mix mixed``): a third of the users are drafting a case and each step
types one more paragraph of its 案例背景 (a form answer); the others alternate a question
(“ddl是几号”) and /schedule. ``--mix forms``: everyone types form answers. The drafters are
walked into the form before the first bot round (untimed; /start, 我的案例, 新建, a category,
the title and the four 牵头人 fields). The echo bot gets the same messages.

Prints per round and in total: updates/s, p50/p95/max latency, the child's CPU time per
update (user + system, from ``/proc/PID/stat``; it does not depend on the machine's load)
and its share of one core, the bot's SQL statements and transactions per update (over
all the updates its process handled, the walk into the form included), and the bot/echo
ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.common import (
    FIRST_USER,
    PIECES,
    QUESTIONS,
    Child,
    Person,
    first_poll,
    load_average,
    mib,
    percentiles,
    seeded,
    settle,
)

LEAD = ["李四", "二级主任科员", "0755-88134324", "13900001111"]
CONTACT = ["张三", "副主任", "0755-88134325", "13800138000"]
FIELD = "案例背景"  # the field the drafters type paragraphs into
# Where an answer's time goes, per update (wall clock, the bot child's times from its report):
PARTS = [
    ("sandbox", "in the sandbox until a getUpdates returned it"),
    ("store", "stored in the inbox, handed to its lane"),
    ("slot", "waiting for a handling slot"),
    ("first", "handling until its first change to the chat (the receipt's edit)"),
    ("reply", "from there until its new message (the next prompt) was seen"),
    ("limited", "of that, since Telegram's flood limit first refused it (--limits)"),
]


def fetch_times(botapi_class: type) -> dict[int, float]:
    """Record when a getUpdates first returned each update (wall clock), from now on."""
    fetched: dict[int, float] = {}
    original = botapi_class.get_updates

    async def get_updates(self: object, params: object) -> list[dict[str, object]]:
        updates = await original(self, params)
        now = time.time()
        for update in updates:
            fetched.setdefault(update["update_id"], now)
        return updates

    botapi_class.get_updates = get_updates  # type: ignore[attr-defined]
    return fetched


def refusals(state: Any) -> dict[int, list[float]]:
    """Record when the sandbox refused a send with a 429 (wall clock), per chat."""
    refused: dict[int, list[float]] = {}
    check = state.check_rate

    def check_rate(chat_id: int) -> None:
        try:
            check(chat_id)
        except Exception:
            refused.setdefault(chat_id, []).append(time.time())
            raise

    state.check_rate = check_rate
    return refused


def breakdown(
    people: list[Person],
    fetched: dict[int, float],
    trace: dict[str, list[float]],
    since: int,
    refused: dict[int, list[float]],
) -> list[dict[str, float]]:
    """Return each timed update's parts (seconds), for those sent since update ``since``."""
    rows = []
    for person in people:
        for update_id, sent, first, seen in person.sent:
            times = trace.get(str(update_id))
            if update_id < since or times is None or update_id not in fetched:
                continue
            dispatched, started = times[0], times[1]
            rows.append({
                "total": seen - sent, "sandbox": fetched[update_id] - sent,
                "store": dispatched - fetched[update_id], "slot": started - dispatched,
                "first": first - started, "reply": seen - first,
                "limited": seen - min([t for t in refused.get(person.user_id, [])
                                       if started <= t <= seen] or [seen]),
            })  # fmt: skip
    return rows


def print_breakdown(rows: list[dict[str, float]]) -> None:
    """Print p50/p95/max of each part, the parts of the slowest 5 %, and a histogram."""
    if not rows:
        return
    slowest = sorted(rows, key=lambda r: r["total"])[-max(1, len(rows) // 20) :]
    print(f"           where the time went ({len(rows)} updates): p50 / p95 / max;"
          f" mean of the slowest 5 %")  # fmt: skip
    for key, label in [*PARTS, ("total", "sent until the answer's new message was seen")]:
        p50, p95, worst = percentiles([r[key] for r in rows])
        mean = sum(r[key] for r in slowest) / len(slowest)
        print(f"             {key:<8} {p50 * 1000:6.0f} / {p95 * 1000:6.0f} /"
              f" {worst * 1000:6.0f} ms; {mean * 1000:6.0f} ms  ({label})")  # fmt: skip
    edges = [0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, float("inf")]
    counts = [0] * len(edges)
    for row in rows:
        counts[next(i for i, edge in enumerate(edges) if row["total"] < edge)] += 1
    labels, low = [], 0.0
    for edge, count in zip(edges, counts, strict=True):
        span = f"≥{low:g}" if edge == float("inf") else f"{low:g}–{edge:g}"
        labels.append(f"{span} s: {count}")
        low = edge
    print("           histogram of the totals: " + ", ".join(labels))


def parse_args(argv: list[str]) -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--steps", type=int, default=20, help="messages per user per round")
    parser.add_argument("--rounds", type=int, default=2, help="rounds of each bot")
    parser.add_argument("--mix", choices=["mixed", "forms"], default="mixed")
    warm = "untimed steps per user before each timed round (both bots): the steady state"
    parser.add_argument("--warm", type=int, default=0, help=warm)
    limits = "Telegram's flood limits: 30 messages/s, 1/s per chat, burst 5"
    parser.add_argument("--limits", action="store_true", help=limits)
    return parser.parse_args(argv)


def is_drafter(index: int, mix: str) -> bool:
    """Tell whether user ``index`` types form answers (else questions and /schedule)."""
    return mix == "forms" or index % 3 == 0


async def into_the_form(person: Person) -> None:
    """Walk a contact person to the 案例背景 field of a new case."""
    await person.send("/start")
    await settle(person)
    await person.press("menu:cases")
    await settle(person)
    await person.press("case:new")
    await settle(person)
    await person.press("发展提质")
    await settle(person)
    for text in ["“一网通办”再提速", *LEAD, *CONTACT]:
        await person.send(text, whole=True)  # the next prompt, even when a flood limit waits
        await settle(person)
    prompt = [m for m in person.chat.messages.values() if m.from_bot][-1]
    if FIELD not in (prompt.text or ""):  # the form changed: the steps would time errors
        raise RuntimeError(f"walked to {(prompt.text or '')[:40]!r}, not to {FIELD}")


async def one_round(
    people: list[Person], args: argparse.Namespace, steps: int = 0
) -> tuple[float, list[float]]:
    """Run every user's closed loop once (``steps`` messages each, ``--steps`` by default);
    return the elapsed time and the latencies."""
    latencies: list[float] = []

    async def walk(index: int, person: Person) -> None:
        for step in range(steps or args.steps):
            if is_drafter(index, args.mix):
                text = PIECES[(index + step) % len(PIECES)]
            elif step % 2 == 0:
                text = QUESTIONS[(index + step) % len(QUESTIONS)]
            else:
                text = "/schedule"
            latencies.append(await person.send(text, whole=True))

    started = time.perf_counter()
    await asyncio.gather(*(walk(i, p) for i, p in enumerate(people)))
    return time.perf_counter() - started, latencies


async def run(args: argparse.Namespace) -> None:
    """Seed, run the interleaved rounds, print the figures."""
    from sandbox.botapi import BotApi
    from sandbox.config import SandboxConfig
    from sandbox.server import SandboxServer

    fetched = fetch_times(BotApi)

    print(f"{args.users} users × {args.steps} steps, mix {args.mix}; {load_average()}")
    with tempfile.TemporaryDirectory() as folder:
        database = await seeded(Path(folder), units=args.users, cases=0)
        limits = {} if args.limits else {"global_rate": None, "per_chat_rate": None}
        config = SandboxConfig(**limits)
        async with SandboxServer(config) as server:
            state = server.state
            refused = refusals(state)
            people = [Person(state, FIRST_USER + n) for n in range(1, args.users + 1)]
            totals: dict[str, list[tuple[float, list[float]]]] = {"bot": [], "echo": []}
            cpus: dict[str, list[float]] = {"bot": [], "echo": []}
            prepared = False
            for number in range(args.rounds):
                # The bare echo bot has no 429 retry: under flood limits it drops answers.
                for kind in ("bot",) if args.limits else ("bot", "echo"):
                    child = Child(kind, server.url, server.token, database=database)
                    generation = state.poll_generation
                    child.start()
                    try:
                        if not await first_poll(state, since=generation):
                            raise RuntimeError(f"the {kind} did not start polling")
                        if kind == "bot" and not prepared:
                            drafters = [p for i, p in enumerate(people) if is_drafter(i, args.mix)]
                            begin = time.perf_counter()
                            await asyncio.gather(*(into_the_form(p) for p in drafters))
                            print(f"(walked {len(drafters)} drafters into the form in "
                                  f"{time.perf_counter() - begin:.0f} s, untimed)")  # fmt: skip
                            prepared = True
                        if args.warm:
                            await one_round(people, args, steps=args.warm)
                        cpu = child.cpu_seconds()
                        since, round_start = state.next_update_id, time.time()
                        elapsed, latencies = await one_round(people, args)
                        cpu = child.cpu_seconds() - cpu
                        memory = child.memory()
                    except BaseException:  # no child left polling the next run's sandbox
                        if child.process is not None:
                            child.process.kill()
                        raise
                    report = await child.stop()
                    sql = report.get("sql") or {}
                    totals[kind].append((elapsed, latencies))
                    cpus[kind].append(cpu)
                    p50, p95, worst = percentiles(latencies)
                    print(
                        f"round {number + 1} {kind:<4} {len(latencies) / elapsed:7.1f} updates/s"
                        f"  p50 {p50 * 1000:6.0f} ms  p95 {p95 * 1000:6.0f} ms"
                        f"  max {worst * 1000:6.0f} ms  VmHWM {mib(memory.get('VmHWM'))}"
                        f"  CPU {cpu / len(latencies) * 1000:5.1f} ms/update"
                        f" ({cpu / elapsed:.0%} of a core)",
                        flush=True,
                    )  # fmt: skip
                    if sql.get("updates"):
                        print(f"           {sql['statements'] / sql['updates']:.1f} SQL statements"
                              f" in {sql['transactions'] / sql['updates']:.1f} transactions per"
                              f" update (over the child's {sql['updates']} updates);"
                              f" {sql.get('lock_waits', 0)} waits for a locked SQLite")  # fmt: skip
                    if kind == "bot":
                        trace = report.get("trace") or {}
                        print_breakdown(breakdown(people, fetched, trace, since, refused))
                        count = sum(1 for ts in refused.values() for t in ts if t >= round_start)
                        print(f"           {count} sends refused by a flood limit (429)")
    rates = {}
    for kind, rounds in totals.items():
        if not rounds:
            continue
        count = sum(len(lat) for _, lat in rounds)
        rates[kind] = count / sum(elapsed for elapsed, _ in rounds)
        p50, p95, worst = percentiles([x for _, lat in rounds for x in lat])
        per_update = sum(cpus[kind]) / count * 1000
        print(f"total {kind:<4} {rates[kind]:7.1f} updates/s  p50 {p50 * 1000:6.0f} ms"
              f"  p95 {p95 * 1000:6.0f} ms  max {worst * 1000:6.0f} ms"
              f"  CPU {per_update:5.1f} ms/update")  # fmt: skip
    if "echo" in rates:
        print(f"ratio bot / echo: {rates['bot'] / rates['echo']:.2f}")
    print(load_average())


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark."""
    asyncio.run(run(parse_args(sys.argv[1:] if argv is None else argv)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
