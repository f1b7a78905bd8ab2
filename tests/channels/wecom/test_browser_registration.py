"""The 企业微信 sandbox page in headless Chromium, with the real bot: registration end to end.

A person opens the page, gets the welcome, types the invite code and fills in the unit and
contact forms, pressing the cards' buttons, until the registration is done.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import aiohttp
import pytest
from playwright.async_api import Page, expect

from sandbox.wecom.server import WecomSandboxServer
from storage.db import transaction
from storage.invites import create_invite
from storage.models import InviteKind
from tests.channels.wecom.bot import WecomBot, wecom_settings
from tests.delivery.world import services
from tests.harness import Harness
from tests.sandbox.browser import launch_chromium, requires_chromium

pytestmark = [requires_chromium, pytest.mark.browser, pytest.mark.database]
expect.set_options(timeout=15_000)  # waits, not sleeps: a slow CI machine still passes


@pytest.fixture
def harness_options(wecom: WecomSandboxServer) -> dict[str, object]:
    return wecom_settings(wecom)


@pytest.fixture
async def bot(
    harness: Harness, wecom: WecomSandboxServer, http: aiohttp.ClientSession
) -> WecomBot:
    return WecomBot(harness, wecom, http)


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


async def type_in(page: Page, text: str, expected: str) -> None:
    """Type a message and wait for the bot's answer to show ``expected``."""
    await page.fill("#input", text)
    await page.press("#input", "Enter")
    await expect(page.locator("body")).to_contain_text(expected)


async def press(page: Page, label: str) -> None:
    """Press the button with this label on the newest card that shows it."""
    await page.locator(".card-btn", has_text=label).last.click()


async def test_register_in_the_wecom_page(
    harness: Harness, bot: WecomBot, wecom: WecomSandboxServer, page: Page
) -> None:
    sv = services(harness)
    now = sv.clock.now()
    async with transaction(sv.sessions) as session:
        invite = await create_invite(
            session, kind=InviteKind.UNIT, label="深圳市某某局", created_by=None,
            expires_at=now + timedelta(days=30), now=now,
        )
    await page.goto(f"{wecom.url}/?user=zhangsan")
    await expect(page.locator("body")).to_have_attribute("data-ready", "1")
    chat = page.locator("body")
    await expect(chat).to_contain_text("我是大赛报名助手")  # enter_agent: the welcome

    await type_in(page, invite.code, "参赛单位登记 · 第 1/3 项")
    await type_in(page, "中共深圳市某某局机关委员会", "第 2/3 项")
    await type_in(page, "深圳市某某局", "第 3/3 项")
    await press(page, "市直机关工委")
    await expect(page.locator(".card-label", has_text="已选择：市直机关工委")).to_have_count(1)
    await expect(chat).to_contain_text("请核对")
    await press(page, "✅ 确认")
    await expect(chat).to_contain_text("联系人信息")
    for value, step in (("张三", "第 2/4 项"), ("办公室副主任", "第 3/4 项"),
                        ("0755-88134325", "第 4/4 项")):
        await type_in(page, value, step)
    await page.fill("#input", "13800138000")
    await page.press("#input", "Enter")
    await expect(page.locator(".card-btn", has_text="✅ 确认").last).to_be_visible()
    await press(page, "✅ 确认")
    await expect(chat).to_contain_text("登记完成")
    await expect(page.locator(".card-btn", has_text="➕ 新建案例")).to_have_count(1)
