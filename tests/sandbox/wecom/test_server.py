"""The 企业微信 sandbox over HTTP: its API answers as 企业微信 does, its people's side refuses."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from sandbox.wecom.client import WecomClientError, WecomUser
from sandbox.wecom.config import WecomSandboxConfig
from sandbox.wecom.server import WecomSandboxServer


@pytest.fixture
async def wecom() -> AsyncIterator[WecomSandboxServer]:
    async with WecomSandboxServer(WecomSandboxConfig(visible_users={"zhangsan", "lisi"})) as s:
        yield s


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def get_json(http: aiohttp.ClientSession, url: str, **kwargs: Any) -> dict[str, Any]:
    async with http.get(url, **kwargs) as response:
        assert response.status == 200
        return await response.json()


async def token(http: aiohttp.ClientSession, wecom: WecomSandboxServer) -> str:
    body = await get_json(http, f"{wecom.url}/cgi-bin/gettoken",
                          params={"corpid": wecom.config.corp_id,
                                  "corpsecret": wecom.config.secret})
    assert body["errcode"] == 0 and body["expires_in"] == 7200
    return body["access_token"]


async def post(http: aiohttp.ClientSession, wecom: WecomSandboxServer, path: str,
               body: dict[str, Any], access_token: str | None = None) -> dict[str, Any]:
    params = {"access_token": access_token} if access_token else {}
    async with http.post(f"{wecom.url}/cgi-bin/{path}", params=params, json=body) as response:
        return await response.json()


async def test_gettoken_checks_corp_and_secret(
    http: aiohttp.ClientSession, wecom: WecomSandboxServer
) -> None:
    url = f"{wecom.url}/cgi-bin/gettoken"
    wrong_corp = await get_json(http, url, params={"corpid": "x", "corpsecret": "y"})
    assert wrong_corp["errcode"] == 40013
    wrong_secret = await get_json(http, url, params={"corpid": wecom.config.corp_id,
                                                    "corpsecret": "y"})
    assert wrong_secret["errcode"] == 40001
    assert "more info at" in wrong_secret["errmsg"]


async def test_tokens_are_checked(http: aiohttp.ClientSession, wecom: WecomSandboxServer) -> None:
    message = {"touser": "zhangsan", "msgtype": "text", "agentid": wecom.config.agent_id,
               "text": {"content": "你好"}}
    assert (await post(http, wecom, "message/send", message))["errcode"] == 41001
    assert (await post(http, wecom, "message/send", message, "bogus"))["errcode"] == 40014
    live = await token(http, wecom)
    answer = await post(http, wecom, "message/send", message, live)
    assert answer["errcode"] == 0 and answer["msgid"]
    wecom.state.expire_tokens()
    assert (await post(http, wecom, "message/send", message, live))["errcode"] == 42001


@pytest.mark.parametrize(
    ("change", "errcode"),
    [
        ({"agentid": 1}, 40056),
        ({"touser": "wangwu"}, 81013),  # not in the visible range
        ({"msgtype": "voice", "voice": {"media_id": "x"}}, 40008),
        ({"text": {"content": ""}}, 44004),
        ({"text": {"content": "字" * 683}}, 45002),
        ({"msgtype": "file", "file": {"media_id": "nope"}}, 40007),
        ({"msgtype": "template_card", "template_card": {
            "card_type": "button_interaction", "task_id": "t", "main_title": {"title": "x"},
            "button_list": [{"text": str(n), "key": str(n)} for n in range(7)]}}, 40058),
        ({"msgtype": "template_card", "template_card": {
            "card_type": "button_interaction", "task_id": "t", "main_title": {"title": "x"},
            "button_list": [{"text": "a", "key": "k"}, {"text": "b", "key": "k"}]}}, 42017),
    ],
)
async def test_message_send_refuses_as_wecom_does(
    http: aiohttp.ClientSession, wecom: WecomSandboxServer, change: dict[str, Any], errcode: int
) -> None:
    message = {"touser": "zhangsan", "msgtype": "text", "agentid": wecom.config.agent_id,
               "text": {"content": "你好"}, **change}
    answer = await post(http, wecom, "message/send", message, await token(http, wecom))
    assert answer["errcode"] == errcode
    assert wecom.state.sent_to("zhangsan") == []


async def test_media_get_of_an_unknown_id_is_json_40007(
    http: aiohttp.ClientSession, wecom: WecomSandboxServer
) -> None:
    body = await get_json(http, f"{wecom.url}/cgi-bin/media/get",
                          params={"access_token": await token(http, wecom), "media_id": "x"})
    assert body["errcode"] == 40007


async def test_the_people_side_refuses_what_the_app_would_not_allow(
    http: aiohttp.ClientSession, wecom: WecomSandboxServer
) -> None:
    with pytest.raises(WecomClientError, match="空白"):
        await WecomUser(http, wecom.url, "zhangsan").send("   ")
    with pytest.raises(WecomClientError, match="可见范围"):
        await WecomUser(http, wecom.url, "wangwu").send("你好")
    async with http.post(f"{wecom.url}/sandbox/api/press",
                         json={"user": "zhangsan", "message_id": 99, "key": "k"}) as response:
        assert response.status == 400
        assert (await response.json())["error"] == "找不到这张卡片"


async def test_user_actions_without_a_callback_url_are_recorded(
    http: aiohttp.ClientSession, wecom: WecomSandboxServer
) -> None:
    user = WecomUser(http, wecom.url, "lisi")
    answer = await user.send("你好")
    assert answer["callback_status"] is None
    assert [m.text for m in user.messages()] == ["你好"]
    assert "<Content><![CDATA[你好]]></Content>" in wecom.sandbox.deliveries[-1].xml


async def test_cdata_survives_its_own_terminator(wecom: WecomSandboxServer) -> None:
    from channels.wecom.callback import parse_event

    _message, xml = wecom.state.user_text("zhangsan", "a]]>b<c>&")
    assert parse_event(xml).text == "a]]>b<c>&"


async def test_reset_forgets_everything(
    http: aiohttp.ClientSession, wecom: WecomSandboxServer
) -> None:
    user = WecomUser(http, wecom.url, "zhangsan")
    await user.send("你好")
    async with http.post(f"{wecom.url}/sandbox/api/reset") as response:
        assert response.status == 200
    await user.refresh()
    assert user.messages() == []


async def test_the_page_and_its_assets_are_served(
    http: aiohttp.ClientSession, wecom: WecomSandboxServer
) -> None:
    async with http.get(f"{wecom.url}/?user=zhangsan") as response:
        assert response.status == 200
        page = await response.text()
    assert "企业微信" in page and 'id="composer"' in page
    for asset in ("app.js", "style.css"):
        async with http.get(f"{wecom.url}/static/{asset}") as response:
            assert response.status == 200
    info = await get_json(http, f"{wecom.url}/sandbox/api/info")
    assert info["app"]["agent_id"] == wecom.config.agent_id
