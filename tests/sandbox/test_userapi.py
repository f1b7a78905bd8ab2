"""The user side over HTTP (``/sandbox/api/``): what the web page and ``SandboxUser`` rely on."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import pytest
from telegram import Bot, ForceReply, ReplyKeyboardMarkup

from sandbox.config import SandboxConfig
from sandbox.server import SandboxServer, sandbox_of, start


class Api:
    """Minimal JSON helper for the user API."""

    def __init__(self, session: aiohttp.ClientSession, url: str) -> None:
        self.session = session
        self.url = f"{url}/sandbox/api"

    async def get(self, path: str, **params: Any) -> tuple[int, dict[str, Any]]:
        async with self.session.get(f"{self.url}/{path}", params=params) as response:
            return response.status, await response.json()

    async def post(self, path: str, **body: Any) -> tuple[int, dict[str, Any]]:
        async with self.session.post(f"{self.url}/{path}", json=body) as response:
            return response.status, await response.json()


@pytest.fixture
def api(sandbox_server: SandboxServer, http_session: aiohttp.ClientSession) -> Api:
    return Api(http_session, sandbox_server.url)


async def test_send_validation(api: Api) -> None:
    assert (await api.post("send", user=1, text="   "))[0] == 400
    status, body = await api.post("send", text="hi")
    assert status == 400 and body == {"ok": False, "error": "缺少有效的用户 ID（user）"}
    status, body = await api.post("send", user=1, text="/help@contest_sandbox_bot now")
    assert status == 200
    assert body["message"]["entities"] == [{"offset": 0, "length": 25, "type": "bot_command"}]


async def test_messages_since_and_long_poll(api: Api, bot: Bot) -> None:
    _, first = await api.post("send", user=5, text="你好")
    _, view = await api.get("messages", user=5, since=0)
    assert [m["text"] for m in view["messages"]] == ["你好"]
    version = view["version"]
    assert (await api.get("messages", user=5, since=version))[1]["messages"] == []

    waiting = asyncio.create_task(api.get("poll", user=5, since=version, timeout=30))
    await bot.send_message(5, "<b>回复</b>", parse_mode="HTML")
    status, polled = await asyncio.wait_for(waiting, 10)
    assert status == 200 and polled["version"] > version
    (message,) = polled["messages"]
    assert message["from_bot"] and message["text"] == "回复"
    assert message["source"] == "<b>回复</b>" and message["entities"][0]["type"] == "bold"
    _, timed_out = await api.get("poll", user=5, since=polled["version"], timeout=0)
    assert timed_out["messages"] == []


async def test_poll_for_a_new_user_wakes_on_first_message(api: Api) -> None:
    _, empty = await api.get("messages", user=77)
    assert empty["known"] is False and empty["messages"] == []
    waiting = asyncio.create_task(api.get("poll", user=77, since=empty["version"], timeout=30))
    await api.post("send", user=77, text="第一次")
    _, polled = await asyncio.wait_for(waiting, 10)
    assert polled["known"] and polled["messages"][0]["text"] == "第一次"


async def test_force_reply_and_one_time_keyboard(
    api: Api, bot: Bot, sandbox_server: SandboxServer
) -> None:
    sandbox_server.state.ensure_user(9)
    asked = await bot.send_message(9, "姓名？", reply_markup=ForceReply())
    await api.post("send", user=9, text="张三")
    updates = await bot.get_updates(timeout=0)
    assert updates[-1].message.reply_to_message.message_id == asked.message_id
    keyboard = ReplyKeyboardMarkup([["是", "否"]], one_time_keyboard=True)
    await bot.send_message(9, "确认？", reply_markup=keyboard)
    _, view = await api.get("messages", user=9)
    assert view["reply_keyboard"]["keyboard"] == [[{"text": "是"}, {"text": "否"}]]
    assert view["keyboard_hidden"] is False
    await api.post("send", user=9, text="是")
    assert (await api.get("messages", user=9))[1]["keyboard_hidden"] is True


async def test_block_profile_and_reset(api: Api, bot: Bot, sandbox_server: SandboxServer) -> None:
    await api.post("send", user=3, text="hi")
    await api.post("profile", user=3, first_name="李雷", username="lilei")
    assert (await api.post("block", user=3, blocked=True))[1] == {"ok": True, "blocked": True}
    _, view = await api.get("messages", user=3)
    assert view["blocked"] is True and view["user"]["first_name"] == "李雷"
    updates = await bot.get_updates(timeout=0)
    assert updates[-1].my_chat_member.from_user.username == "lilei"
    await api.post("block", user=3, blocked=False)
    last_id = (await bot.get_updates(timeout=0))[-1].update_id

    epoch = view["epoch"]
    assert (await api.post("reset"))[0] == 200
    _, after = await api.get("messages", user=3)
    assert after["known"] is False and after["epoch"] == epoch + 1
    assert (await api.get("users"))[1]["users"] == []
    await api.post("send", user=3, text="again")
    (update,) = await bot.get_updates(offset=last_id + 1, timeout=0)
    assert update.update_id > last_id and update.message.text == "again"


async def test_document_download_and_page_assets(
    api: Api, bot: Bot, http_session: aiohttp.ClientSession, sandbox_server: SandboxServer
) -> None:
    sandbox_server.state.ensure_user(4)
    await bot.send_document(4, b"data", filename="通知.txt")
    _, view = await api.get("messages", user=4)
    document = view["messages"][0]["document"]
    async with http_session.get(sandbox_server.url + document["url"]) as response:
        assert await response.read() == b"data"
        assert "filename*=UTF-8''%E9%80%9A%E7%9F%A5.txt" in response.headers["Content-Disposition"]
    for path in ("/", "/static/app.js", "/static/style.css"):
        async with http_session.get(sandbox_server.url + path) as response:
            assert response.status == 200
    async with http_session.get(sandbox_server.url + "/") as response:
        page = await response.text()
    for element_id in ('id="input"', 'id="send"', 'id="upload"', 'id="menu"', "输入消息…"):
        assert element_id in page


async def test_start_helper_returns_runner_and_url(http_session: aiohttp.ClientSession) -> None:
    runner, url = await start("127.0.0.1", 0, SandboxConfig(known_users=(8,)))
    try:
        assert url.startswith("http://127.0.0.1:") and not url.endswith(":0")
        assert 8 in sandbox_of(runner).state.users
        async with http_session.get(f"{url}/sandbox/api/info") as response:
            assert (await response.json())["bot"]["username"] == "contest_sandbox_bot"
    finally:
        await runner.cleanup()
