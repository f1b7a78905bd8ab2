"""The web chat page in headless Chromium, against the echo bot running with polling."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from playwright.async_api import Page, expect

from sandbox.server import SandboxServer
from tests.sandbox.browser import launch_chromium, requires_chromium
from tests.sandbox.conftest import application_builder
from tests.sandbox.echo_app import add_echo_handlers

pytestmark = requires_chromium
expect.set_options(timeout=10_000)  # a slow CI machine still passes; these are waits, not sleeps


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
        context = await browser.new_context(viewport={"width": 420, "height": 800})
        tab = await context.new_page()
        errors: list[str] = []
        tab.on("pageerror", lambda exc: errors.append(str(exc)))
        yield tab
        await context.close()
        assert errors == []


async def test_start_button_and_edit_in_browser(
    sandbox_server: SandboxServer, polling_echo_bot: Any, page: Page
) -> None:
    await page.goto(f"{sandbox_server.url}/?user=42")
    await expect(page.locator("body")).to_have_attribute("data-ready", "1")
    await expect(page.locator("#user-id")).to_have_value("42")
    await page.fill("#input", "/start")
    await page.click("#send")

    bot_message = page.locator(".msg.bot").first
    await expect(bot_message.locator(".text")).to_have_text("欢迎，你好！")
    await expect(bot_message.locator(".text b")).to_have_text("欢迎")
    button = bot_message.locator(".inline-btn")
    await expect(button).to_have_text("点我")
    await button.click()

    await expect(page.locator("#toast")).to_have_text("已收到")
    await expect(bot_message.locator(".text")).to_have_text("你按了：hello")
    await expect(bot_message.locator(".text i")).to_have_text("hello")
    await expect(bot_message.locator(".edited")).to_be_visible()
    await expect(bot_message.locator(".inline-btn")).to_have_count(0)
    assert await page.locator(".msg.user .text").first.text_content() == "/start"


async def test_reply_keyboard_commands_and_upload(
    sandbox_server: SandboxServer, polling_echo_bot: Any, page: Page
) -> None:
    from telegram import BotCommand, ReplyKeyboardMarkup

    bot = polling_echo_bot.bot
    sandbox_server.state.ensure_user(43)
    await bot.set_my_commands([BotCommand("start", "开始"), BotCommand("help", "帮助")])
    await bot.send_message(
        43,
        "<b>选择</b> &lt;一个&gt;",
        parse_mode="HTML",
        reply_markup=ReplyKeyboardMarkup([["苹果", "香蕉"]], one_time_keyboard=True),
    )
    await page.goto(f"{sandbox_server.url}/?user=43")
    await expect(page.locator(".msg.bot .text").first).to_have_text("选择 <一个>")
    await expect(page.locator("#reply-keyboard .reply-btn")).to_have_count(2)
    await page.click("#reply-keyboard .reply-btn >> text=香蕉")
    await expect(page.locator(".msg.bot .text").last).to_have_text("香蕉")
    await expect(page.locator("#reply-keyboard")).to_be_hidden()  # one_time_keyboard
    await page.click("#keyboard-toggle")
    await expect(page.locator("#reply-keyboard .reply-btn")).to_have_count(2)

    await page.click("#menu")
    await expect(page.locator(".command-item")).to_have_count(2)
    await page.click(".command-item[data-command=start]")
    await expect(page.locator("#command-menu")).to_be_hidden()
    await expect(page.locator(".msg.bot .text").last).to_have_text("欢迎，你好！")

    await page.set_input_files(
        "#file-input",
        files=[{"name": "报告.txt", "mimeType": "text/plain", "buffer": "你好".encode()}],
    )
    await expect(page.locator(".msg.user .doc-link")).to_have_text("报告.txt")
    await expect(page.locator(".msg.bot .text").last).to_have_text("收到文件 报告.txt，大小 6 字节")


async def test_two_users_in_two_tabs(
    sandbox_server: SandboxServer, polling_echo_bot: Any, page: Page
) -> None:
    other = await page.context.new_page()
    await page.goto(f"{sandbox_server.url}/?user=1")
    await other.goto(f"{sandbox_server.url}/?user=2")
    for tab, text in ((page, "我是一号"), (other, "我是二号")):
        await expect(tab.locator("body")).to_have_attribute("data-ready", "1")
        await tab.fill("#input", text)
        await tab.press("#input", "Enter")
    await expect(page.locator(".msg.bot .text")).to_have_text(["我是一号"])
    await expect(other.locator(".msg.bot .text")).to_have_text(["我是二号"])
    await other.fill("#user-id", "1")
    await other.click("#user-switch")
    await expect(other.locator(".msg.bot .text")).to_have_text(["我是一号"])


async def test_alert_block_typing_and_reset(sandbox_server: SandboxServer, bot: Any) -> None:
    from telegram import InlineKeyboardButton, InlineKeyboardMarkup

    state = sandbox_server.state
    state.ensure_user(42)
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("看提示", callback_data="alert")]])
    await bot.send_message(42, "提示", reply_markup=markup)
    async with launch_chromium() as browser:
        page = await browser.new_page()
        await page.goto(f"{sandbox_server.url}/?user=42")
        await page.click(".inline-btn")
        assert await state.wait_until(lambda: len(state.updates) > 0, 10)
        (update,) = await bot.get_updates(timeout=0)
        await update.callback_query.answer("截止日期已过！", show_alert=True)
        await expect(page.locator("#alert-text")).to_have_text("截止日期已过！")
        await page.click("#alert-ok")
        await expect(page.locator("#alert")).to_be_hidden()

        await page.click("#more")
        await page.click("#block-toggle")
        await expect(page.locator("#blocked-banner")).to_be_visible()
        await expect(page.locator("#composer")).to_be_hidden()
        assert state.users[42].blocked
        await page.click("#unblock")
        await expect(page.locator("#composer")).to_be_visible()

        await bot.send_chat_action(42, "typing")
        await expect(page.locator("#status")).to_have_text("正在输入…")
        sandbox_server.sandbox.reset()
        await expect(page.locator(".msg")).to_have_count(0)
        await expect(page.locator("#empty-hint")).to_be_visible()
