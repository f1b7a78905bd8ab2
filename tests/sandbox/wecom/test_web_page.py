"""The 企业微信 sandbox page in headless Chromium, with the echo bot answering through the API."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from playwright.async_api import Page, expect

from channels.wecom.callback import CallbackHandler
from sandbox.wecom.server import WecomSandboxServer
from tests.channels.wecom.echo import running_echo_bot
from tests.sandbox.browser import launch_chromium, requires_chromium

pytestmark = requires_chromium
expect.set_options(timeout=10_000)  # waits, not sleeps: a slow CI machine still passes


@pytest.fixture
async def wecom() -> AsyncIterator[WecomSandboxServer]:
    async with WecomSandboxServer() as server:
        yield server


@pytest.fixture
async def echo_bot(wecom: WecomSandboxServer) -> AsyncIterator[CallbackHandler]:
    async with aiohttp.ClientSession() as http, running_echo_bot(wecom, http) as handler:
        yield handler


@pytest.fixture
async def page() -> AsyncIterator[Page]:
    async with launch_chromium() as browser:
        context = await browser.new_context(viewport={"width": 420, "height": 800})
        tab = await context.new_page()
        errors: list[str] = []
        tab.on("pageerror", lambda exc: errors.append(str(exc)))
        yield tab
        await context.close()
        assert errors == []


async def test_type_press_a_card_button_and_upload(
    wecom: WecomSandboxServer, echo_bot: CallbackHandler, page: Page
) -> None:
    await page.goto(f"{wecom.url}/?user=zhangsan")
    await expect(page.locator("body")).to_have_attribute("data-ready", "1")
    await expect(page.locator("#app-name")).to_have_text(wecom.config.app_name)
    await expect(page.locator(".msg.bot .bubble strong")).to_have_text("欢迎")  # enter_agent

    await page.fill("#input", "你好 <b>")
    await page.press("#input", "Enter")
    await expect(page.locator(".msg.bot .bubble").last).to_have_text("你说：你好 <b>")

    await page.fill("#input", "选择")
    await page.click("#send")
    card = page.locator(".card").last
    await expect(card.locator(".card-title")).to_have_text("请选择赛道")
    await card.locator(".card-btn", has_text="民生服务").click()
    await expect(card.locator(".card-label")).to_have_text("已选择：民生服务")
    await expect(card.locator(".card-btn")).to_have_count(0)
    await expect(page.locator(".msg.bot .bubble").last).to_have_text("好的，赛道是民生服务")

    await page.set_input_files("#file-input", files=[
        {"name": "说明书.docx", "mimeType": "application/octet-stream", "buffer": b"PK\x03\x04xyz"}
    ])
    await expect(page.locator(".msg.user .file-name")).to_have_text("说明书.docx")
    await expect(page.locator(".msg.bot .file-name")).to_have_text("回执-说明书.docx")
