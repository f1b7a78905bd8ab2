"""The sandbox world in a file: the chat page's history survives a restart of ``./run``."""

from __future__ import annotations

import json
from pathlib import Path

import aiohttp
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, ReplyKeyboardMarkup

from sandbox.config import SandboxConfig
from sandbox.persist import StateFile, dump_state, load_state
from sandbox.server import SandboxServer
from sandbox.state import SandboxState


def _config(path: Path) -> SandboxConfig:
    return SandboxConfig(global_rate=None, per_chat_rate=None, state_file=path)


def _bot(server: SandboxServer) -> Bot:
    return Bot(server.token, base_url=server.bot_base_url, base_file_url=server.bot_file_url)


async def _chat(server: SandboxServer, user_id: int) -> dict:
    async with aiohttp.ClientSession() as http:
        url = f"{server.url}/sandbox/api/messages?user={user_id}&since=0"
        async with http.get(url) as response:
            return await response.json()


async def test_the_chat_history_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "data" / "sandbox.json"
    async with SandboxServer(_config(path)) as server:
        assert not server.sandbox.restored
        sandbox = server.sandbox
        sandbox.user_send(1002, "/start")
        async with _bot(server) as bot:
            (update,) = await bot.get_updates(timeout=0)
            await bot.get_updates(offset=update.update_id + 1, timeout=0)
            buttons = InlineKeyboardMarkup([[InlineKeyboardButton("继续填写", callback_data="go")]])
            sent = await bot.send_message(1002, "<b>欢迎</b>", parse_mode="HTML")
            await bot.edit_message_text(
                "<b>欢迎回来</b>", chat_id=1002, message_id=sent.message_id, parse_mode="HTML",
                reply_markup=buttons,
            )  # fmt: skip
            await bot.send_document(1002, b"PK-docx-bytes", filename="说明书.docx")
            menu = ReplyKeyboardMarkup([["📋 我的案例"]], resize_keyboard=True)
            await bot.send_message(1002, "菜单", reply_markup=menu)
        sandbox.user_send(1002, "还没取走的消息")
        before = await _chat(server, 1002)
    assert path.exists()

    async with SandboxServer(_config(path)) as server:
        assert server.sandbox.restored
        after = await _chat(server, 1002)
        assert after["messages"] == before["messages"]
        assert after["epoch"] == before["epoch"] and after["version"] >= before["version"]
        assert after["reply_keyboard"]["keyboard"] == [[{"text": "📋 我的案例"}]]
        texts = [m["text"] for m in after["messages"]]
        assert texts == ["/start", "欢迎回来", None, "菜单", "还没取走的消息"]
        assert after["messages"][1]["edit_count"] == 1
        async with _bot(server) as bot:
            (pending,) = await bot.get_updates(timeout=0)  # the bot still gets what it missed
            assert pending.message.text == "还没取走的消息"
            document = after["messages"][2]["document"]
            file = await bot.get_file(document["file_id"])
            assert bytes(await file.download_as_bytearray()) == b"PK-docx-bytes"
            await bot.get_updates(offset=pending.update_id + 1, timeout=0)
            server.sandbox.user_send(1002, "新消息")
            (fresh,) = await bot.get_updates(timeout=0)
            assert fresh.update_id == pending.update_id + 1
            assert fresh.message.message_id == after["messages"][-1]["message_id"] + 1


def test_the_state_round_trips_through_json() -> None:
    state = SandboxState(SandboxConfig())
    chat = state.chats[state.ensure_user(7).id]
    state.add_message(chat, from_bot=False, text="你好", entities=[])
    state.commands[("default", None, "")] = [{"command": "start", "description": "开始"}]
    data = json.loads(json.dumps(dump_state(state), ensure_ascii=False))
    restored = SandboxState(SandboxConfig())
    load_state(restored, data)
    assert dump_state(restored) == dump_state(state)


def test_a_broken_file_starts_empty_and_is_replaced(tmp_path: Path) -> None:
    path = tmp_path / "sandbox.json"
    path.write_text("{not json", encoding="utf-8")
    state = SandboxState(SandboxConfig())
    keeper = StateFile(state, path)
    assert keeper.restore() is False and state.chats == {}
    state.touch(state.chats[state.ensure_user(9).id])
    keeper.save()
    assert json.loads(path.read_text(encoding="utf-8"))["users"][0]["id"] == 9
    assert not path.with_name("sandbox.json.tmp").exists()


def test_updates_the_bot_has_fetched_are_not_delivered_again(tmp_path: Path) -> None:
    path = tmp_path / "sandbox.json"
    state = SandboxState(SandboxConfig())
    keeper = StateFile(state, path)
    state.touch(state.chats[state.ensure_user(3).id])
    update = state.push_update("message", {"text": "x"})
    assert update is not None
    keeper.save()
    state.confirm_updates(update["update_id"] + 1)  # getUpdates with the next offset
    keeper.save()
    assert json.loads(path.read_text(encoding="utf-8"))["updates"] == []


def test_no_file_is_written_without_a_change(tmp_path: Path) -> None:
    path = tmp_path / "sandbox.json"
    state = SandboxState(SandboxConfig())
    keeper = StateFile(state, path)
    keeper.restore()
    keeper.save()
    written = path.stat().st_mtime_ns
    keeper.save()
    assert path.stat().st_mtime_ns == written
