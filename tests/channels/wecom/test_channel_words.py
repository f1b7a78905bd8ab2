"""Queued messages in each recipient's channel's words: the same notice, two channels.

An outbox row is written before it is sent, for people reached on Telegram and on 企业微信
alike; each row's text is rendered for its recipient's channel when it is written
(``messages.per_channel``), so a 企业微信 contact is never told to send a /command.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import datetime

import aiohttp
import pytest
from sqlmodel import select

from contest.definition import Contest, load_contest
from handlers.reminders import remind
from sandbox.wecom.server import WecomSandboxServer
from storage.db import transaction
from storage.models import Account, OutboxMessage, Unit, UnitStatus
from storage.people import get_person
from tests.channels.wecom.bot import WecomBot, say, texts, wecom_settings
from tests.conftest import BEIJING, DEFAULT_CONTEST
from tests.delivery.world import CaseSpec, add_unit, services, worker
from tests.harness import Harness

pytestmark = pytest.mark.database

COMMAND = re.compile(r"(?<![A-Za-z0-9:/.<])/[a-z]{2,}\b")  # a /command, not a </tag>


@pytest.fixture(scope="module")
def contest() -> Contest:
    """Return the 2024 contest with open registration (units wait for confirmation)."""
    base = load_contest(DEFAULT_CONTEST)
    registration = base.registration.model_copy(update={"mode": "open"})
    return base.model_copy(update={"registration": registration})


@pytest.fixture
def harness_options(wecom: WecomSandboxServer) -> dict[str, object]:
    """Run both channels in one bot: Telegram's sandbox and 企业微信's."""
    return wecom_settings(wecom)


@pytest.fixture
async def bot(
    harness: Harness, wecom: WecomSandboxServer, http: aiohttp.ClientSession
) -> AsyncIterator[WecomBot]:
    """Return the bot as 企业微信 members see it."""
    yield WecomBot(harness, wecom, http)


async def _unit_with_a_contact_on_each_channel(harness: Harness, bot: WecomBot, **unit) -> int:
    """Write a unit whose contacts are Telegram user 1002 and 企业微信 member lisi."""
    made = await add_unit(harness, contacts=[1002], **unit)
    member = bot.user("lisi")
    await say(member, "菜单")  # the member reaches the bot: a person with a 企业微信 account
    async with transaction(services(harness).sessions) as session:
        person = await get_person(session, channel="wecom", external_id="lisi")
        assert person is not None
        person.unit_id, person.name, person.profile_done = made.unit_id, "李四", True
        session.add(person)
    return made.unit_id


async def _rows_by_channel(harness: Harness, kind: str) -> dict[str, str]:
    async with services(harness).sessions() as session:
        found = await session.exec(
            select(Account.channel, OutboxMessage.text)
            .join(Account, Account.id == OutboxMessage.account_id)  # type: ignore[arg-type]
            .where(OutboxMessage.kind == kind)
        )
        return dict(found.all())


async def test_the_unit_confirmation_in_each_contacts_own_words(
    harness: Harness, bot: WecomBot
) -> None:
    unit_id = await _unit_with_a_contact_on_each_channel(harness, bot)
    async with transaction(services(harness).sessions) as session:
        unit = await session.get(Unit, unit_id)
        assert unit is not None
        unit.status = UnitStatus.PENDING
        session.add(unit)

    organizer = harness.organizer()
    await organizer.send("/invite")
    await organizer.press("⏳ 待确认单位（1）")
    button = next(b for b in organizer.last_reply.button_labels() if b.startswith("✅ 确认："))
    await organizer.press(button)
    assert "已确认" in organizer.last_reply.text

    rows = await _rows_by_channel(harness, "notice")
    assert sorted(rows) == ["telegram", "wecom"]
    await worker(harness).drain()

    telegram = harness.user(1002)
    await telegram.refresh()
    assert "已确认您单位的报名登记" in telegram.last_reply.text
    assert "发送 /start 打开主菜单" in telegram.last_reply.text

    member = bot.user("lisi")
    await member.refresh()
    said = texts(member.messages())
    assert "已确认您单位的报名登记" in said
    assert "发送“菜单”打开主菜单" in said
    assert not COMMAND.search(said) and not COMMAND.search(rows["wecom"])


async def test_a_reminder_reaches_both_contacts_of_a_unit(harness: Harness, bot: WecomBot) -> None:
    await _unit_with_a_contact_on_each_channel(harness, bot, cases=[CaseSpec(submitted=False)])
    sv = services(harness)
    stage = sv.contest.submission_stage
    harness.at(datetime(2024, 7, 8, 10, 0, tzinfo=BEIJING))  # the 7-day reminder's moment
    run = await remind(sv)
    assert run.written == 2
    rows = await _rows_by_channel(harness, "reminder")
    assert sorted(rows) == ["telegram", "wecom"]
    await worker(harness).drain()
    member = bot.user("lisi")
    await member.refresh()
    assert f"「{stage.name}」截止提醒" in texts(member.messages())


async def test_a_notices_attachment_reaches_wecom_as_a_file_uploaded_once(
    harness: Harness, bot: WecomBot, wecom: WecomSandboxServer
) -> None:
    members = [bot.user("lisi"), bot.user("wangwu")]
    for member in members:
        await member.enter()
    organizer = harness.organizer()
    await organizer.send("/broadcast")
    await organizer.upload("评审细则.pdf", b"%PDF-1.4 rules", mime_type="application/pdf")
    await organizer.send("请阅读附件中的评审细则。")
    await organizer.press("👥 全体用户")
    await organizer.press("✅ 确认发送")
    await worker(harness).drain()
    for member in members:
        await member.refresh()
        file, text, card = [m for m in member.messages() if m.from_bot][-3:]
        assert (file.kind, file.file_name) == ("file", "评审细则.pdf")
        assert await member.download(file) == b"%PDF-1.4 rules"
        assert "请阅读附件中的评审细则。" in text.text and "收不到附件" not in text.text
        assert ("✅ 已知悉" in [label for _key, label in card.buttons])
    uploads = [m for m in wecom.state.media.values() if m.file_name == "评审细则.pdf"]
    assert len(uploads) == 1  # uploaded once, sent to each


async def test_a_telegram_code_card_says_how_a_wecom_colleague_uses_it(
    harness: Harness, bot: WecomBot
) -> None:
    organizer = harness.organizer()
    await organizer.send("/invite")
    await organizer.press("🏢 单位邀请码")
    await organizer.send("深圳市某某局")
    card = organizer.last_reply.text
    assert "t.me/" in card and "在企业微信里的大赛应用中发送邀请码即可" in card
    code = card.split("单位邀请码：")[1].split()[0]
    assert "参赛单位登记 · 第 1/3 项" in await say(bot.user("lisi"), code)
