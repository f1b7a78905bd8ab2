"""Flood limits (429 + retry_after) and callback expiry on an injectable fake clock."""

from __future__ import annotations

import datetime as dtm

import pytest
from telegram import Bot
from telegram.error import BadRequest, RetryAfter

from sandbox.config import FakeClock, RateLimit, SandboxConfig
from sandbox.server import SandboxServer

CLOCK = FakeClock()


@pytest.fixture
def sandbox_config() -> SandboxConfig:
    """Override the generic fixture: tight limits on a fake clock."""
    CLOCK.now = 1000.0
    return SandboxConfig(
        global_rate=RateLimit(rate=3, burst=3),
        per_chat_rate=RateLimit(rate=1, burst=2),
        clock=CLOCK,
        known_users=(1, 2, 3, 4),
        callback_query_timeout=15,
    )


async def test_per_chat_limit_then_retry_after(bot: Bot) -> None:
    await bot.send_message(1, "一")
    await bot.send_message(1, "二")
    with pytest.raises(RetryAfter) as info:
        await bot.send_message(1, "三")
    assert info.value.retry_after == dtm.timedelta(seconds=1)
    assert (await bot.edit_message_text("改", 1, 1)).text == "改"  # edits are not counted
    CLOCK.advance(info.value.retry_after.total_seconds())
    assert (await bot.send_message(1, "三")).text == "三"


async def test_global_limit_across_chats(bot: Bot, sandbox_server: SandboxServer) -> None:
    for chat_id in (1, 2, 3):
        await bot.send_message(chat_id, "hi")
    with pytest.raises(RetryAfter) as info:
        await bot.send_message(4, "hi")
    assert info.value.retry_after == dtm.timedelta(seconds=1)
    CLOCK.advance(1 / 3)
    assert (await bot.send_message(4, "hi")).text == "hi"


async def test_wire_format_of_429(sandbox_server: SandboxServer, http_session) -> None:
    url = f"{sandbox_server.bot_base_url}{sandbox_server.token}/sendMessage"
    for _ in range(2):
        async with http_session.post(url, data={"chat_id": "1", "text": "x"}) as response:
            assert response.status == 200
    async with http_session.post(url, data={"chat_id": "1", "text": "x"}) as response:
        assert response.status == 429
        assert await response.json() == {
            "ok": False,
            "error_code": 429,
            "description": "Too Many Requests: retry after 1",
            "parameters": {"retry_after": 1},
        }


async def test_runtime_limit_change(bot: Bot, sandbox_server: SandboxServer) -> None:
    sandbox_server.config.per_chat_rate = None
    sandbox_server.config.global_rate = None
    for _ in range(10):
        await bot.send_message(1, "不限速")


async def test_unanswered_callback_expires(bot: Bot, sandbox_server: SandboxServer) -> None:
    from telegram import InlineKeyboardButton, InlineKeyboardMarkup

    markup = InlineKeyboardMarkup([[InlineKeyboardButton("按", callback_data="p")]])
    sent = await bot.send_message(2, "慢", reply_markup=markup)
    sandbox_server.sandbox.user_press(2, sent.message_id, "p")
    (update,) = await bot.get_updates(timeout=0)
    CLOCK.advance(16)
    with pytest.raises(BadRequest, match="^Query is too old"):
        await update.callback_query.answer()
