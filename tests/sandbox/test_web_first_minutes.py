"""The page a newcomer opens first: its icon, a header that shows the whole bot name, and
links that open the chat with an invite code as Telegram's t.me links do."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from playwright.async_api import Page, expect
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from sandbox.config import SandboxConfig
from sandbox.server import SandboxServer
from tests.sandbox.browser import launch_chromium, requires_chromium
from tests.sandbox.conftest import application_builder
from tests.sandbox.echo_app import add_echo_handlers

expect.set_options(timeout=10_000)  # waits on conditions, not sleeps
LONG_NAME = "2024年深圳市“尖兵杯”工作创新大赛报名助手（沙盒）"


@pytest.fixture
def sandbox_config() -> SandboxConfig:
    return SandboxConfig(global_rate=None, per_chat_rate=None, bot_first_name=LONG_NAME)


async def test_the_page_has_an_icon(sandbox_server: SandboxServer) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{sandbox_server.url}/favicon.ico") as response:
            assert response.status == 200
            assert response.content_type == "image/svg+xml"
            assert "<svg" in await response.text()
        async with http.get(f"{sandbox_server.url}/") as response:
            assert '<link rel="icon" href="/static/favicon.svg"' in await response.text()
        async with http.get(f"{sandbox_server.url}/static/favicon.svg") as response:
            assert response.status == 200


@pytest.fixture
async def polling_echo_bot(sandbox_server: SandboxServer) -> AsyncIterator[Any]:
    """Run the echo bot with real long polling while the browser plays the user."""
    application: Any = application_builder(sandbox_server).build()
    add_echo_handlers(application)
    async with application:
        await application.updater.start_polling(timeout=5)
        await application.start()
        yield application
        await application.updater.stop()
        await application.stop()


@pytest.fixture
async def page(sandbox_server: SandboxServer) -> AsyncIterator[Page]:
    async with launch_chromium() as browser:
        context = await browser.new_context(viewport={"width": 390, "height": 844})
        tab = await context.new_page()
        errors: list[str] = []
        tab.on("pageerror", lambda exc: errors.append(str(exc)))
        yield tab
        await context.close()
        assert errors == []


@requires_chromium
@pytest.mark.browser
async def test_the_header_shows_the_whole_bot_name_on_a_phone(
    sandbox_server: SandboxServer, page: Page
) -> None:
    await page.goto(f"{sandbox_server.url}/?user=5")
    await expect(page.locator("body")).to_have_attribute("data-ready", "1")
    name = page.locator("#bot-name")
    await expect(name).to_have_text(LONG_NAME)
    clipped = await name.evaluate(
        "el => el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1"
    )
    assert clipped is False
    await expect(page.locator("#user-id")).to_be_visible()
    await expect(page.locator("#user-switch")).to_be_visible()


@requires_chromium
@pytest.mark.browser
async def test_a_start_link_opens_the_chat_with_its_code_once(
    sandbox_server: SandboxServer, polling_echo_bot: Any, page: Page
) -> None:
    await page.goto(f"{sandbox_server.url}/?user=61&start=QN46GVA9")
    await expect(page.locator(".msg.user .text")).to_have_text(["/start QN46GVA9"])
    await expect(page.locator(".msg.bot .text").first).to_contain_text("参数：QN46GVA9")
    assert "start=" not in page.url
    await page.reload()
    await expect(page.locator("body")).to_have_attribute("data-ready", "1")
    await expect(page.locator(".msg.user")).to_have_count(1)  # not sent again


@requires_chromium
@pytest.mark.browser
async def test_a_tme_link_to_the_bot_sends_start_like_telegram(
    sandbox_server: SandboxServer, polling_echo_bot: Any, page: Page
) -> None:
    bot = polling_echo_bot.bot
    sandbox_server.state.ensure_user(62)
    link = f"https://t.me/{sandbox_server.config.bot_username}?start=ABCD2345"
    button = InlineKeyboardMarkup([[InlineKeyboardButton("打开邀请链接", url=link)]])
    html = f'邀请链接：<a href="{link}">点此加入</a>'
    await bot.send_message(62, html, parse_mode="HTML", reply_markup=button)
    await page.goto(f"{sandbox_server.url}/?user=62")
    await page.click(".msg.bot .text a")
    await expect(page.locator(".msg.user .text")).to_have_text(["/start ABCD2345"])
    await page.click(".msg.bot .url-btn >> nth=0")
    await expect(page.locator(".msg.user .text")).to_have_text(
        ["/start ABCD2345", "/start ABCD2345"]
    )
    assert len(page.context.pages) == 1  # no new tab to t.me
