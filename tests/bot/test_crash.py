"""kill -9 of the real bot process: nothing lost, nothing applied twice, nobody mis-filed.

The bot runs as a process of its own (``tests/bot_process.py``) polling the in-test
sandbox; the test bed's hook ``TESTBED_CRASH_AT_UPDATE`` makes it SIGKILL itself right after
the commit that applied a given update, before its reply: no sleeps, no timing.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import func
from sqlmodel import select

from sandbox.client import SandboxUser
from storage import inbox as stored
from storage.db import create_engine, migrate, session_factory, transaction
from storage.invites import create_invite
from storage.models import FormProgress, InviteKind, Person
from tests.conftest import DURING_SUBMISSION
from tests.db import database_url, telegram_person, wipe

pytestmark = pytest.mark.database

ROOT = Path(__file__).resolve().parents[2]
CONCURRENCY = 4  # updates handled at once in the bot process
WAIT = 60.0  # seconds at most for the bot process to get somewhere (a bound, not a pace)


class BotProcess:
    """``python -m tests.bot_process`` against the sandbox, on one database."""

    def __init__(self, server, url: str) -> None:
        self.server = server
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "WEBHOOK_"))}
        self.env.update(
            DATABASE_URL=url,
            SANDBOX_CLOCK=DURING_SUBMISSION.isoformat(),
            HEALTH_PORT="0",
            UPDATE_CONCURRENCY=str(CONCURRENCY),
            LEASE_SECONDS="1",  # PostgreSQL: a dead process's claims run out at once
            LOG_LEVEL="WARNING",
            PTB_TIMEDELTA="true",
        )
        self.process: subprocess.Popen[bytes] | None = None
        self.epoch = time.time()
        self.clock_start = DURING_SUBMISSION  # the bot's clock at the first start

    def start(self, *, crash_at: int | None = None) -> None:
        env = dict(self.env)
        # Each process's clock starts at SANDBOX_CLOCK: let it go on where the last one was,
        # as a real clock would (claims and leases are compared across processes).
        moment = self.clock_start + timedelta(seconds=time.time() - self.epoch)
        env["SANDBOX_CLOCK"] = moment.isoformat()
        if crash_at is not None:
            env["TESTBED_CRASH_AT_UPDATE"] = str(crash_at)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.bot_process", self.server.url, self.server.token],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
        )  # fmt: skip

    async def exited(self) -> int:
        assert self.process is not None
        return await asyncio.wait_for(asyncio.to_thread(self.process.wait), WAIT)

    async def stop(self) -> int:
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return await self.exited()

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


@pytest.fixture
async def database(tmp_path):
    url = database_url(tmp_path)
    await wipe(url)
    engine = create_engine(url)
    await migrate(engine)
    yield url, session_factory(engine)
    await engine.dispose()


@pytest.fixture
async def bot(sandbox_server, database):
    process = BotProcess(sandbox_server, database[0])
    yield process
    process.kill()


async def until(condition, what: str, wait: float = WAIT) -> None:
    """Wait for a condition the bot process brings about (looked at every 0.1 s)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait
    while not await condition():
        if loop.time() > deadline:
            raise AssertionError(f"not within {wait} s: {what}")
        await asyncio.sleep(0.1)


async def inbox_state(sessions) -> dict[int, tuple[bool, bool]]:
    async with sessions() as session:
        return await stored.counts(session, channel="telegram")


async def test_killed_with_150_updates_queued_each_is_handled_once(sandbox_server, database, bot):
    _url, sessions = database
    async with aiohttp.ClientSession() as http:
        users = [SandboxUser(http, sandbox_server.url, 3000 + i) for i in range(150)]
        for user in users:
            await user.send("/start")  # queued: no bot is running
        first = 100000001  # the sandbox's first update id
        bot.start(crash_at=first + 40)  # killed after applying the 41st, mid-backlog
        assert await bot.exited() == -signal.SIGKILL
        lost = await inbox_state(sessions)
        assert 0 < sum(done for _a, done in lost.values()) < 150  # it died mid-backlog
        bot.start()

        async def all_done() -> bool:
            state = await inbox_state(sessions)
            return len(state) == 150 and all(done for _a, done in state.values())

        await until(all_done, "all 150 updates handled")
        assert await bot.stop() == 0
        async with sessions() as session:
            people = (await session.exec(select(func.count()).select_from(Person))).one()
        assert people == 150  # every /start applied, none twice
        replies = []
        for user in users:
            await user.refresh()
            replies.append(len(user.replies_since(0)))
        assert min(replies) >= 1  # everybody was answered …
        assert sum(replies) - 150 <= CONCURRENCY  # … twice at most those in flight at the kill
        print(f"150 queued, killed after 41 applied: {sum(replies) - 150} repeated replies")


async def test_killed_between_commit_and_reply_the_answer_stays_in_its_field(
    sandbox_server, database, bot
):
    _url, sessions = database
    now = DURING_SUBMISSION
    async with transaction(sessions) as session:
        invite = await create_invite(
            session, kind=InviteKind.UNIT, label="深圳市某某局", created_by=None,
            expires_at=now + timedelta(days=30), now=now,
        )  # fmt: skip
    async with aiohttp.ClientSession() as http:
        user = SandboxUser(http, sandbox_server.url, 4001)
        bot.start()
        mark = user.mark()
        await user.send(f"/start {invite.code}")
        await until(lambda: _asked(user, mark, "党组织名称"), "the first field asked")
        assert await bot.stop() == 0
        answered = max(await inbox_state(sessions))

        bot.start(crash_at=answered + 1)
        party_org = "中共深圳市某某局机关委员会"
        await user.refresh()  # everything the first process said
        mark = user.mark()
        await user.send(party_org)
        assert await bot.exited() == -signal.SIGKILL  # committed, not answered
        await user.refresh()
        assert user.replies_since(mark) == []
        await user.send(party_org)  # no answer came: the person types it again

        bot.start()

        async def all_three_done() -> bool:
            state = await inbox_state(sessions)
            return len(state) == 3 and all(done for _a, done in state.values())

        await until(all_three_done, "the re-asked answer and its re-typed copy handled")
        assert await bot.stop() == 0
        async with sessions() as session:
            person = await telegram_person(session, 4001)
            query = select(FormProgress).where(FormProgress.person_id == person.id)
            progress = (await session.exec(query)).one()
        values = progress.state["values"]
        assert values.get("party_org") == party_org  # stored once, in its own field
        assert not values.get("recommending_unit")  # the re-typed copy did not land here
        assert progress.state["cursor"] == "recommending_unit"
        await user.refresh()
        replies = [m.text for m in user.replies_since(mark)]
        # The re-ask after the restart, and again for the re-typed copy: 推荐单位 each time.
        assert len(replies) == 4, replies
        assert "已收到并保存" in replies[0] and "推荐单位" in replies[1]
        assert "已收到并保存" in replies[2] and "推荐单位" in replies[3]
        mark = user.mark()
        bot.start()  # typed once more, it is the answer to 推荐单位
        await user.send(party_org)
        await until(lambda: _asked(user, mark, "申报渠道"), "the answer taken")
        assert await bot.stop() == 0


async def _asked(user: SandboxUser, mark: int, field: str) -> bool:
    await user.refresh()
    return any(field in m.text for m in user.replies_since(mark))
