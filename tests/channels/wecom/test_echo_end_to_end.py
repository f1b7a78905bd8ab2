"""End to end through the 企业微信 sandbox: a person types, presses, uploads; an echo bot answers.

person → sandbox (encrypt, POST) → CallbackHandler → queue → echo consumer → WecomClient →
sandbox API → the person's chat. The consumer is a stand-in for the adapter onto the seam.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web

from channels.wecom.api import Unreachable, WecomClient, split_text
from channels.wecom.callback import CallbackHandler, InboundEvent, InboundKind
from channels.wecom.crypto import WecomCrypto
from sandbox.config import FakeClock
from sandbox.wecom.client import WecomUser
from sandbox.wecom.config import WecomSandboxConfig
from sandbox.wecom.server import WecomSandboxServer


def echo_consumer(client: WecomClient) -> object:
    """Return a consumer that answers every event the way a tiny bot would."""

    async def consume(event: InboundEvent) -> None:
        user = event.user_id
        try:
            if event.kind is InboundKind.TEXT:
                if event.text == "选择":
                    await client.send_card(user, title="请选择赛道",
                                           buttons=[("cat:1", "基层治理"), ("cat:2", "民生服务")],
                                           task_id=f"pick-{event.dedupe_key}")
                    return
                for part in split_text(f"你说：{event.text}"):
                    await client.send_text(user, part)
            elif event.kind is InboundKind.BUTTON:
                label = {"cat:1": "基层治理", "cat:2": "民生服务"}[event.button_key]
                await client.update_card_buttons(user, response_code=event.response_code,
                                                 replace_name=f"已选择：{label}")
                await client.send_text(user, f"好的，赛道是{label}")
            elif event.kind is InboundKind.MEDIA:
                media = await client.download_media(event.media_id)
                await client.send_document(user, media.data[::-1], f"回执-{media.file_name}")
            elif event.kind is InboundKind.ENTER:
                await client.send_markdown(user, "**欢迎**使用大赛助手")
            else:
                await client.send_text(user, "暂不支持这种消息")
        except Unreachable:
            pass  # the adapter would mark the account unreachable here

    return consume


@pytest.fixture
async def echo_bot(
    wecom: WecomSandboxServer, http: aiohttp.ClientSession, fake_clock: FakeClock
) -> AsyncIterator[CallbackHandler]:
    """Serve the echo bot's callback URL and point the sandbox at it."""
    config: WecomSandboxConfig = wecom.config
    client = WecomClient(http, corp_id=config.corp_id, agent_id=config.agent_id,
                         secret=config.secret, api_url=wecom.url, clock=fake_clock)
    handler = CallbackHandler(WecomCrypto(config.token, config.aes_key, config.corp_id),
                              echo_consumer(client), agent_id=config.agent_id)  # type: ignore[arg-type]
    app = web.Application()
    handler.add_routes(app)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    host, port = runner.addresses[0][:2]
    config.callback_url = f"http://{host}:{port}/wecom/callback"
    try:
        yield handler
    finally:
        await runner.cleanup()


async def test_a_person_types_and_sees_the_echo(
    wecom: WecomSandboxServer, http: aiohttp.ClientSession, echo_bot: CallbackHandler
) -> None:
    assert await wecom.sandbox.verify_callback_url()
    user = WecomUser(http, wecom.url, "zhangsan", after=echo_bot.join)
    await user.enter()
    await user.send("你好，<b>大赛</b> & 助手")
    assert [(m.from_bot, m.text) for m in user.messages()] == [
        (True, "**欢迎**使用大赛助手"),
        (False, "你好，<b>大赛</b> & 助手"),
        (True, "你说：你好，<b>大赛</b> & 助手"),
    ]


async def test_a_redelivered_message_is_answered_once(
    wecom: WecomSandboxServer, http: aiohttp.ClientSession, echo_bot: CallbackHandler
) -> None:
    user = WecomUser(http, wecom.url, "zhangsan", after=echo_bot.join)
    await user.send("只说一次")
    await wecom.sandbox.redeliver()
    await wecom.sandbox.redeliver()
    await echo_bot.join()
    await user.refresh()
    assert [m.text for m in user.messages() if m.from_bot] == ["你说：只说一次"]


async def test_a_card_button_press_updates_the_card_and_answers(
    wecom: WecomSandboxServer, http: aiohttp.ClientSession, echo_bot: CallbackHandler
) -> None:
    user = WecomUser(http, wecom.url, "zhangsan", after=echo_bot.join)
    await user.send("选择")
    card = user.last_reply
    assert card is not None and card.buttons == [("cat:1", "基层治理"), ("cat:2", "民生服务")]
    await user.press("基层治理")
    await user.refresh()
    assert user.messages()[1].replaced_label == "已选择：基层治理"
    assert user.last_reply is not None and user.last_reply.text == "好的，赛道是基层治理"


async def test_a_long_text_arrives_in_parts(
    wecom: WecomSandboxServer, http: aiohttp.ClientSession, echo_bot: CallbackHandler
) -> None:
    user = WecomUser(http, wecom.url, "zhangsan", after=echo_bot.join)
    long_text = "\n".join(["案例正文" * 60] * 5)  # 5 lines of 720 bytes: two fit a part
    await user.send(long_text)
    replies = [m.text for m in user.messages() if m.from_bot]
    assert len(replies) == 3
    assert "\n".join(replies).replace("\n", "") == ("你说：" + long_text).replace("\n", "")


async def test_an_uploaded_file_comes_back(
    wecom: WecomSandboxServer, http: aiohttp.ClientSession, echo_bot: CallbackHandler
) -> None:
    user = WecomUser(http, wecom.url, "zhangsan", after=echo_bot.join)
    await user.upload("说明书.docx", b"PK\x03\x04 docx bytes")
    reply = user.last_reply
    assert reply is not None and reply.file_name == "回执-说明书.docx"
    assert await user.download(reply) == b"PK\x03\x04 docx bytes"[::-1]
