"""The API client against the 企业微信 sandbox: tokens, limits, unreachable people, cards, files."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable

import aiohttp
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from channels.wecom.api import (
    TEXT_LIMIT,
    BadRequest,
    MessageTooLong,
    Misconfigured,
    RetryLater,
    TransientError,
    Unreachable,
    WecomClient,
    card_json,
    split_text,
    utf8_len,
)
from channels.wecom.callback import InboundKind
from sandbox.config import FakeClock, RateLimit
from sandbox.wecom.client import WecomUser
from sandbox.wecom.config import WecomSandboxConfig
from sandbox.wecom.server import WecomSandboxServer
from tests.channels.wecom.conftest import BotSide


def texts(wecom: WecomSandboxServer, user_id: str) -> list[str]:
    return [m.text for m in wecom.state.sent_to(user_id)]


async def test_the_token_is_fetched_once_and_reused(
    client: WecomClient, wecom: WecomSandboxServer
) -> None:
    for n in range(3):
        await client.send_text("zhangsan", f"第{n}条")
    assert wecom.state.tokens_issued == 1
    assert texts(wecom, "zhangsan") == ["第0条", "第1条", "第2条"]


async def test_the_token_is_renewed_before_it_expires(
    client: WecomClient, wecom: WecomSandboxServer, fake_clock: FakeClock
) -> None:
    await client.send_text("zhangsan", "一")
    fake_clock.advance(7200 - 299)  # inside the 300 s margin
    await client.send_text("zhangsan", "二")
    assert wecom.state.tokens_issued == 2
    assert wecom.state.calls["message/send"] == 2  # renewed ahead: no failed call


@pytest.mark.parametrize("kill", ["expire_tokens", "revoke_tokens"])
async def test_an_expired_or_invalid_token_is_renewed_and_the_call_retried_once(
    client: WecomClient, wecom: WecomSandboxServer, kill: str
) -> None:
    await client.send_text("zhangsan", "一")
    getattr(wecom.state, kill)()  # 42001 / 40014 on the next call
    await client.send_text("zhangsan", "二")
    assert texts(wecom, "zhangsan") == ["一", "二"]
    assert wecom.state.tokens_issued == 2
    assert wecom.state.calls["message/send"] == 3


async def test_a_token_that_dies_mid_broadcast_costs_no_message(
    client: WecomClient, wecom: WecomSandboxServer
) -> None:
    expected = [f"通知第{n}条" for n in range(20)]
    for n, text in enumerate(expected):
        if n == 7:
            wecom.state.expire_tokens()
        await client.send_text("zhangsan", text)
    assert texts(wecom, "zhangsan") == expected  # every message once, in order
    assert wecom.state.tokens_issued == 2


async def test_concurrent_sends_after_expiry_fetch_one_new_token(
    client: WecomClient, wecom: WecomSandboxServer
) -> None:
    await client.send_text("lisi", "预热")
    wecom.state.expire_tokens()
    users = [f"user{n}" for n in range(20)]
    await asyncio.gather(*(client.send_text(user, "广播") for user in users))
    assert all(texts(wecom, user) == ["广播"] for user in users)
    assert wecom.state.tokens_issued == 2


async def test_a_still_failing_token_is_not_retried_forever(
    client: WecomClient, wecom: WecomSandboxServer
) -> None:
    await client.access_token()
    wecom.config.fail_next("message/send", errcode=40014, errmsg="invalid access_token",
                           times=2)
    with pytest.raises(BadRequest) as raised:
        await client.send_text("zhangsan", "一")
    assert raised.value.code == 40014
    assert wecom.state.calls["message/send"] == 2


class TestFrequencyLimits:
    @pytest.fixture
    def wecom_config(self, fake_clock: FakeClock) -> WecomSandboxConfig:
        return WecomSandboxConfig(clock=fake_clock, per_user_rate=RateLimit(rate=0.5, burst=2))

    async def test_45009_is_retry_later_and_passes_once_the_bucket_refills(
        self, client: WecomClient, wecom: WecomSandboxServer, fake_clock: FakeClock
    ) -> None:
        await client.send_text("zhangsan", "一")
        await client.send_text("zhangsan", "二")
        with pytest.raises(RetryLater) as raised:
            await client.send_text("zhangsan", "三")
        assert raised.value.code == 45009
        assert raised.value.seconds == 60.0
        await client.send_text("wangwu", "别人不受影响")
        fake_clock.advance(2)
        await client.send_text("zhangsan", "三")
        assert texts(wecom, "zhangsan") == ["一", "二", "三"]


async def test_45033_is_retry_later_too(client: WecomClient, wecom: WecomSandboxServer) -> None:
    wecom.config.fail_next("message/send", errcode=45033, errmsg="api concurrent out of limit")
    with pytest.raises(RetryLater) as raised:
        await client.send_text("zhangsan", "一")
    assert raised.value.seconds == 5.0


class TestVisibleRange:
    @pytest.fixture
    def wecom_config(self, fake_clock: FakeClock) -> WecomSandboxConfig:
        return WecomSandboxConfig(clock=fake_clock, visible_users={"zhangsan"})

    async def test_a_person_outside_the_visible_range_is_unreachable(
        self, client: WecomClient, wecom: WecomSandboxServer
    ) -> None:
        await client.send_text("zhangsan", "你好")
        with pytest.raises(Unreachable) as raised:
            await client.send_text("lisi", "你好")
        assert raised.value.code == 81013
        assert texts(wecom, "lisi") == []


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_server_errors_are_transient(
    client: WecomClient, wecom: WecomSandboxServer, status: int
) -> None:
    wecom.config.fail_next("message/send", http_status=status)
    with pytest.raises(TransientError):
        await client.send_text("zhangsan", "一")


async def test_system_busy_is_transient(client: WecomClient, wecom: WecomSandboxServer) -> None:
    wecom.config.fail_next("message/send", errcode=-1)
    with pytest.raises(TransientError):
        await client.send_text("zhangsan", "一")


async def test_an_unreachable_server_is_transient(http: aiohttp.ClientSession) -> None:
    client = WecomClient(http, corp_id="c", agent_id=1, secret="s",
                         api_url="http://127.0.0.1:9", timeout=5)
    with pytest.raises(TransientError):
        await client.send_text("zhangsan", "一")


async def test_a_wrong_secret_is_misconfigured(
    http: aiohttp.ClientSession, wecom: WecomSandboxServer
) -> None:
    client = WecomClient(http, corp_id=wecom.config.corp_id, agent_id=wecom.config.agent_id,
                         secret="wrong", api_url=wecom.url)
    with pytest.raises(Misconfigured) as raised:
        await client.send_text("zhangsan", "一")
    assert raised.value.code == 40001


async def test_an_untrusted_server_ip_is_misconfigured(
    client: WecomClient, wecom: WecomSandboxServer
) -> None:
    wecom.config.fail_next("gettoken", errcode=60020, errmsg="not allow to access from your ip")
    with pytest.raises(Misconfigured):
        await client.access_token()


async def test_text_over_2048_bytes_is_refused_before_sending(
    client: WecomClient, wecom: WecomSandboxServer
) -> None:
    with pytest.raises(MessageTooLong) as raised:
        await client.send_text("zhangsan", "字" * 683)  # 2049 bytes
    assert raised.value.size == 2049
    with pytest.raises(MessageTooLong):
        await client.send_markdown("zhangsan", "a" * (TEXT_LIMIT + 1))
    await client.send_markdown("zhangsan", "**a**" + "a" * (TEXT_LIMIT - 5))
    assert wecom.state.calls.get("message/send") == 1


async def test_the_sandbox_refuses_too_long_text_as_wecom_does(
    client: WecomClient, wecom: WecomSandboxServer, http: aiohttp.ClientSession
) -> None:
    token = await client.access_token()
    body = {"touser": "zhangsan", "msgtype": "text", "agentid": wecom.config.agent_id,
            "text": {"content": "字" * 683}}
    async with http.post(f"{wecom.url}/cgi-bin/message/send",
                         params={"access_token": token}, json=body) as response:
        assert (await response.json())["errcode"] == 45002


@settings(max_examples=60)
@given(
    st.text(alphabet=st.sampled_from("字a \n🙂"), max_size=6000)
    | st.just("a" * 200 + "\n" * 300)  # a whitespace-only remainder
)
def test_split_text_keeps_every_part_within_the_limit(text: str) -> None:
    parts = split_text(text, limit=200)
    assert all(utf8_len(part) <= 200 for part in parts)
    assert re.sub(r"\s", "", "".join(parts)) == re.sub(r"\s", "", text)
    if text.strip():
        assert all(part.strip() for part in parts)


def test_split_text_prefers_line_ends() -> None:
    text = "\n".join(["甲" * 300] * 3)  # 900 bytes a line
    parts = split_text(text, limit=2048)
    assert parts == ["甲" * 300 + "\n" + "甲" * 300 + "\n", "甲" * 300]


def test_cards_are_checked_against_wecoms_limits() -> None:
    buttons = [(f"k{n}", f"选项{n}") for n in range(6)]
    card = card_json(title="请选择", description="", buttons=buttons, task_id="t-1")
    assert [b["key"] for b in card["button_list"]] == [k for k, _ in buttons]
    for bad in (
        {"buttons": buttons + [("k6", "多")]},
        {"buttons": []},
        {"buttons": [("k", "一"), ("k", "二")]},
        {"task_id": "有中文"},
        {"title": ""},
        {"buttons": [("k" * 1025, "长")]},
    ):
        args = {"title": "请选择", "description": "", "buttons": buttons[:2], "task_id": "t-1"}
        args.update(bad)
        with pytest.raises(BadRequest):
            card_json(**args)  # type: ignore[arg-type]


async def test_a_pressed_card_is_updated_once_with_its_response_code(
    client: WecomClient, wecom: WecomSandboxServer, bot_side: BotSide,
    make_user: Callable[[str], WecomUser],
) -> None:
    sent = await client.send_card("zhangsan", title="选择赛道", description="请选择一个",
                                  buttons=[("cat:1", "基层治理"), ("cat:2", "民生服务")],
                                  task_id="card-1")
    assert sent.response_code
    user = make_user("zhangsan")
    await user.refresh()
    assert user.last_reply is not None
    assert user.last_reply.buttons == [("cat:1", "基层治理"), ("cat:2", "民生服务")]
    await user.press("民生服务")
    (event,) = bot_side.received
    assert (event.kind, event.button_key, event.task_id) == (InboundKind.BUTTON, "cat:2",
                                                            "card-1")
    await client.update_card_buttons("zhangsan", response_code=event.response_code,
                                     replace_name="已选择：民生服务")
    await user.refresh()
    assert user.last_reply.replaced_label == "已选择：民生服务"
    assert user.last_reply.buttons == []
    with pytest.raises(BadRequest):  # a response_code works once
        await client.update_card_buttons("zhangsan", response_code=event.response_code,
                                         replace_name="再来一次")


async def test_a_card_can_be_replaced_whole(
    client: WecomClient, wecom: WecomSandboxServer
) -> None:
    sent = await client.send_card("zhangsan", title="第一步", buttons=[("a", "甲")],
                                  task_id="card-2")
    await client.update_card("zhangsan", response_code=sent.response_code, title="第二步",
                             buttons=[("b", "乙")], task_id="card-2b")
    (message,) = wecom.state.sent_to("zhangsan")
    assert message.card is not None
    assert message.card["main_title"]["title"] == "第二步"


async def test_files_go_up_and_come_down(
    client: WecomClient, wecom: WecomSandboxServer, bot_side: BotSide,
    make_user: Callable[[str], WecomUser],
) -> None:
    document = b"PK\x03\x04" + bytes(range(256)) * 40
    await client.send_document("zhangsan", document, "参赛案例说明书.docx")
    user = make_user("zhangsan")
    await user.refresh()
    reply = user.last_reply
    assert reply is not None and reply.kind == "file"
    assert reply.file_name == "参赛案例说明书.docx"
    assert await user.download(reply) == document

    await user.upload("修改稿.docx", document[::-1])
    (event,) = bot_side.received
    assert (event.kind, event.media_type, event.file_name) == (InboundKind.MEDIA, "file",
                                                              "修改稿.docx")
    media = await client.download_media(event.media_id)
    assert media.data == document[::-1]
    assert media.file_name == "修改稿.docx"


async def test_an_unknown_media_id_is_a_bad_request(client: WecomClient) -> None:
    with pytest.raises(BadRequest) as raised:
        await client.download_media("no-such-media")
    assert raised.value.code == 40007


async def test_media_get_renews_an_expired_token(
    client: WecomClient, wecom: WecomSandboxServer
) -> None:
    media_id = await client.upload_media(b"hello world", "a.txt")
    wecom.state.expire_tokens()
    assert (await client.download_media(media_id)).data == b"hello world"


class TestFileSizeLimit:
    @pytest.fixture
    def wecom_config(self, fake_clock: FakeClock) -> WecomSandboxConfig:
        return WecomSandboxConfig(clock=fake_clock, max_file_bytes=1000)

    async def test_a_file_over_the_limit_is_refused(
        self, client: WecomClient, wecom: WecomSandboxServer
    ) -> None:
        with pytest.raises(BadRequest) as raised:
            await client.upload_media(b"x" * 1001, "big.docx")
        assert raised.value.code == 45001
        with pytest.raises(BadRequest):
            await client.upload_media(b"x", "tiny.docx")  # under 5 bytes: refused before
        assert await client.upload_media(b"x" * 1000, "ok.docx")


async def test_a_send_answered_with_invaliduser_is_unreachable(
    http: aiohttp.ClientSession,
) -> None:
    from aiohttp import web

    async def gettoken(request: web.Request) -> web.Response:
        return web.json_response({"errcode": 0, "access_token": "t", "expires_in": 7200})

    async def send(request: web.Request) -> web.Response:
        return web.json_response({"errcode": 0, "errmsg": "ok", "invaliduser": "lisi|zhangsan",
                                  "msgid": "1"})

    app = web.Application()
    app.router.add_get("/cgi-bin/gettoken", gettoken)
    app.router.add_post("/cgi-bin/message/send", send)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    host, port = runner.addresses[0][:2]
    try:
        client = WecomClient(http, corp_id="c", agent_id=1, secret="s",
                             api_url=f"http://{host}:{port}")
        with pytest.raises(Unreachable):
            await client.send_text("zhangsan", "你好")
        assert (await client.send_text("wangwu", "你好")).msg_id == "1"
    finally:
        await runner.cleanup()


async def test_network_errors_do_not_carry_the_secret(http: aiohttp.ClientSession) -> None:
    client = WecomClient(http, corp_id="c", agent_id=1, secret="TOPSECRET",
                         api_url="http://127.0.0.1:9")
    with pytest.raises(TransientError) as raised:
        await client.access_token()
    assert "TOPSECRET" not in str(raised.value)
