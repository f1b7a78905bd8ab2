"""What the start does before the first getUpdates, and what waits until polling has begun."""

from __future__ import annotations

import asyncio

import pytest

from bot.app import CATCH_UP, build_application, caught_up, start_services, stop_services
from channels.telegram.inbox import inbox_of
from config.settings import Settings
from tests.db import database_url, wipe

pytestmark = pytest.mark.database


async def test_the_menu_and_the_catch_up_wait_until_polling_starts(sandbox_server, clock, tmp_path):
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        bot_api_url=sandbox_server.url,
        database_url=database_url(tmp_path),
    )
    await wipe(settings.database_url)
    application = build_application(settings, clock=clock, token=sandbox_server.token)
    await start_services(application)
    try:
        for _ in range(50):  # every task ready to run has run (no time passes)
            await asyncio.sleep(0)
        assert not application.bot_data[CATCH_UP].done()
        assert sandbox_server.state.commands == {}  # no round trip to Telegram before polling

        inbox_of(application).start_polling()
        await caught_up(application)
        menu = {c["command"] for c in next(iter(sandbox_server.state.commands.values()))}
        assert {"start", "schedule", "help"} <= menu
    finally:
        await inbox_of(application).stop()
        await stop_services(application)
