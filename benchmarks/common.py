"""What the load benchmarks share: a seeded database, the bot in a child process, users.

* :func:`seeded` fills (once, then copies from a cache in the temp folder) a SQLite file
  migrated like the bot's with N units (one contact person each, reachable on Telegram as
  user ``FIRST_USER + n``) and M cases of about 2,500 字 with a two-person team; a share
  of them submitted, with their submission copy.
* :class:`Child` runs ``benchmarks.child`` (the real bot, or a bare PTB echo bot) in its own
  process against a sandbox of this process, so its CPU time, its event loop and its memory
  (``VmHWM`` from ``/proc/PID/status``, not tracemalloc) are its own.
* :class:`Person` plays one Telegram user in-process on the sandbox's state (no HTTP on the
  user side, so the benchmark process spends little of the shared CPU): an action, then a
  wait for the bot's next change to that chat, timed.

Figures from these benchmarks depend on the machine's load: print it with them.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CONTEST = ROOT / "contests" / "jianbing-2024.toml"
FIRST_USER = 100_000  # the contact person of unit n is Telegram user FIRST_USER + n
ORGANIZER = 9001
SEED_NOW = datetime(2024, 7, 1, 2, 0, tzinfo=UTC)
QUIET = "2024-07-01T10:00:00+08:00"  # inside the submission stage, no reminder due
DUE = "2024-07-08T10:01:00+08:00"  # a minute after the 7-days reminder before 7月15日
SENTENCE = "我局坚持问题导向，梳理群众办事堵点，推动跨部门数据共享，实现高频事项一次办结。"
QUESTIONS = ["ddl是几号", "牵头人能换吗", "决赛讲几分钟", "字数怎么算", "区里的单位怎么报"]
PIECES = [
    "面对群众办事多头跑、材料反复交的问题，我局梳理高频事项，推动部门数据共享。",
    "打通部门数据，建立统一受理平台，实现一窗受理、集成服务。",
    "办理时限压缩一半，群众满意度明显提升。",
]


def load_average() -> str:
    """Return the 1/5/15-minute load average, to print beside the figures."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.1f} / {five:.1f} / {fifteen:.1f} on {os.cpu_count()} cores"


def status_of(pid: int) -> dict[str, int]:
    """Return VmRSS and VmHWM (KiB) of a process."""
    found: dict[str, int] = {}
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return found
    for line in lines:
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            found[key] = int(rest.split()[0])
    return found


def mib(kib: int | None) -> str:
    """Format KiB as MiB."""
    return "?" if kib is None else f"{kib / 1024:.0f} MiB"


def percentiles(samples: list[float]) -> tuple[float, float, float]:
    """Return p50, p95 and max of ``samples`` (seconds)."""
    if not samples:
        return (float("nan"),) * 3
    ordered = sorted(samples)
    p95 = ordered[max(0, round(len(ordered) * 0.95) - 1)]
    return statistics.median(ordered), p95, ordered[-1]


# ---------------------------------------------------------------------------- seeding


def case_values(number: int, unit: str, category: str) -> dict[str, Any]:
    """Return a full case of about 2,500 字 (the notice allows 3,000)."""
    return {
        "category": category, "recommending_unit": unit, "title": f"第{number}号创新案例",
        "lead_name": "李四", "lead_title": "二级主任科员", "lead_office_phone": "0755-88134324",
        "lead_mobile": "13900001111", "contact_name": "张三", "contact_title": "副主任",
        "contact_office_phone": "0755-88134325", "contact_mobile": "13800138000",
        "background": SENTENCE * 24, "innovations": [SENTENCE * 6] * 3,
        "results": [SENTENCE * 6] * 3, "reentered": False,
    }  # fmt: skip


async def _fill(url: str, units: int, cases: int, submitted: float) -> None:
    from sqlalchemy import insert

    from contest.definition import load_contest
    from storage.db import create_engine, migrate, session_factory, transaction
    from storage.models import Account, Case, CaseRevision, Person, TeamMember, Unit

    contest = load_contest(CONTEST)
    categories = [c.key for c in contest.categories]
    engine = create_engine(url)
    await migrate(engine)
    rng = random.Random(7)
    async with transaction(session_factory(engine)) as session:
        connection = await session.connection()

        async def put(table: Any, rows: list[dict[str, Any]]) -> None:
            for start in range(0, len(rows), 2000):  # none for an empty list
                await connection.execute(insert(table), rows[start : start + 2000])

        await put(Unit, [
            {"party_org": f"中共深圳市第{n}局机关委员会", "recommending_unit": f"深圳市第{n}局",
             "submitter_key": "city", "status": "active", "registered": True,
             "created_at": SEED_NOW}
            for n in range(1, units + 1)
        ])  # fmt: skip
        await put(Person, [
            {"id": n, "display_name": f"联系人{n}", "unit_id": n, "name": f"联系人{n}",
             "title": "科员", "office_phone": "0755-88134325", "mobile": "13800138000",
             "profile_done": True, "is_organizer": False, "reminders_muted": False,
             "unreachable": False, "created_at": SEED_NOW}
            for n in range(1, units + 1)
        ])  # fmt: skip
        await put(Account, [
            {"person_id": n, "channel": "telegram", "external_id": str(FIRST_USER + n),
             "chat_id": str(FIRST_USER + n), "created_at": SEED_NOW}
            for n in range(1, units + 1)
        ])  # fmt: skip
        case_rows, members, copies = [], [], []
        for n in range(1, cases + 1):
            unit = (n - 1) % units + 1  # spread over the units, one each while cases ≤ units
            is_submitted = rng.random() < submitted
            created = SEED_NOW - timedelta(days=rng.randint(0, 20), minutes=rng.randint(0, 1440))
            values = case_values(n, f"深圳市第{unit}局", rng.choice(categories))
            case_rows.append({
                "id": n, "unit_id": unit, "status": "submitted" if is_submitted else "draft",
                "values": values, "evidence": {}, "ever_submitted": is_submitted,
                "submitted_at": created + timedelta(hours=1) if is_submitted else None,
                "created_at": created, "updated_at": created,
            })  # fmt: skip
            for slot in (1, 2):
                members.append({
                    "case_id": n, "slot": slot, "name": f"成员{slot}", "title": "科员",
                    "office_phone": "", "mobile": "13800000000", "employment": "staff",
                    "is_lead": slot == 1, "replaced": 0, "active": True, "created_at": created,
                })  # fmt: skip
            if is_submitted:
                copies.append({
                    "case_id": n, "number": 1, "reason": "submission", "stage_key": "submission",
                    "values": values, "evidence": {}, "created_at": created,
                })  # fmt: skip
        await put(Case, case_rows)
        await put(TeamMember, members)
        await put(CaseRevision, copies)
    await _store_facts(engine, contest)
    await engine.dispose()


async def _store_facts(engine: Any, contest: Any) -> None:
    """Store each case's 字数 and completeness as the bot does on every change, if it does."""
    try:
        from storage.case_facts import refresh_facts  # type: ignore[import-not-found]
    except ImportError:  # a version of the bot that counts on every read
        return
    from storage.db import session_factory, transaction

    async with transaction(session_factory(engine)) as session:
        await refresh_facts(session, contest=contest, now=SEED_NOW)


def _schema_key() -> str:
    versions = sorted((ROOT / "storage" / "migrations" / "versions").glob("*.py"))
    digest = hashlib.sha256()
    for path in [*versions, ROOT / "storage" / "models.py", Path(__file__)]:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


async def seeded(folder: Path, *, units: int, cases: int, submitted: float = 1 / 3) -> Path:
    """Return a fresh copy of a seeded SQLite file in ``folder`` (built once, then cached)."""
    cache = Path(tempfile.gettempdir()) / "contest-bot-benchmarks"
    cache.mkdir(exist_ok=True)
    name = f"seed-{units}u-{cases}c-{submitted:.2f}-{_schema_key()}.db"
    source = cache / name
    if not source.exists():
        started = time.perf_counter()
        partial = cache / f"{name}.partial"
        partial.unlink(missing_ok=True)
        await _fill(f"sqlite+aiosqlite:///{partial}", units, cases, submitted)
        partial.rename(source)
        print(f"(seeded {units} units, {cases} cases in {time.perf_counter() - started:.0f} s;"
              f" cached in {cache})", flush=True)  # fmt: skip
    target = folder / "bench.db"
    shutil.copyfile(source, target)
    return target


# ---------------------------------------------------------------------- the child process


PACKAGES = ["bot", "channels", "config", "contest", "delivery", "handlers", "messages",
            "observability", "storage", "sandbox", "benchmarks"]  # fmt: skip
_COMPILED: list[bool] = []


def bytecode_environment() -> dict[str, str]:
    """Return the child's environment, with the project's bytecode compiled and kept.

    A deployed bot starts from compiled modules (pip and container builds write them); a
    shell with PYTHONDONTWRITEBYTECODE set would have every start compile the project's
    ~120 modules from source again (≈0.4 s of CPU on these machines), which is not the
    bot's start-up. The project is compiled once per benchmark run, before any timing.
    """
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    if not _COMPILED:
        subprocess.run(
            [sys.executable, "-m", "compileall", "-q", *PACKAGES], cwd=ROOT, env=env, check=False
        )
        _COMPILED.append(True)
    return env


@dataclass
class Child:
    """The bot (``kind="bot"``) or a bare echo bot (``"echo"``) in a process of its own."""

    kind: str
    api: str
    token: str
    database: Path | None = None
    clock: str = QUIET
    extra: list[str] = field(default_factory=list)
    process: subprocess.Popen[bytes] | None = None
    started: float = 0.0
    report_file: Path | None = None
    log: Path | None = None

    def start(self) -> Child:
        """Spawn the process (its start-up is timed from here)."""
        folder = Path(tempfile.mkdtemp(prefix="bench-child-"))
        self.report_file = folder / "report.json"
        command = [
            sys.executable, "-m", "benchmarks.child", self.kind, "--api", self.api,
            "--token", self.token, "--clock", self.clock, "--report", str(self.report_file),
            *(["--database", str(self.database)] if self.database else []), *self.extra,
        ]  # fmt: skip
        self.started = time.perf_counter()
        self.log = folder / "child.log"
        env = bytecode_environment()
        with self.log.open("wb") as log:  # not this process's stderr: a pipe stays open
            self.process = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=log, env=env)
        return self

    def errors(self, lines: int = 15) -> str:
        """Return the end of the child's output (its tracebacks, if any)."""
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except (OSError, AttributeError):
            return ""

    @property
    def pid(self) -> int:
        """Return the process id."""
        assert self.process is not None
        return self.process.pid

    def memory(self) -> dict[str, int]:
        """Return the process's VmRSS and VmHWM (KiB)."""
        return status_of(self.pid)

    def cpu_seconds(self) -> float:
        """Return the CPU time (user + system) the process has used so far."""
        try:
            fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return float("nan")
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def signal(self, number: int) -> None:
        """Send a signal (SIGUSR1: plan the reminders now)."""
        os.kill(self.pid, number)

    async def stop(self) -> dict[str, Any]:
        """Stop the process and return its report (event-loop lag, planning times)."""
        assert self.process is not None and self.report_file is not None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        for _ in range(300):
            if self.process.poll() is not None:
                break
            await asyncio.sleep(0.1)
        else:
            self.process.kill()
        try:
            return json.loads(self.report_file.read_text())
        except (OSError, ValueError):
            return {}


async def first_poll(state: Any, *, since: int, timeout: float = 60.0) -> bool:
    """Wait until a getUpdates call after generation ``since`` reached the sandbox."""
    return await state.wait_until(lambda: state.poll_generation > since, timeout)


# ---------------------------------------------------------------------------- users


class Person:
    """One Telegram user played in-process on the sandbox state, timing every answer."""

    def __init__(self, state: Any, user_id: int) -> None:
        self.state = state
        self.user_id = user_id
        self.chat = state.chats[state.ensure_user(user_id).id]
        self.latencies: list[float] = []
        self.sent: list[tuple[int, float, float, float]] = []  # see send()

    async def _answered(self, version: int, timeout: float) -> bool:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self.chat.version <= version:
            if not await self.chat.notifier.wait(deadline - loop.time()):
                return self.chat.version > version
        return True

    async def _new_message(self, version: int, deadline: float) -> bool:
        """Wait until the bot sent a new message to this chat after ``version``."""
        loop = asyncio.get_running_loop()
        while True:
            for message in reversed(self.chat.messages.values()):
                if message.created <= version:
                    break
                if message.from_bot:
                    return True
            if not await self.chat.notifier.wait(deadline - loop.time()):
                return False

    async def send(self, text: str, *, timeout: float = 120.0, whole: bool = False) -> float:
        """Send ``text`` and wait for the bot's next change to the chat; return the wait.

        ``whole``: wait for the bot's next *new message* instead. A form answer changes the
        chat twice (the prompt it answers edited into a receipt, then the next prompt or the
        error as a new message): sending on at the first change would have the next message
        overtake the rest of this answer, and the rest timed as the next one's answer.
        ``sent`` keeps (update id, sent, first change, new message) in wall-clock time.
        """
        from sandbox import useractions

        loop = asyncio.get_running_loop()
        begin, wall = time.perf_counter(), time.time()
        useractions.send_text(self.state, self.user_id, text)
        update_id, version = self.state.next_update_id - 1, self.chat.version
        if not await self._answered(version, timeout):
            raise TimeoutError(f"no answer to {text!r} within {timeout:.0f} s")
        first = time.perf_counter() - begin
        elapsed = first
        if whole:
            if not await self._new_message(version, loop.time() + timeout - first):
                raise TimeoutError(f"no new message answering {text!r} within {timeout:.0f} s")
            elapsed = time.perf_counter() - begin
        self.latencies.append(elapsed)
        self.sent.append((update_id, wall, wall + first, wall + elapsed))
        return elapsed

    async def press(self, label_or_data: str, *, timeout: float = 120.0) -> float:
        """Press a button of the newest bot message that has it (waiting for it to come, on
        a loaded machine the bot may still be sending it); wait for the bot's change."""
        from sandbox import useractions

        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            found = self._button(label_or_data)
            if found is not None:
                break
            if not await self.chat.notifier.wait(deadline - loop.time()):
                raise LookupError(f"no button {label_or_data!r}")
        message_id, data = found
        begin = time.perf_counter()
        version = self.chat.version
        useractions.press_button(self.state, self.user_id, message_id, data)
        if not await self._answered(version, timeout):
            raise TimeoutError(f"no answer to {label_or_data!r}")
        return time.perf_counter() - begin

    def _button(self, label_or_data: str) -> tuple[int, str] | None:
        """Return (message id, callback data) of the newest bot button so labelled."""
        for message in reversed(list(self.chat.messages.values())):
            markup = (getattr(message, "reply_markup", None) or {}).get("inline_keyboard", [])
            for row in markup:
                for button in row:
                    if label_or_data in (button.get("text"), button.get("callback_data")):
                        return message.message_id, button["callback_data"]
        return None

    def bot_messages(self) -> int:
        """Return how many messages the bot has in this chat."""
        return sum(1 for m in self.chat.messages.values() if m.from_bot)


async def settle(person: Person, quiet: float = 0.3, timeout: float = 30.0) -> None:
    """Wait until the bot has left this chat alone for ``quiet`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        if not await person.chat.notifier.wait(quiet):
            return
