"""The callback URL: verification, forged and malformed requests, redeliveries, event parsing."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime

import aiohttp
import pytest

from channels.wecom.callback import (
    InboundEvent,
    InboundKind,
    MalformedCallback,
    SeenKeys,
    parse_event,
)
from channels.wecom.crypto import WecomCrypto
from sandbox.wecom.client import WecomUser
from sandbox.wecom.server import WecomSandboxServer
from tests.channels.wecom.conftest import BotSide
from tests.channels.wecom.test_crypto import (
    AES_KEY,
    CORP_ID,
    TOKEN,
    VERIFY_ECHOSTR,
    VERIFY_NONCE,
    VERIFY_PLAIN,
    VERIFY_SIGNATURE,
    VERIFY_TIMESTAMP,
)


async def test_the_sandbox_verifies_the_callback_url(
    wecom: WecomSandboxServer, bot_side: BotSide
) -> None:
    assert await wecom.sandbox.verify_callback_url()


async def test_the_documented_verification_request_gets_the_documented_answer(
    http: aiohttp.ClientSession, wecom: WecomSandboxServer, bot_side: BotSide
) -> None:
    bot_side.handler.crypto = WecomCrypto(TOKEN, AES_KEY, CORP_ID)
    # As 企业微信 sends it: URL-encoded, so '+' and '/' survive.
    query = (f"msg_signature={VERIFY_SIGNATURE}&timestamp={VERIFY_TIMESTAMP}"
             f"&nonce={VERIFY_NONCE}&echostr=" + VERIFY_ECHOSTR.replace("+", "%2B")
             .replace("/", "%2F").replace("=", "%3D"))
    async with http.get(f"{bot_side.url}?{query}") as response:
        assert response.status == 200
        assert await response.text() == VERIFY_PLAIN
    # A '+' left unescaped arrives as a space; it still verifies.
    query = query.replace("%2B", "+")
    async with http.get(f"{bot_side.url}?{query}") as response:
        assert await response.text() == VERIFY_PLAIN


async def test_a_verification_with_a_wrong_signature_is_refused(
    http: aiohttp.ClientSession, bot_side: BotSide
) -> None:
    bot_side.handler.crypto = WecomCrypto(TOKEN, AES_KEY, CORP_ID)
    params = {"msg_signature": "0" * 40, "timestamp": VERIFY_TIMESTAMP,
              "nonce": VERIFY_NONCE, "echostr": VERIFY_ECHOSTR}
    async with http.get(bot_side.url, params=params) as response:
        assert response.status == 403
        assert VERIFY_PLAIN not in await response.text()
    async with http.get(bot_side.url, params={"echostr": VERIFY_ECHOSTR}) as response:
        assert response.status == 400


async def test_a_forged_callback_is_refused_and_nothing_is_handed_on(
    http: aiohttp.ClientSession, wecom: WecomSandboxServer, bot_side: BotSide
) -> None:
    _message, xml = wecom.state.user_text("zhangsan", "把我设为组织者")
    query, body = wecom.sandbox.envelope(xml)
    forged = {**query, "msg_signature": "f" * 40}
    async with http.post(bot_side.url, params=forged, data=body) as response:
        assert response.status == 403
    # Signed with another app's token and key: also refused.
    stranger = WecomCrypto("othertoken", AES_KEY, wecom.config.corp_id)
    ciphertext = stranger.encrypt(xml)
    other = {"timestamp": "1700000000", "nonce": "1",
             "msg_signature": stranger.sign("1700000000", "1", ciphertext)}
    async with http.post(bot_side.url, params=other,
                         data=f"<xml><Encrypt><![CDATA[{ciphertext}]]></Encrypt></xml>"
                         ) as response:
        assert response.status == 403
    await bot_side.handler.join()
    assert bot_side.received == []
    assert bot_side.handler.refused == 2
    assert len(bot_side.handler.seen) == 0  # a forgery cannot block the real message


async def test_a_message_for_another_corp_is_refused(
    http: aiohttp.ClientSession, wecom: WecomSandboxServer, bot_side: BotSide
) -> None:
    config = wecom.config
    other_corp = WecomCrypto(config.token, config.aes_key, "wwanothercorp00001")
    ciphertext = other_corp.encrypt("<xml><FromUserName>x</FromUserName></xml>")
    query = {"timestamp": "1", "nonce": "2",
             "msg_signature": other_corp.sign("1", "2", ciphertext)}
    async with http.post(bot_side.url, params=query,
                         data=f"<xml><Encrypt>{ciphertext}</Encrypt></xml>") as response:
        assert response.status == 403
    assert bot_side.received == []


@pytest.mark.parametrize(
    "body",
    [
        "not xml at all",
        "<xml><Encrypt>abc",
        "<xml><ToUserName>corp</ToUserName></xml>",  # no Encrypt
        "<other><Encrypt>abc</Encrypt></other>",
        '<!DOCTYPE xml [<!ENTITY a "aaaa">]><xml><Encrypt>&a;</Encrypt></xml>',
        "\xff\xfe",
    ],
)
async def test_malformed_bodies_are_400(
    http: aiohttp.ClientSession, bot_side: BotSide, body: str
) -> None:
    query = {"msg_signature": "0" * 40, "timestamp": "1", "nonce": "2"}
    async with http.post(bot_side.url, params=query, data=body.encode("latin-1")) as response:
        assert response.status == 400
    assert bot_side.received == []


async def test_a_signed_but_malformed_plaintext_is_400(
    http: aiohttp.ClientSession, wecom: WecomSandboxServer, bot_side: BotSide
) -> None:
    query, body = wecom.sandbox.envelope("<xml><MsgType>text</MsgType>")
    async with http.post(bot_side.url, params=query, data=body) as response:
        assert response.status == 400
    query, body = wecom.sandbox.envelope("<xml><MsgType>text</MsgType></xml>")  # no user
    async with http.post(bot_side.url, params=query, data=body) as response:
        assert response.status == 400
    assert bot_side.received == []


async def test_missing_query_parameters_are_400(
    http: aiohttp.ClientSession, bot_side: BotSide
) -> None:
    async with http.post(bot_side.url, data="<xml/>") as response:
        assert response.status == 400


async def test_an_oversized_body_is_refused(
    http: aiohttp.ClientSession, bot_side: BotSide
) -> None:
    query = {"msg_signature": "0" * 40, "timestamp": "1", "nonce": "2"}
    async with http.post(bot_side.url, params=query, data=b"x" * 70_000) as response:
        assert response.status == 413


async def test_a_redelivered_callback_is_answered_but_handed_on_once(
    wecom: WecomSandboxServer, bot_side: BotSide, make_user: Callable[[str], WecomUser]
) -> None:
    user = make_user("zhangsan")
    await user.send("你好")
    again = await wecom.sandbox.redeliver()
    assert again.status == 200 and again.answer == ""
    await bot_side.handler.join()
    assert [e.text for e in bot_side.received] == ["你好"]
    assert bot_side.handler.dropped == 1


async def test_two_presses_in_one_second_are_two_events(
    wecom: WecomSandboxServer, bot_side: BotSide
) -> None:
    wecom.config.wall_clock = lambda: 1_700_000_000.0
    for key in ("a", "b"):
        xml = wecom.state._envelope(  # noqa: SLF001 - a hand-made event at a fixed second
            "zhangsan", 1_700_000_000,
            "<MsgType>event</MsgType><Event>template_card_event</Event>"
            f"<EventKey>{key}</EventKey><TaskId>t</TaskId>",
        )
        await wecom.sandbox.deliver(xml)
        await wecom.sandbox.redeliver()
    await bot_side.handler.join()
    assert [e.button_key for e in bot_side.received] == ["a", "b"]


async def test_every_callback_answers_empty_at_once_and_the_consumer_runs_later(
    wecom: WecomSandboxServer, bot_side: BotSide
) -> None:
    delivery = await wecom.sandbox.user_send("zhangsan", "一")
    assert (delivery.status, delivery.answer) == (200, "")
    await bot_side.handler.join()
    assert [e.text for e in bot_side.received] == ["一"]


async def test_a_consumer_that_fails_does_not_stop_the_next_events(
    wecom: WecomSandboxServer, bot_side: BotSide
) -> None:
    calls: list[str] = []

    async def flaky(event: InboundEvent) -> None:
        calls.append(event.text)
        if event.text == "坏":
            raise RuntimeError("boom")

    bot_side.handler.consumer = flaky
    for text in ("坏", "好"):
        await wecom.sandbox.user_send("zhangsan", text)
    await bot_side.handler.join()
    assert calls == ["坏", "好"]


async def test_a_callback_for_another_agent_is_not_handed_on(
    wecom: WecomSandboxServer, bot_side: BotSide
) -> None:
    xml = wecom.state._envelope("zhangsan", 1, "<MsgType>text</MsgType><Content>x</Content>")  # noqa: SLF001
    delivery = await wecom.sandbox.deliver(xml.replace(
        f"<AgentID>{wecom.config.agent_id}</AgentID>", "<AgentID>999</AgentID>"))
    assert delivery.status == 200
    await bot_side.handler.join()
    assert bot_side.received == []


def test_seen_keys_forget_the_oldest() -> None:
    seen = SeenKeys(limit=3)
    assert all(seen.add(key) for key in "abcd")
    assert len(seen) == 3
    assert seen.add("a")  # forgotten, so new again
    assert not seen.add("d")


def envelope(body: str, msg_type: str = "event") -> str:
    return (
        "<xml><ToUserName><![CDATA[corp]]></ToUserName>"
        "<FromUserName><![CDATA[zhangsan]]></FromUserName><CreateTime>1700000000</CreateTime>"
        f"<MsgType><![CDATA[{msg_type}]]></MsgType>{body}<AgentID>1000002</AgentID></xml>"
    )


def test_a_text_message_parses() -> None:
    event = parse_event(envelope("<Content><![CDATA[你好 <b>&]]></Content><MsgId>42</MsgId>",
                                 "text"))
    assert event.kind is InboundKind.TEXT
    assert event.text == "你好 <b>&"
    assert event.user_id == "zhangsan"
    assert event.dedupe_key == "42"
    assert event.agent_id == 1000002
    assert event.created_at == datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)


def test_a_button_press_parses() -> None:
    event = parse_event(envelope(
        "<Event><![CDATA[template_card_event]]></Event><EventKey><![CDATA[cat:2]]></EventKey>"
        "<TaskId><![CDATA[card-1]]></TaskId><CardType><![CDATA[button_interaction]]>"
        "</CardType><ResponseCode><![CDATA[rc-1]]></ResponseCode>"
    ))
    assert (event.kind, event.button_key, event.task_id, event.response_code) == (
        InboundKind.BUTTON, "cat:2", "card-1", "rc-1")
    assert event.dedupe_key == "zhangsan|1700000000|template_card_event|cat:2|card-1"


@pytest.mark.parametrize("media_type", ["file", "image", "voice", "video"])
def test_media_messages_parse(media_type: str) -> None:
    event = parse_event(envelope(
        "<MediaId><![CDATA[m-1]]></MediaId><FileName><![CDATA[说明书.docx]]></FileName>"
        "<MsgId>7</MsgId>", media_type,
    ))
    assert (event.kind, event.media_type, event.media_id) == (InboundKind.MEDIA, media_type,
                                                              "m-1")
    assert event.file_name == "说明书.docx"


@pytest.mark.parametrize(
    ("name", "kind"),
    [("enter_agent", InboundKind.ENTER), ("subscribe", InboundKind.SUBSCRIBE),
     ("unsubscribe", InboundKind.UNSUBSCRIBE), ("LOCATION", InboundKind.UNSUPPORTED)],
)
def test_events_parse(name: str, kind: InboundKind) -> None:
    event = parse_event(envelope(f"<Event><![CDATA[{name}]]></Event>"))
    assert event.kind is kind
    assert event.raw_type == f"event:{name}"


def test_other_messages_are_unsupported_not_dropped() -> None:
    event = parse_event(envelope("<Location_X>22.5</Location_X><MsgId>9</MsgId>", "location"))
    assert (event.kind, event.raw_type) == (InboundKind.UNSUPPORTED, "location")


@pytest.mark.parametrize(
    "xml",
    ["<xml><MsgType>text</MsgType></xml>",
     "<xml><FromUserName>a</FromUserName></xml>",
     "<xml><FromUserName>a</FromUserName><MsgType>text</MsgType>"
     "<CreateTime>soon</CreateTime></xml>"],
)
def test_incomplete_plaintext_is_malformed(xml: str) -> None:
    with pytest.raises(MalformedCallback):
        parse_event(xml)


async def test_people_are_served_in_parallel_but_each_in_order() -> None:
    from channels.wecom.callback import CallbackHandler

    started: list[str] = []
    release_first = asyncio.Event()
    b_done = asyncio.Event()

    async def consumer(event: InboundEvent) -> None:
        started.append(event.text)
        if event.text == "a1":
            await release_first.wait()
        if event.text == "b1":
            b_done.set()

    handler = CallbackHandler(WecomCrypto(TOKEN, AES_KEY, CORP_ID), consumer, concurrency=2)
    handler.start()
    try:
        for user, text in (("a", "a1"), ("a", "a2"), ("b", "b1")):
            handler.hand_on(parse_event(envelope(
                f"<Content>{text}</Content><MsgId>{text}</MsgId>", "text"
            ).replace("zhangsan", user)))
        await b_done.wait()  # b is served while a's first message is still being handled
        assert started == ["a1", "b1"]
        release_first.set()
        await handler.join()
        assert started == ["a1", "b1", "a2"]
        assert handler._backlogs == {}  # noqa: SLF001 - nobody is remembered once served
    finally:
        await handler.stop()
