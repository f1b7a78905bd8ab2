"""/healthz, /readyz and /metrics on the bot's web server, after real flows."""

from __future__ import annotations

import re
import shutil
from datetime import datetime, timedelta

import pytest
from aiohttp.test_utils import TestClient, TestServer

from handlers.reminders import remind
from observability.health import health_app
from tests.conftest import BEIJING
from tests.db import POSTGRES_URL
from tests.delivery.world import add_unit, services, worker


def sample(text: str, name: str, **labels: str) -> float:
    """Return the value of one sample in Prometheus' text format (0 if absent)."""
    wanted = ",".join(f'{key}="{value}"' for key, value in sorted(labels.items()))
    pattern = (
        rf"^{re.escape(name)}(?:\{{{re.escape(wanted)}\}})? (\S+)$"
        if wanted
        else (rf"^{re.escape(name)} (\S+)$")
    )
    found = re.search(pattern, text, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


async def scrape(harness) -> str:
    async with TestClient(TestServer(health_app(services(harness)))) as client:
        response = await client.get("/metrics")
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain")
        return await response.text()


async def test_metrics_move_with_a_flow(harness):
    before = await scrape(harness)
    assert sample(before, "bot_updates_total", kind="command", outcome="ok") == 0

    user = harness.user()
    await user.send("/start")
    await user.press("🗓 赛程安排")
    await user.send("/me")
    after = await scrape(harness)
    assert sample(after, "bot_updates_total", kind="command", outcome="ok") == 2
    assert sample(after, "bot_updates_total", kind="callback_query", outcome="ok") == 1
    assert sample(after, "bot_update_handling_seconds_count", kind="command") == 2
    assert sample(after, "bot_active_forms") == 0

    # Reminders: written to the outbox (depth and lateness seen on scrape), then sent.
    await add_unit(harness, party_org="单位", contacts=[3001, 3002])
    await harness.user(3002).set_blocked()
    harness.at(datetime(2024, 7, 8, 10, 0, tzinfo=BEIJING))
    async with worker(harness)._lock:  # the background worker waits while we look
        assert (await remind(services(harness))).written == 2
        harness.clock.advance(timedelta(minutes=2))
        queued = await scrape(harness)
    assert sample(queued, "bot_reminders_planned_total") == 2
    assert sample(queued, "bot_outbox_pending") == 2
    assert sample(queued, "bot_outbox_due") == 2
    assert sample(queued, "bot_outbox_oldest_due_seconds") == 120
    await worker(harness).drain()
    sent = await scrape(harness)
    assert sample(sent, "bot_outbox_sends_total", result="ok") == 1
    assert sample(sent, "bot_outbox_sends_total", result="403") == 1
    assert sample(sent, "bot_reminders_sent_total") == 1
    assert sample(sent, "bot_outbox_pending") == 0
    assert sample(sent, "bot_outbox_oldest_due_seconds") == 0


async def test_an_update_whose_handler_fails_counts_as_error(harness):
    async def boom(update, context):
        raise RuntimeError("handler failed")

    from telegram.ext import CommandHandler

    harness.app.add_handler(CommandHandler("boom", boom), group=-50)
    await harness.user().send("/boom")
    text = await scrape(harness)
    assert sample(text, "bot_updates_total", kind="command", outcome="error") == 1
    assert harness.user().last_reply is not None  # the apology


async def test_healthz_and_readyz_pass_when_all_is_well(harness):
    async with TestClient(TestServer(health_app(services(harness)))) as client:
        assert (await client.get("/healthz")).status == 200
        ready = await client.get("/readyz")
        assert ready.status == 200, await ready.text()
        assert (await ready.json()) == {
            "ready": True,
            "database": "ok",
            "migrations": "ok",
            "delivery_worker": "ok",
        }


async def test_readyz_fails_when_the_worker_stopped(harness):
    await worker(harness).stop()
    async with TestClient(TestServer(health_app(services(harness)))) as client:
        ready = await client.get("/readyz")
        assert ready.status == 503
        assert (await ready.json())["delivery_worker"] == "stopped"


@pytest.mark.skipif(bool(POSTGRES_URL), reason="removes the SQLite database's folder")
async def test_readyz_fails_when_the_database_is_gone(harness, tmp_path):
    async with TestClient(TestServer(health_app(services(harness)))) as client:
        assert (await client.get("/readyz")).status == 200
        await services(harness).engine.dispose()
        (tmp_path / "test.db").rename(tmp_path / "moved.db")
        for name in ("test.db-wal", "test.db-shm"):
            (tmp_path / name).unlink(missing_ok=True)
        (tmp_path / "test.db").mkdir()  # a directory where the file was: cannot be opened
        ready = await client.get("/readyz")
        assert ready.status == 503
        body = await ready.json()
        assert body["ready"] is False and body["database"].startswith("unreachable")
        # The counters are still served without the database's gauges.
        assert (await client.get("/metrics")).status == 200
        shutil.rmtree(tmp_path / "test.db")
        (tmp_path / "moved.db").rename(tmp_path / "test.db")
        assert (await client.get("/readyz")).status == 200


async def test_readyz_fails_when_migrations_are_behind(harness):
    from sqlalchemy import text

    async with services(harness).engine.begin() as connection:
        await connection.execute(text("UPDATE alembic_version SET version_num = 'old'"))
    async with TestClient(TestServer(health_app(services(harness)))) as client:
        ready = await client.get("/readyz")
        assert ready.status == 503
        assert (await ready.json())["migrations"] == "behind"


async def test_readyz_fails_when_the_database_server_does_not_answer(harness):
    from storage.db import create_engine

    live = services(harness).engine
    services(harness).engine = create_engine("postgresql+asyncpg://bot@127.0.0.1:1/none")
    try:
        async with TestClient(TestServer(health_app(services(harness)))) as client:
            ready = await client.get("/readyz")
            assert ready.status == 503
            assert (await ready.json())["database"].startswith("unreachable")
    finally:
        await services(harness).engine.dispose()
        services(harness).engine = live
