"""The 企业微信 outbox channel against the sandbox: what arrives, and how errors are mapped."""

from __future__ import annotations

import pytest

from channels.wecom.api import WecomClient
from channels.wecom.outbound import WecomChannel
from channels.wecom.render import cards_of, pressed_label, text_parts
from channels.wecom.speaker import Speaker
from contest.definition import Contest
from delivery.channel import Refused, RetryLater, Transient, Unreachable
from sandbox.wecom.server import WecomSandboxServer

ACK = [[{"text": "✅ 已知悉", "id": "ack:7"}]]


@pytest.fixture
def channel(client: WecomClient, contest: Contest) -> WecomChannel:
    return WecomChannel(Speaker(client), contest)


async def test_a_notice_arrives_as_text_then_a_card_with_its_button(
    channel: WecomChannel, wecom: WecomSandboxServer
) -> None:
    message_id = await channel.send("zhangsan", "<b>通知</b> &amp; 说明", actions=ACK)
    text, card = wecom.state.sent_to("zhangsan")
    assert (text.kind, text.text) == ("text", "通知 & 说明")
    assert card.kind == "template_card" and card.card is not None
    assert [(b["key"], b["text"]) for b in card.card["button_list"]] == [("ack:7", "✅ 已知悉")]
    assert message_id and message_id != "0"


async def test_a_long_notice_is_split_under_2048_bytes(
    channel: WecomChannel, wecom: WecomSandboxServer
) -> None:
    await channel.send("zhangsan", "\n".join(["通知正文" * 50] * 6))
    parts = wecom.state.sent_to("zhangsan")
    assert len(parts) > 1 and all(len(m.text.encode()) <= 2048 for m in parts)


async def test_a_telegram_attachment_is_named_in_the_text(
    channel: WecomChannel, wecom: WecomSandboxServer
) -> None:
    await channel.send("zhangsan", "通知", document={"file_id": "telegram-file"})
    (message,) = wecom.state.sent_to("zhangsan")
    assert "企业微信里暂时收不到附件" in message.text


async def test_an_attachment_that_cannot_be_had_is_named_in_the_text(
    client: WecomClient, contest: Contest, wecom: WecomSandboxServer
) -> None:
    async def gone(_document: dict) -> bytes:
        raise Refused("file is too big")

    channel = WecomChannel(Speaker(client), contest, attachments=gone)
    await channel.send("zhangsan", "通知", document={"file_id": "telegram-file"})
    (message,) = wecom.state.sent_to("zhangsan")
    assert message.kind == "text" and "企业微信里暂时收不到附件" in message.text


async def test_an_attachment_lost_on_the_way_is_sent_again_later(
    client: WecomClient, contest: Contest, wecom: WecomSandboxServer
) -> None:
    async def flaky(_document: dict) -> bytes:
        raise Transient("502 from Telegram")

    channel = WecomChannel(Speaker(client), contest, attachments=flaky)
    with pytest.raises(Transient):
        await channel.send("zhangsan", "通知", document={"file_id": "telegram-file"})
    assert wecom.state.sent_to("zhangsan") == []  # nothing half-sent: the row is retried


@pytest.mark.parametrize(
    ("errcode", "http_status", "outcome"),
    [
        (45009, 200, RetryLater),
        (-1, 200, Transient),
        (0, 502, Transient),
        (40058, 200, Refused),
        (60020, 200, Refused),  # an untrusted server IP: an operator must fix it
    ],
)
async def test_errors_are_mapped_onto_the_delivery_outcomes(
    channel: WecomChannel, wecom: WecomSandboxServer, errcode: int, http_status: int,
    outcome: type[Exception],
) -> None:
    wecom.config.fail_next("message/send", errcode=errcode, http_status=http_status)
    with pytest.raises(outcome):
        await channel.send("zhangsan", "通知")


async def test_a_frequency_limit_says_how_long_to_wait(
    channel: WecomChannel, wecom: WecomSandboxServer
) -> None:
    wecom.config.fail_next("message/send", errcode=45009)
    with pytest.raises(RetryLater) as raised:
        await channel.send("zhangsan", "通知")
    assert raised.value.seconds == 60


async def test_a_member_outside_the_visible_range_is_unreachable(
    channel: WecomChannel, wecom: WecomSandboxServer
) -> None:
    wecom.config.visible_users = {"lisi"}
    with pytest.raises(Unreachable):
        await channel.send("zhangsan", "通知")


async def test_an_expired_token_is_renewed_without_the_worker_noticing(
    channel: WecomChannel, wecom: WecomSandboxServer
) -> None:
    await channel.send("zhangsan", "第一条")
    wecom.state.expire_tokens()
    await channel.send("zhangsan", "第二条")
    assert [m.text for m in wecom.state.sent_to("zhangsan")] == ["第一条", "第二条"]
    assert wecom.state.tokens_issued == 2


async def test_an_edit_is_refused(channel: WecomChannel) -> None:
    with pytest.raises(Refused):
        await channel.edit("zhangsan", "1", "新的进度")


def test_buttons_go_on_cards_of_six_each_id_once() -> None:
    pairs = [(f"f:1:e:field{i}", f"改第{i}项") for i in range(13)] + [("f:1:e:field0", "重复")]
    cards = cards_of(pairs)
    assert [len(card.buttons) for card in cards] == [6, 6, 1]
    assert [card.title for card in cards] == ["请选择（1/3）", "请选择（2/3）", "请选择（3/3）"]
    assert len({card.task_id for card in cards}) == 3
    assert cards_of([("menu:main", "菜单")])[0].title == "请选择"


def test_text_is_plain_and_labels_are_short() -> None:
    assert text_parts("<b>粗体</b> &lt;b&gt; &amp;") == ["粗体 <b> &"]
    assert text_parts("   ") == []
    assert len(pressed_label("已选择：" + "长" * 100)) == 30
