"""Invite codes, organizer side: make, list, revoke; and everyone else is refused."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from sqlmodel import select
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from config.services import services_of
from storage.invites import ALPHABET
from storage.models import FormProgress, Invite, Person, Unit
from tests.conftest import BEIJING

CODE = re.compile(rf"[{ALPHABET}]{{8}}")
LINK = re.compile(rf"https://t\.me/contest_sandbox_bot\?start=([{ALPHABET}]{{8}})")


async def rows(harness, model, *where):
    async with services_of(harness.app).sessions() as session:
        return list((await session.exec(select(model).where(*where))).all())


async def forge(harness, user, data: str):
    """Put a button with ``data`` in the user's chat (as a forged or old message would)."""
    await user.send("/start")
    await harness.app.bot.send_message(
        user.user_id,
        "按钮",
        reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("按钮", callback_data=data)]]),
    )
    await user.refresh()
    return await user.press(data)


async def test_organizer_makes_a_unit_code_with_a_label(harness):
    organizer = harness.organizer()
    await organizer.send("/invite")
    assert "邀请码管理" in organizer.last_reply.text
    await organizer.press("🏢 单位邀请码")
    assert "例如：深圳市某某局" in organizer.last_reply.text
    await organizer.send("局")
    assert "单位名称应为 2–60 个字，现在是 1 个字" in organizer.last_reply.text
    await organizer.send("深圳市  某某局")
    card = organizer.last_reply.text
    code = LINK.search(card).group(1)
    assert f"单位邀请码：{code}" in card and "单位：深圳市 某某局" in card
    assert "有效期至：2024年8月30日（周五）10:00（还有 60 天）" in card
    assert "已使用 0 次" in card
    assert await rows(harness, FormProgress) == []  # no longer waiting for a name
    invite = (await rows(harness, Invite))[0]
    assert (invite.kind, invite.label, invite.uses) == ("unit", "深圳市 某某局", 0)
    assert set(code) <= set(ALPHABET) and not set(code) & set("01OIL")

    user = harness.user(1001)
    await user.send(f"/start {code}")
    assert "您正在为深圳市 某某局登记参赛单位" in user.replies_since(0)[0].text
    await organizer.send("/invite")
    await organizer.press("📋 邀请码列表")
    listing = organizer.last_reply.text
    assert f"1. {code} 单位 · 深圳市 某某局 · 使用 1 次 · 有效" in listing
    assert "单位：（单位信息尚未填写）" in listing


async def test_a_new_code_comes_as_a_qr_code_with_a_share_button(harness):
    """Issue 14: the card is the link's QR code, with a share button; a deep link."""
    from urllib.parse import parse_qs, urlsplit

    from messages.qrcode import qr_png

    organizer = harness.organizer()
    await organizer.send("/invite")
    await organizer.press("🛠 组织者邀请码")
    card = organizer.last_reply
    link = LINK.search(card.text).group(0)
    assert card.document is not None and card.document["mime_type"] == "image/png"
    assert await organizer.download(card) == qr_png(link)
    share = dict(card.buttons[0])["📤 转发邀请"]
    query = parse_qs(urlsplit(share).query)
    assert share.startswith("https://t.me/share/url?") and query["url"] == [link]
    assert "请点开链接，按提示登记参加" in query["text"][0]
    await organizer.press("🚫 作废此邀请码", card)
    revoked = organizer.last_reply
    assert revoked.message_id == card.message_id  # the caption edited in place
    assert "已作废" in revoked.text and "📤 转发邀请" not in revoked.button_labels()


async def test_cancelling_the_label_prompt(harness):
    organizer = harness.organizer()
    await organizer.send("/invite")
    await organizer.press("🏢 单位邀请码")
    await organizer.press("✖️ 取消")
    assert "邀请码管理" in organizer.last_reply.text
    await organizer.send("截止时间")  # a question, not a unit name
    assert "邀请码：" not in organizer.last_reply.text
    assert await rows(harness, Invite) == []


async def test_district_and_organizer_codes(harness):
    organizer = harness.organizer()
    await organizer.send("/invite")
    await organizer.press("🗺 区级邀请码")
    assert "龙岗区直机关工委" in organizer.last_reply.button_labels()
    await organizer.press("龙岗区直机关工委")
    card = organizer.last_reply.text
    assert "区级邀请码" in card and "申报渠道：龙岗区直机关工委" in card
    await organizer.send("/invite")
    await organizer.press("🛠 组织者邀请码")
    card = organizer.last_reply.text
    assert "组织者邀请码" in card and "只能使用一次" in card
    code = LINK.search(card).group(1)
    await harness.user(1001).send(f"/start {code}")
    await organizer.send("/invite")
    await organizer.press("📋 邀请码列表")
    listing = organizer.last_reply.text
    assert "组织者 · — · 使用 1 次 · 已使用" in listing
    assert "区级 · 龙岗区直机关工委 · 使用 0 次 · 有效" in listing


async def test_revoking_a_code_and_expiry_in_the_list(harness):
    organizer = harness.organizer()
    await organizer.send("/invite")
    await organizer.press("🏢 单位邀请码")
    await organizer.send("深圳市某某局")
    code = LINK.search(organizer.last_reply.text).group(1)
    await organizer.press("🚫 作废此邀请码")
    assert "已作废，这个邀请码不能再使用" in organizer.last_reply.text
    assert "🚫 作废此邀请码" not in organizer.last_reply.button_labels()
    user = harness.user(1001)
    await user.send(f"/start {code}")
    assert "已被市直机关工委作废" in user.last_reply.text
    assert await rows(harness, Unit) == []

    await organizer.send("/invite")
    await organizer.press("🏢 单位邀请码")
    await organizer.send("深圳市另一局")
    harness.at(datetime(2024, 9, 1, 9, 0, tzinfo=BEIJING))
    await organizer.send("/invite")
    await organizer.press("📋 邀请码列表")
    listing = organizer.last_reply.text
    assert "深圳市另一局 · 使用 0 次 · 已过期" in listing
    assert "深圳市某某局 · 使用 0 次 · 已作废" in listing
    newest = organizer.last_reply.buttons[0][0][0]  # newest first: 深圳市另一局
    await organizer.press(newest)
    assert "已于 2024年8月30日（周五）10:00 过期" in organizer.last_reply.text


async def test_the_list_pages(harness):
    organizer = harness.organizer()
    for _ in range(10):
        await organizer.send("/invite")
        await organizer.press("🛠 组织者邀请码")
    await organizer.send("/invite")
    await organizer.press("📋 邀请码列表")
    assert "共 10 个，第 1/2 页" in organizer.last_reply.text
    await organizer.press("下一页 ➡️")
    assert "第 2/2 页" in organizer.last_reply.text
    assert "9. " in organizer.last_reply.text and "10. " in organizer.last_reply.text
    await organizer.press("⬅️ 上一页")
    assert "第 1/2 页" in organizer.last_reply.text


@pytest.mark.parametrize(
    "data",
    [
        "inv:home",
        "inv:unit",
        "inv:cancel",
        "inv:district",
        "inv:d:futian",
        "inv:org",
        "inv:list:0",
        "inv:show:1",
        "inv:rv:1",
        "inv:pending",
        "inv:ok:1",
    ],
)
async def test_every_invite_button_refuses_a_non_organizer(harness, data):
    organizer = harness.organizer()
    await organizer.send("/invite")
    await organizer.press("🛠 组织者邀请码")
    user = harness.user(1001)
    toast = await forge(harness, user, data)
    assert "仅组织者可用" in toast["text"]
    assert "这项功能仅供大赛组织者使用" in user.last_reply.text
    invite = (await rows(harness, Invite))[0]
    assert (len(await rows(harness, Invite)), invite.revoked) == (1, False)
    assert await rows(harness, FormProgress) == []


async def test_the_invite_command_refuses_a_non_organizer(harness):
    user = harness.user(1001)
    await user.send("/invite")
    assert "这项功能仅供大赛组织者使用" in user.last_reply.text


async def test_a_typed_label_is_refused_once_the_right_is_gone(harness):
    user = harness.user(1001)
    await user.send("/start")
    async with services_of(harness.app).sessions() as session:
        person = (await session.exec(select(Person))).one()
        person.is_organizer = True
        session.add(person)
        await session.commit()
    await user.send("/invite")
    await user.press("🏢 单位邀请码")
    async with services_of(harness.app).sessions() as session:
        person = (await session.exec(select(Person))).one()
        person.is_organizer = False
        session.add(person)
        await session.commit()
    await user.send("深圳市某某局")
    assert "这项功能仅供大赛组织者使用" in user.last_reply.text
    assert await rows(harness, Invite) == []
    assert await rows(harness, FormProgress) == []
