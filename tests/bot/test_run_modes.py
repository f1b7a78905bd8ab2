"""The bot's run modes end to end: polling in a real browser, and the webhook server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from playwright.async_api import expect

from bot.app import build_application, start_services, stop_services
from channels.telegram.inbox import inbox_of
from channels.telegram.webhook import SECRET_HEADER, create_webhook_app, register_webhook
from config.settings import Settings
from tests.db import database_url, wipe
from tests.sandbox.browser import launch_chromium, requires_chromium

pytestmark = pytest.mark.database
expect.set_options(timeout=15_000)  # waits on conditions, not sleeps


def _settings(server: Any, tmp_path: Any, **extra: Any) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        bot_api_url=server.url,
        database_url=database_url(tmp_path),
        **extra,
    )


@pytest.fixture
async def polling_bot(sandbox_server, clock, tmp_path) -> AsyncIterator[Any]:
    """Run our bot with real long polling against the sandbox, as ./run does."""
    settings = _settings(sandbox_server, tmp_path)
    await wipe(settings.database_url)
    application = build_application(settings, clock=clock, token=sandbox_server.token)
    await start_services(application)
    inbox_of(application).start_polling()  # as run_polling does
    await application.start()
    yield application
    await inbox_of(application).stop()
    await application.stop()
    await stop_services(application)


@requires_chromium
@pytest.mark.browser
async def test_sandbox_page_in_a_real_browser(sandbox_server, polling_bot):
    async with launch_chromium() as browser:
        page = await browser.new_page(viewport={"width": 390, "height": 844})
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        await page.goto(f"{sandbox_server.url}/?user=1001")
        await expect(page.locator("body")).to_have_attribute("data-ready", "1")
        await page.fill("#input", "/start")
        await page.click("#send")
        welcome = page.locator(".msg.bot").last
        await expect(welcome.locator(".text")).to_contain_text("尖兵杯")
        await expect(welcome.locator(".inline-btn", has_text="赛程安排")).to_be_visible()
        await welcome.locator(".inline-btn", has_text="赛程安排").click()
        await expect(page.locator(".msg.bot").last.locator(".text")).to_contain_text(
            "2024年7月15日（周一）23:59"
        )
        assert errors == []


async def test_webhook_mode_checks_the_secret_and_answers(sandbox_server, clock, tmp_path):
    settings = _settings(
        sandbox_server,
        tmp_path,
        webhook_url="http://127.0.0.1:1/telegram",
        webhook_secret="s3cret-token",
    )
    await wipe(settings.database_url)
    application = build_application(settings, clock=clock, token=sandbox_server.token)
    assert application.updater is None
    await start_services(application)
    await application.start()
    runner = web.AppRunner(create_webhook_app(application))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    url = f"http://127.0.0.1:{port}/telegram"
    try:
        async with aiohttp.ClientSession() as http:
            async with http.post(url, json={"update_id": 1}) as response:
                assert response.status == 403
            headers = {SECRET_HEADER: "wrong"}
            async with http.post(url, json={"update_id": 1}, headers=headers) as response:
                assert response.status == 403
        application.bot_data["services"].settings.webhook_url = url
        await register_webhook(application)
        state = sandbox_server.state
        version = state.version
        sandbox_server.sandbox.user_send(1001, "/start")
        reply = await state.wait_bot_message(1001, version, timeout=15)
        assert reply is not None and "尖兵杯" in reply.text
    finally:
        await runner.cleanup()
        await application.stop()
        await stop_services(application)
