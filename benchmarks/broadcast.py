"""Benchmark: one notice to N users through the outbox and the delivery worker.

Runs the real bot (``build_application``, a fresh SQLite file, the delivery worker) against
a Bot API sandbox on loopback with Telegram's flood limits switched on, writes N people and
one outbox row each, and times ``worker.drain()``. Prints throughput against the sandbox's
limit, 429 answers, and the process's peak resident memory (VmHWM: the bot and the sandbox
share this process, so it is an upper bound of the bot's). Not part of the test suite.

    python -m benchmarks.broadcast 1000
    python -m benchmarks.broadcast 5000 --rate 25 --sandbox-rate 30
    python -m benchmarks.broadcast 2000 --rate 40 --sandbox-rate 30   # over the limit: 429s
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

os.environ.setdefault("PTB_TIMEDELTA", "true")

from sqlalchemy import insert  # noqa: E402
from sqlmodel import select  # noqa: E402

from benchmarks.common import load_average, status_of  # noqa: E402
from bot.app import build_application, start_services, stop_services  # noqa: E402
from config.clock import ManualClock  # noqa: E402
from config.services import services_of  # noqa: E402
from config.settings import Settings  # noqa: E402
from delivery import worker_of  # noqa: E402
from handlers.notices import notice_rows  # noqa: E402
from sandbox.config import RateLimit, SandboxConfig  # noqa: E402
from sandbox.server import SandboxServer  # noqa: E402
from storage.broadcasts import create_broadcast, save_broadcast  # noqa: E402
from storage.db import transaction  # noqa: E402
from storage.models import Account, Person  # noqa: E402
from storage.outbox import enqueue_many  # noqa: E402

FIRST_USER = 1_000_000
NOTICE = "<b>关于报送参赛案例的通知</b>\n请各单位于截止前完成《参赛案例说明书》填报。"


def parse_args(argv: list[str]) -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("users", type=int, nargs="?", default=1000, help="recipients")
    parser.add_argument("--rate", type=float, default=25.0, help="SEND_RATE of the worker")
    parser.add_argument(
        "--sandbox-rate", type=float, default=30.0, help="Telegram's global limit (messages/s)"
    )
    parser.add_argument("--burst", type=float, default=30.0, help="the limit's burst")
    parser.add_argument("--blocked", type=float, default=0.02, help="share of blocked users")
    return parser.parse_args(argv)


async def run(args: argparse.Namespace) -> None:
    """Set everything up, send, and print the figures."""
    config = SandboxConfig(
        global_rate=RateLimit(args.sandbox_rate, args.burst), per_chat_rate=RateLimit(1, 5)
    )
    users = range(FIRST_USER, FIRST_USER + args.users)
    blocked = set(users[:: max(1, round(1 / args.blocked))]) if args.blocked else set()
    with tempfile.TemporaryDirectory() as folder:
        async with SandboxServer(config) as server:
            for uid in users:
                server.state.ensure_user(uid).blocked = uid in blocked
            settings = Settings(
                _env_file=None,  # type: ignore[call-arg]
                bot_api_url=server.url,
                database_url=f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}",
                send_rate=args.rate,
            )
            clock = ManualClock(datetime(2024, 7, 1, 2, 0, tzinfo=UTC))
            app = build_application(settings, clock=clock, token=server.token)
            await start_services(app)
            try:
                await send(app, users, clock.now(), blocked, args.sandbox_rate)
            finally:
                await stop_services(app)


async def send(app: object, users: range, now: datetime, blocked: set[int], limit: float) -> None:
    """Write the people and their rows, then time the drain."""
    services = services_of(app)  # type: ignore[arg-type]
    people = [
        {
            "display_name": f"用户{uid}",
            "name": "",
            "title": "",
            "office_phone": "",
            "mobile": "",
            "profile_done": False,
            "is_organizer": False,
            "reminders_muted": False,
            "unreachable": False,
            "created_at": now,
        }  # fmt: skip
        for uid in users
    ]
    async with transaction(services.sessions) as session:
        await session.exec(insert(Person), params=people)
        rows = list((await session.exec(select(Person).order_by(Person.id))).all())
        accounts = [
            {"person_id": row.id, "channel": "telegram", "external_id": str(uid),
             "chat_id": str(uid), "created_at": now}
            for row, uid in zip(rows, users, strict=True)
        ]  # fmt: skip
        await session.exec(insert(Account), params=accounts)
        broadcast = await create_broadcast(session, created_by=rows[0].id or 0, now=now)
        await save_broadcast(session, broadcast=broadcast, text=NOTICE, status="sending")
        written = await enqueue_many(
            session, messages=notice_rows(services.contest, broadcast, rows, due_at=now)
        )
    worker = worker_of(services)
    started = time.perf_counter()
    await worker.drain()  # the worker's own task may take some rounds too: count its stats
    elapsed = time.perf_counter() - started
    stats = worker.stats
    sent = stats.sent + stats.unreachable + stats.failed
    print(f"recipients        {written}")
    print(f"rows handled      {sent} (sent {stats.sent}, unreachable {stats.unreachable}, "
          f"failed {stats.failed})")  # fmt: skip
    print(f"blocked (planted) {len(blocked)}")
    print(f"elapsed           {elapsed:.2f} s")
    print(f"throughput        {sent / elapsed:.1f} messages/s (worker rate {worker.rate:g}/s)")
    print(f"429 answers       {stats.throttled}")
    print(f"of the limit      {sent / elapsed / limit:.3f} × {limit:g}/s")
    print(
        f"peak memory       {status_of(os.getpid()).get('VmHWM', 0) / 1024:.0f} MiB "
        "(VmHWM of this process: the bot and the sandbox)"
    )
    print(load_average())


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark."""
    asyncio.run(run(parse_args(sys.argv[1:] if argv is None else argv)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
