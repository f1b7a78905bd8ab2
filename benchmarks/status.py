"""The organizers' /status with many units: time per view, messages and characters sent.

Seeds N registered units (one contact each, every tenth with a draft case by default), then has the
organizer send /status, turn pages, and switch filters through the sandbox; prints the time
of each and the size of what was sent (one message, edited in place).

    .venv/bin/python -m benchmarks.status --units 10000 [--drafts-every 10]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

os.environ.setdefault("PTB_TIMEDELTA", "true")

import aiohttp  # noqa: E402
from sqlalchemy import insert  # noqa: E402
from sqlmodel import select  # noqa: E402

from config.clock import ManualClock  # noqa: E402
from config.services import services_of  # noqa: E402
from contest.definition import load_contest  # noqa: E402
from sandbox.config import SandboxConfig  # noqa: E402
from sandbox.server import SandboxServer  # noqa: E402
from storage.db import transaction  # noqa: E402
from storage.models import Case, Person, Unit  # noqa: E402
from tests.harness import Harness  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


async def seed(harness: Harness, units: int, every: int) -> None:
    """Insert the units, their contacts and a draft case for every ``every``-th unit."""
    now = harness.clock.now()
    async with transaction(services_of(harness.app).sessions) as session:
        connection = await session.connection()
        await connection.execute(
            insert(Unit),
            [
                {"party_org": f"中共深圳市第{n}号单位机关委员会", "registered": True,
                 "submitter_key": "city", "status": "active", "created_at": now, "extra": {}}
                for n in range(units)
            ],
        )  # fmt: skip
        ids = list((await session.exec(select(Unit.id).order_by(Unit.id))).all())
        await connection.execute(
            insert(Person),
            [
                {"unit_id": i, "name": f"联系人{n}", "unreachable": n % 100 == 7,
                 "created_at": now, "extra": {}}
                for n, i in enumerate(ids)
            ],
        )  # fmt: skip
        if not every:
            return
        await connection.execute(
            insert(Case),
            [
                {"unit_id": i, "status": "draft", "values": {"category": "development",
                 "title": f"案例{n}"}, "evidence": {}, "ever_submitted": False,
                 "created_at": now, "updated_at": now}
                for n, i in enumerate(ids) if every and n % every == 0
            ],
        )  # fmt: skip


async def run(units: int, every: int) -> None:
    """Seed, then time /status, a page turn and a filter."""
    contest = load_contest(ROOT / "contests" / "jianbing-2024.toml")
    clock = ManualClock(datetime(2024, 7, 1, 10, tzinfo=timezone(timedelta(hours=8))))
    with tempfile.TemporaryDirectory() as folder:
        async with SandboxServer(SandboxConfig(global_rate=None, per_chat_rate=None)) as server:
            async with aiohttp.ClientSession() as session:
                harness = Harness(
                    server, session, database_url=f"sqlite+aiosqlite:///{folder}/bench.db",
                    clock=clock, contest=contest,
                )  # fmt: skip
                await harness.start()
                await seed(harness, units, every)
                organizer = harness.organizer()
                await organizer.send("/start")
                mark = organizer.mark()
                steps = [
                    ("/status", lambda: organizer.send("/status")),
                    ("next page", lambda: organizer.press("下一页 ➡️", organizer.last_reply)),
                    ("filter 无法送达", lambda: organizer.press("无法送达", organizer.last_reply)),
                    ("filter 有未提交", lambda: organizer.press("有未提交", organizer.last_reply)),
                ]
                for name, step in steps:
                    begin = time.perf_counter()
                    await step()
                    took = (time.perf_counter() - begin) * 1000
                    print(f"{name:>16}: {took:7.1f} ms, {len(organizer.last_reply.text)} chars")
                sent = organizer.replies_since(mark)
                print(f"{units} units: {len(sent)} message(s) sent for all four views")
                await harness.stop()


def main() -> None:
    """Parse the arguments and run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=10_000)
    parser.add_argument("--drafts-every", type=int, default=10, help="0: no cases")
    args = parser.parse_args()
    asyncio.run(run(args.units, args.drafts_every))


if __name__ == "__main__":
    main()
