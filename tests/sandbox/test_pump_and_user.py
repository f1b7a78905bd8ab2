"""``UpdatePump`` + ``SandboxUser`` with a tiny echo ``Application``; and the polling path."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from telegram import Bot

from sandbox.client import SandboxClientError, SandboxUser
from sandbox.driver import UpdatePump
from sandbox.server import SandboxServer
from tests.sandbox.conftest import application_builder
from tests.sandbox.echo_app import add_echo_handlers

MakeUser = Callable[..., SandboxUser]


async def test_start_press_and_edit(make_user: MakeUser, pump: UpdatePump) -> None:
    user = make_user(42, pump=pump)
    await user.send("/start")
    reply = user.last_reply
    assert reply is not None
    assert reply.text == "欢迎，你好！"
    assert reply.html == "<b>欢迎</b>，你好！"
    assert reply.buttons == [[("点我", "hello")]]

    toast = await user.press("点我")
    assert toast is not None and toast["text"] == "已收到"
    edited = user.last_reply
    assert edited is not None and edited.message_id == reply.message_id
    assert edited.text == "你按了：hello" and edited.edited and edited.buttons == []
    assert pump.processed == 2


async def test_start_payload_and_echo(make_user: MakeUser, pump: UpdatePump) -> None:
    user = make_user(7, pump=pump)
    await user.send("/start team_42")
    assert user.last_reply is not None
    assert user.last_reply.text == "欢迎，你好！\n参数：team_42"
    mark = user.mark()
    await user.send("第一条")
    await user.send("第二条")
    assert [m.text for m in user.replies_since(mark)] == ["第一条", "第二条"]
    assert [m.from_bot for m in user.messages()] == [False, True, False, True, False, True]


async def test_document_upload_is_downloaded_by_the_bot(
    make_user: MakeUser, pump: UpdatePump
) -> None:
    user = make_user(42, pump=pump)
    sent = await user.upload("方案.pdf", b"%PDF-1.4" + bytes(1000), caption="我的方案")
    assert sent.document is not None and sent.document["file_name"] == "方案.pdf"
    assert sent.document["mime_type"] == "application/pdf"
    assert user.last_reply is not None
    assert user.last_reply.text == "收到文件 方案.pdf，大小 1008 字节"
    assert await user.download(sent) == b"%PDF-1.4" + bytes(1000)


async def test_press_rejects_unknown_buttons(make_user: MakeUser, pump: UpdatePump) -> None:
    user = make_user(42, pump=pump)
    await user.send("/start")
    with pytest.raises(LookupError):
        await user.press("不存在的按钮")
    with pytest.raises(SandboxClientError, match="该消息没有这个按钮"):
        await user._call(
            "POST",
            "press",
            json={"user": 42, "message_id": user.last_reply.message_id, "data": "forged"},
        )


async def test_thousand_users_receive_one_message_each(
    bot: Bot, sandbox_server: SandboxServer, make_user: MakeUser
) -> None:
    users = range(1, 1001)
    for user_id in users:
        sandbox_server.state.ensure_user(user_id)
    for start in range(0, 1000, 100):
        await asyncio.gather(
            *(
                bot.send_message(user_id, f"通知 {user_id}")
                for user_id in users[start : start + 100]
            )
        )
    assert all(sandbox_server.state.chats[u].messages[1].text == f"通知 {u}" for u in users)
    last = make_user(1000)
    await last.refresh()
    assert last.last_reply is not None and last.last_reply.text == "通知 1000"


async def test_polling_application(sandbox_server: SandboxServer, make_user: MakeUser) -> None:
    application: Any = application_builder(sandbox_server).build()
    add_echo_handlers(application)
    async with application:
        await application.updater.start_polling(timeout=5)
        await application.start()
        try:
            user = make_user(99)
            mark = sandbox_server.state.version
            await user.send("/start")
            message = await sandbox_server.state.wait_bot_message(99, mark, timeout=10)
            assert message.text == "欢迎，你好！"
            reply = await user.wait_for_reply(after=message.message_id - 1, timeout=10)
            assert reply.buttons == [[("点我", "hello")]]
        finally:
            await application.updater.stop()
            await application.stop()
