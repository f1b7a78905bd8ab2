"""Shared fixtures: a sandbox, the real bot on it (``harness``), a clock, a contest."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import aiohttp
import pytest
from hypothesis import settings

# No timing assertions: hypothesis's per-example deadline fails on a loaded machine.
settings.register_profile("project", deadline=None)
settings.load_profile("project")

# PTB 22 warns unless durations are timedeltas; opt in before telegram is imported anywhere.
os.environ.setdefault("PTB_TIMEDELTA", "true")

from config.clock import ManualClock  # noqa: E402
from contest.definition import Contest, load_contest  # noqa: E402
from sandbox.config import SandboxConfig  # noqa: E402
from sandbox.server import SandboxServer  # noqa: E402
from tests.db import database_url, wipe  # noqa: E402
from tests.harness import Harness  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CONTESTS = ROOT / "contests"
DEFAULT_CONTEST = CONTESTS / "jianbing-2024.toml"
BEIJING = timezone(timedelta(hours=8))
DURING_SUBMISSION = datetime(2024, 7, 1, 10, 0, tzinfo=BEIJING)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that touches the database, so CI can rerun them on PostgreSQL."""
    for item in items:
        if "harness" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.database)


@pytest.fixture(scope="session")
def contest() -> Contest:
    """Return the default contest (2024 尖兵杯)."""
    return load_contest(DEFAULT_CONTEST)


@pytest.fixture
def clock() -> ManualClock:
    """Return a clock stopped during the text-submission stage of 2024."""
    return ManualClock(DURING_SUBMISSION)


@pytest.fixture
def sandbox_config() -> SandboxConfig:
    """Return the sandbox settings: Telegram's rate limits off unless a test turns them on."""
    return SandboxConfig(global_rate=None, per_chat_rate=None)


@pytest.fixture
async def sandbox_server(sandbox_config: SandboxConfig) -> AsyncIterator[SandboxServer]:
    """Run a sandbox on 127.0.0.1 with a free port for one test."""
    async with SandboxServer(sandbox_config) as server:
        yield server


@pytest.fixture
def harness_options() -> dict[str, object]:
    """Return extra Settings for the harness (override in a module to change them)."""
    return {}


@pytest.fixture
async def harness(
    sandbox_server: SandboxServer,
    clock: ManualClock,
    contest: Contest,
    tmp_path: Path,
    harness_options: dict[str, object],
) -> AsyncIterator[Harness]:
    """Run the real bot on the sandbox with a fresh database."""
    url = database_url(tmp_path)
    await wipe(url)
    async with aiohttp.ClientSession() as session:
        harness = Harness(
            sandbox_server,
            session,
            database_url=url,
            clock=clock,
            contest=contest,
            **harness_options,  # type: ignore[arg-type]
        )
        await harness.start()
        try:
            yield harness
        finally:
            await harness.stop()


@pytest.fixture(autouse=True)
def contest_words_restored():
    """Give templates and labels back the words they had before the test.

    A bot sets its contest's words for every template (``messages.use_contest``); a test with
    another city's contest must not leave them to the next test in the same worker.
    """
    from messages import _plain, environment

    before = environment().globals["terms"], _plain().globals["terms"]
    yield
    environment().globals["terms"], _plain().globals["terms"] = before
