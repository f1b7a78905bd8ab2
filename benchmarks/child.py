"""The process the load benchmarks measure: the bot, or a bare PTB echo bot, polling a sandbox.

    python -m benchmarks.child bot  --api URL --token T --database FILE --clock ISO --report F
    python -m benchmarks.child echo --api URL --token T --report F

It runs until SIGTERM, then writes a JSON report: every event-loop lag over 20 ms (a 10 ms
ticker that measures how late it wakes; wall-clock times, to be cut to the parent's
windows), the loop thread's stack sampled every 5 ms while a tick is over 50 ms late, the
collector's pauses over 5 ms, and for the bot, each reminder planning SIGUSR1 started (the
real use case ``handlers.reminders.remind`` at the bot's clock) with its start and end. The
bot is built and started as ``python -m bot`` starts it (``build_application``, ``start_services``,
polling through its inbox: stored updates, per-person lanes); the echo bot answers every
message with its text. Imports happen inside, so the echo bot imports nothing of the
project.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import signal
import sys
import threading
import time
from array import array
from pathlib import Path
from typing import Any

os.environ.setdefault("PTB_TIMEDELTA", "true")

TICK = 0.01
NOTED = 0.02  # lags above this are kept in the report
SAMPLE = 0.005  # the watchdog's period
SAMPLED = 0.05  # a tick this late has the loop's stack sampled
STACK = 6  # innermost frames kept per sample
GC_NOTED = 0.005  # collector pauses above this are kept


class LagWatch:
    """How late the event loop wakes a ticker that sleeps ``TICK`` seconds at a time.

    Each lag is kept with the CPU time the loop's thread spent meanwhile: on a machine
    with more runnable processes than cores, a tick is also late because the process was
    not scheduled at all; the CPU part is what the bot's own work in the loop took.

    What stalls: a watchdog thread wakes every ``SAMPLE`` seconds and, while a tick is
    ``SAMPLED`` late, samples the loop thread's stack (``sys._current_frames``); the samples
    are counted by their innermost frames and by the innermost frame of the project. The
    collector's pauses are timed through ``gc.callbacks`` (in whichever thread they run).
    """

    def __init__(self) -> None:
        self.lags: list[tuple[float, float, float]] = []  # (wall-clock time, lag, loop CPU)
        self.ticks = 0
        self.due = float("inf")  # time.monotonic() at which the current tick should wake
        # (wall-clock time, innermost frames, innermost frame of the project, innermost frame
        # of the bot's own work above storage: handlers, delivery, channels, bot, and whether
        # the loop's thread ran or waited, with the busiest other thread's frame) while late
        self.samples: list[tuple[float, list[str], str, str, str]] = []
        # (wall-clock time, generation, seconds, in the loop's thread, seconds of its CPU)
        self.gc_pauses: list[tuple[float, int, float, bool, float]] = []
        self._gc_start = self._gc_cpu = 0.0
        self._loop_thread = threading.get_ident()
        self._stop = threading.Event()

    async def run(self) -> None:
        """Tick until cancelled (and sample the loop's stack meanwhile when a tick is late)."""
        loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()
        gc.callbacks.append(self._gc)
        watchdog = threading.Thread(target=self._watch, name="lag-watchdog", daemon=True)
        watchdog.start()
        try:
            while True:
                start, cpu = loop.time(), time.thread_time()
                self.due = start + TICK  # loop.time() is time.monotonic()
                await asyncio.sleep(TICK)
                self.due = float("inf")
                late = loop.time() - start - TICK
                self.ticks += 1
                if late > NOTED:
                    self.lags.append((time.time(), late, time.thread_time() - cpu))
        finally:
            self._stop.set()
            gc.callbacks.remove(self._gc)

    def _gc(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._gc_start, self._gc_cpu = time.perf_counter(), time.thread_time()
            return
        took = time.perf_counter() - self._gc_start
        if took > GC_NOTED:
            cpu = time.thread_time() - self._gc_cpu
            in_loop = threading.get_ident() == self._loop_thread
            self.gc_pauses.append((time.time(), info["generation"], took, in_loop, cpu))

    def _watch(self) -> None:
        clocks: dict[int, int] = {}  # thread ident -> its CPU clock
        before: dict[int, float] = {}  # thread ident -> its CPU time at the last look
        looked = time.monotonic()
        while not self._stop.wait(SAMPLE):
            now, period = time.monotonic(), time.monotonic() - looked
            looked = now
            late = now - self.due >= SAMPLED
            spent = {}  # CPU each thread used since the last look
            for thread in threading.enumerate():
                ident = thread.ident
                if ident is None or thread is threading.current_thread():
                    continue
                try:
                    clock = clocks.setdefault(ident, time.pthread_getcpuclockid(ident))
                    used = time.clock_gettime(clock)
                except OSError:
                    continue
                spent[ident] = used - before.get(ident, used)
                before[ident] = used
            if not late:
                continue
            frames = sys._current_frames()
            loop_frames = _frames(frames.get(self._loop_thread))
            # The loop's thread ran if it used at least half of the period; else it waited (for
            # the GIL or a core) and the thread that used the most CPU meanwhile is named.
            running = spent.get(self._loop_thread, 0.0) >= period / 2
            other = max((i for i in spent if i != self._loop_thread), key=spent.get, default=None)
            holder = "loop ran" if running else "loop waited"
            if not running and other is not None and spent[other] >= period / 2:
                holder = f"loop waited, busy: {_innermost(_frames(frames.get(other)))}"
            self.samples.append(
                (time.time(), loop_frames[:STACK], _innermost(loop_frames),
                 _innermost(loop_frames, _CALLERS), holder)
            )  # fmt: skip

    def summary(self) -> dict[str, Any]:
        """Return the stall samples and the collector's pauses, for the report."""
        return {
            "samples": self.samples,
            "gc": self.gc_pauses,
            "heap": {  # what a full collection walks, at the end
                "tracked": len(gc.get_objects()),
                "frozen": gc.get_freeze_count(),
                "threshold": gc.get_threshold(),
                "collections": [g["collections"] for g in gc.get_stats()],
            },
        }


_ROOT = str(Path(__file__).resolve().parent.parent) + "/"
_PACKAGES = ("bot", "channels", "handlers", "delivery", "config", "observability", "storage",
             "messages", "contest")  # fmt: skip


def _short(filename: str) -> str:
    if filename.startswith(_ROOT):
        return filename[len(_ROOT) :]
    marker = "site-packages/"
    if marker in filename:
        return filename.split(marker, 1)[1]
    return filename.rsplit("/", 2)[-1] if "/" in filename else filename


_CALLERS = ("bot", "channels", "handlers", "delivery")


def _frames(frame: Any) -> list[str]:
    """Return a thread's frames, innermost first, as ``path:line function``."""
    stack: list[str] = []
    while frame is not None:
        code = frame.f_code
        stack.append(f"{_short(code.co_filename)}:{frame.f_lineno} {code.co_name}")
        frame = frame.f_back
    return stack


def _innermost(stack: list[str], packages: tuple[str, ...] | None = None) -> str:
    """Return the innermost frame of the project's packages (or of ``packages``)."""
    wanted = packages or _PACKAGES
    for where in stack:
        if where.split("/", 1)[0] in wanted and "/" in where.split(":", 1)[0]:
            return where
    return "(none)"


async def echo_application(args: argparse.Namespace) -> Any:
    """Return a started bare echo bot."""
    from telegram import Update
    from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters

    async def echo(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is not None and message.text:
            await message.reply_text(message.text)

    application = (
        ApplicationBuilder()
        .token(args.token)
        .base_url(f"{args.api}/bot")
        .base_file_url(f"{args.api}/file/bot")
        .build()
    )
    application.add_handler(MessageHandler(filters.ALL, echo))
    await application.initialize()
    return application


async def bot_application(args: argparse.Namespace) -> Any:
    """Return the bot, built and started as ``python -m bot`` does."""
    from datetime import datetime

    from bot.runtime import import_telegram, tune_runtime

    import_telegram()  # as ``python -m bot`` does before it imports the bot
    tune_runtime()  # as ``python -m bot`` does before its loop (the GIL's switch interval)

    from bot.app import build_application, start_services
    from config.clock import ShiftedClock
    from config.settings import Settings

    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        bot_api_url=args.api,
        database_url=f"sqlite+aiosqlite:///{args.database}",
        organizer_ids=[9001],
        health_port=0,
        send_rate=args.send_rate,
    )
    clock = ShiftedClock(datetime.fromisoformat(args.clock))
    application = build_application(settings, clock=clock, token=args.token)
    await start_services(application)
    return application


class UpdateTimes:
    """Four wall-clock times per update, packed (8 bytes each, not a list of floats).

    A dict of lists held about 260 bytes per update: 13 MiB of the bot's own peak after the
    50,000 updates of a four-minute window, counted as the bot's memory. The sandbox numbers
    updates one by one, so an update's slot is its id less the first id traced.
    """

    def __init__(self) -> None:
        self.times = array("d")
        self.first: int | None = None

    def mark(self, update_id: int | None, which: int, *, new: bool = False) -> None:
        """Note now as time ``which`` (0-3) of an update (time 0 once, when it is ``new``)."""
        if not isinstance(update_id, int):
            return
        if self.first is None and new:
            self.first = update_id
        if self.first is None or update_id < self.first:
            return  # handed in before tracing began
        slot = (update_id - self.first) * 4
        if slot >= len(self.times):
            if not new:
                return
            self.times.extend([0.0] * (slot + 4 - len(self.times)))
        if new and self.times[slot]:
            return
        self.times[slot + which] = time.time()

    def report(self) -> dict[str, list[float]]:
        """Return ``{update id: [four times]}`` for the updates seen (for the JSON report)."""
        first = self.first or 0
        return {
            str(first + index // 4): list(self.times[index : index + 4])
            for index in range(0, len(self.times), 4)
            if self.times[index]
        }


def trace_updates(application: Any) -> UpdateTimes:
    """Time every update through the inbox from now on (into the returned table).

    For each update id, wall-clock times (``time.time()``, comparable with the parent's):
    handed to its lane (stored), its handling started (a slot taken), the handler returned
    (its replies sent), done (the done mark committed).
    """
    from channels.telegram.inbox import TelegramInbox, inbox_of

    inbox = inbox_of(application)
    times = UpdateTimes()
    dispatch, handle = TelegramInbox.dispatch, TelegramInbox._handle
    process = application.process_update

    def traced_dispatch(update: Any) -> None:
        times.mark(update.update_id, 0, new=True)
        dispatch(inbox, update)

    async def traced_handle(update: Any) -> None:
        times.mark(update.update_id, 1)
        await handle(inbox, update)
        times.mark(update.update_id, 3)

    async def traced_process(update: Any) -> None:
        try:
            await process(update)
        finally:
            times.mark(getattr(update, "update_id", None), 2)

    inbox.dispatch = traced_dispatch  # type: ignore[method-assign]
    inbox._handle = traced_handle  # type: ignore[method-assign]
    application.process_update = traced_process
    return times


def count_sql(application: Any) -> dict[str, int]:
    """Count the bot's SQL statements and transactions from now on (into the returned dict)."""
    from sqlalchemy import event

    from config.services import services_of

    counts = {"statements": 0, "transactions": 0}
    engine = services_of(application).engine.sync_engine

    def statement(*_args: Any) -> None:
        counts["statements"] += 1

    def begin(*_args: Any) -> None:
        counts["transactions"] += 1

    event.listen(engine, "before_cursor_execute", statement)
    event.listen(engine, "begin", begin)
    return counts


async def run(args: argparse.Namespace) -> None:
    """Start, poll, watch the loop until SIGTERM, report."""
    watch = LagWatch()
    application = await (bot_application(args) if args.kind == "bot" else echo_application(args))
    sql = count_sql(application) if args.kind == "bot" else {}
    trace = trace_updates(application) if args.kind == "bot" else None
    if args.switch_interval:  # instead of the bot's own
        sys.setswitchinterval(args.switch_interval)
    if args.gc_threshold:
        gc.set_threshold(*(int(n) for n in args.gc_threshold.split(",")))
    if args.kind == "bot":  # as ``python -m bot`` polls: through the inbox, not PTB's Updater
        from channels.telegram.inbox import inbox_of

        inbox_of(application).start_polling()
    else:
        await application.updater.start_polling(drop_pending_updates=False)
    await application.start()
    watcher = asyncio.create_task(watch.run())
    plans: list[dict[str, Any]] = []
    tasks: set[asyncio.Task[Any]] = set()

    async def plan() -> None:
        from config.services import services_of
        from handlers.reminders import remind

        begin = time.time()
        result = await remind(services_of(application))
        plans.append({"start": begin, "end": time.time(), "written": result.written})

    def start_planning() -> None:
        task = asyncio.create_task(plan())
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    if args.kind == "bot":
        loop.add_signal_handler(signal.SIGUSR1, start_planning)
    loop.add_signal_handler(signal.SIGUSR2, dump_tasks)
    profiler = None
    if os.environ.get("BENCH_CPROFILE") and args.kind == "bot":
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    traced = os.environ.get("BENCH_TRACEMALLOC")
    growth = asyncio.create_task(traced_growth(stop)) if traced else None
    await stop.wait()
    if growth is not None:
        await growth
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(os.environ["BENCH_CPROFILE"])
    watcher.cancel()
    if args.kind == "bot":
        from channels.telegram.inbox import inbox_of
        from storage import inline_sqlite

        sql["updates"] = inbox_of(application).handled
        sql["lock_waits"] = inline_sqlite.lock_waits
    report = {
        "helpers": helper_memory(),
        "lags": watch.lags,
        "ticks": watch.ticks,
        "plans": plans,
        "sql": sql,
        "stalls": watch.summary(),
        "trace": trace.report() if trace is not None else {},
    }
    Path(args.report).write_text(json.dumps(report))
    if args.kind == "bot":
        from bot.app import stop_services
        from channels.telegram.inbox import inbox_of

        await inbox_of(application).stop()
        await application.stop()
        await stop_services(application)
    else:
        await application.updater.stop()
        await application.stop()
        await application.shutdown()


def helper_memory() -> dict[str, int]:
    """Return the peak RSS (KiB) of the bot's export processes: running ones and ended ones."""
    from handlers import export_process

    running = 0
    for pid in list(export_process.running):
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                running = max(running, int(line.split()[1]))
    return {"running": running, "ended": max(export_process.peaks, default=0)}


async def traced_growth(stop: asyncio.Event) -> None:
    """Write where the Python heap grew between 20 s after the start and the stop.

    ``BENCH_TRACEMALLOC=FILE``: to find what the bot keeps per answer (slow: timings taken with
    it mean nothing). The 25 tracebacks that grew the most, six frames each, go to FILE.
    """
    import tracemalloc

    tracemalloc.start(6)
    try:
        await asyncio.wait_for(stop.wait(), 20)
    except TimeoutError:
        pass
    before = tracemalloc.take_snapshot()
    await stop.wait()
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    lines = []
    for stat in after.compare_to(before, "traceback")[:25]:
        lines.append(f"{stat.size_diff / 2**20:+.2f} MiB in {stat.count_diff:+d} blocks")
        lines.extend(f"    {frame}" for frame in stat.traceback.format()[::-1])
    Path(os.environ["BENCH_TRACEMALLOC"]).write_text("\n".join(lines) + "\n")


def dump_tasks() -> None:
    """Print where every task of the loop waits (SIGUSR2: a benchmark saw no answer)."""
    tasks = asyncio.all_tasks()
    print(f"--- {len(tasks)} tasks ---", file=sys.stderr)
    for task in tasks:
        print(f"{task.get_name()}:", file=sys.stderr)
        task.print_stack(limit=12, file=sys.stderr)
    print("--- end of tasks ---", file=sys.stderr, flush=True)


def main() -> None:
    """Parse the command line and run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=["bot", "echo"])
    parser.add_argument("--api", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--database", default="")
    parser.add_argument("--clock", default="2024-07-01T10:00:00+08:00")
    parser.add_argument("--send-rate", type=float, default=25.0)
    parser.add_argument("--report", required=True)
    parser.add_argument("--gc-threshold", default="", help="N,N,N: gc.set_threshold after start")
    parser.add_argument("--switch-interval", type=float, default=0.0, help="sys.setswitchinterval")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
