"""End to end through the 企业微信 sandbox: a person types, presses, uploads; an echo bot answers.

person → sandbox (encrypt, POST) → CallbackHandler → echo consumer (a task per person) →
WecomClient → sandbox API → the person's chat. The consumer stands in for the adapter.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from channels.wecom.callback import CallbackHandler
from sandbox.config import FakeClock
from sandbox.wecom.client import WecomUser
from sandbox.wecom.server import WecomSandboxServer
from tests.channels.wecom.echo import running_echo_bot


@pytest.fixture
async def echo_bot(
    wecom: WecomSandboxServer, http: aiohttp.ClientSession, fake_clock: FakeClock
) -> AsyncIterator[CallbackHandler]:
    """Run the echo bot on the sandbox."""
    async with running_echo_bot(wecom, http, fake_clock) as handler:
        yield handler


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
