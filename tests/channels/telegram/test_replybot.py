"""The bot's two sends that leave Telegram's answer unread: the same calls as PTB's own.

Against a stand-in Bot API: ``send_text`` and ``edit_text`` send what ``send_message`` and
``edit_message_text`` send with the application's ``Defaults`` (HTML, no link previews),
Telegram's refusals raise as PTB's do; and a typed form answer, through the real bot, parses
no ``Message`` but the one it came in.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions, Message
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import AIORateLimiter, Defaults

from channels.telegram.aiohttp_request import AiohttpRequest
from channels.telegram.replybot import ReplyBot
from tests.flows.test_cases import registered, start_case

MARKUP = InlineKeyboardMarkup([[InlineKeyboardButton("✅ 完成", callback_data="f:1:d:background")]])
SENT = {"message_id": 42, "date": 0, "chat": {"id": 7, "type": "private"}, "text": "问"}


class Api:
    """A stand-in Bot API: records each call's method and fields, answers as told."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.refuse = False

    async def handle(self, request: web.Request) -> web.Response:
        self.calls.append((request.match_info["method"], await request.json()))
        if self.refuse:
            refusal = "Bad Request: message to edit not found"
            answer = {"ok": False, "error_code": 400, "description": refusal}
            return web.json_response(answer, status=400)
        return web.json_response({"ok": True, "result": SENT})


@pytest.fixture
async def bot() -> AsyncIterator[tuple[ReplyBot, Api]]:
    api = Api()
    app = web.Application()
    app.router.add_post("/bot{token}/{method}", api.handle)
    server = TestServer(app)
    await server.start_server()
    defaults = Defaults(  # as bot.app builds it
        parse_mode=ParseMode.HTML,
        tzinfo=ZoneInfo("Asia/Shanghai"),
        link_preview_options=LinkPreviewOptions(is_disabled=True),
    )
    replybot = ReplyBot(
        "1:token",
        base_url=str(server.make_url("/bot")),
        request=AiohttpRequest(),
        get_updates_request=AiohttpRequest(),
        rate_limiter=AIORateLimiter(overall_max_rate=0, group_max_rate=0, max_retries=3),
        defaults=defaults,
    )
    await replybot.request.initialize()
    yield replybot, api
    await replybot.request.shutdown()
    await server.close()


async def test_a_prompt_is_the_call_send_message_makes_and_gives_its_id(
    bot: tuple[ReplyBot, Api],
) -> None:
    replybot, api = bot
    assert await replybot.send_text(7, "<b>案例背景</b> &amp;", reply_markup=MARKUP) == 42
    await replybot.send_message(7, "<b>案例背景</b> &amp;", reply_markup=MARKUP)
    assert await replybot.send_text(7, "第二部分") == 42
    await replybot.send_message(7, "第二部分")
    [(ours, mine), (theirs, ptb), (plain, fields), (_, ptb_plain)] = api.calls
    assert ours == theirs == plain == "sendMessage"
    assert mine == ptb and fields == ptb_plain
    assert mine["parse_mode"] == "HTML" and mine["link_preview_options"] == {"is_disabled": True}


async def test_a_receipt_is_the_call_edit_message_text_makes(bot: tuple[ReplyBot, Api]) -> None:
    replybot, api = bot
    assert await replybot.edit_text(7, 41, "✓ 案例背景 第 1 段：…") is None
    await replybot.edit_message_text("✓ 案例背景 第 1 段：…", chat_id=7, message_id=41)
    await replybot.edit_text(7, 41, "问", reply_markup=MARKUP)
    await replybot.edit_message_text("问", chat_id=7, message_id=41, reply_markup=MARKUP)
    (ours, mine), (theirs, ptb), (_, keyed), (_, ptb_keyed) = api.calls
    assert ours == theirs == "editMessageText"
    assert mine == ptb and keyed == ptb_keyed and json.dumps(keyed["reply_markup"])


async def test_a_refused_edit_raises_as_ptb_does(bot: tuple[ReplyBot, Api]) -> None:
    replybot, api = bot
    api.refuse = True
    with pytest.raises(BadRequest, match="(?i)message to edit not found"):
        await replybot.edit_text(7, 41, "问")


def count_parsed(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the Messages PTB parses from here on (one entry each)."""
    parsed: list[int] = []
    de_json = Message.de_json.__func__  # type: ignore[attr-defined]

    def counted(cls: type[Message], data: Any, bot: Any = None) -> Message:
        parsed.append(1)
        return de_json(cls, data, bot)

    monkeypatch.setattr(Message, "de_json", classmethod(counted))
    return parsed


async def test_a_typed_answer_parses_only_the_message_it_came_in(
    harness: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    user, _unit_id = await registered(harness)
    await start_case(user)
    await user.press("发展提质")
    parsed = count_parsed(monkeypatch)
    await user.send("一网通办再提速 政务服务更贴心")
    assert "牵头人姓名" in user.last_reply.text
    # The answer's own message, from getUpdates; not Telegram's answers to the receipt's
    # edit and to the next prompt (the bot reads nothing of them but the prompt's id).
    assert len(parsed) == 1


async def test_the_schedule_and_an_answer_parse_only_the_message_they_came_in(
    harness: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    user, _unit_id = await registered(harness)
    parsed = count_parsed(monkeypatch)
    await user.send("/schedule")
    assert "截止" in user.last_reply.text
    await user.send("案例字数有什么要求？")
    assert user.last_reply.text
    assert len(parsed) == 2  # the two messages typed, not the two answers sent
