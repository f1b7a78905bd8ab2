"""Judging on 企业微信 (issues 11 and 15): the same use cases as on Telegram, through the
企业微信 sandbox — an organizer makes a judge code with /judging, a judge joins with it,
scores one case with a card button and one with a typed number, comments, confirms, and
the organizer sees the ranking; a typed score out of range keeps the judge where they were.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import aiohttp
import pytest
from sqlmodel import select

from config.services import services_of
from sandbox.wecom.server import WecomSandboxServer
from storage.models import JudgeScore
from tests.channels.wecom.bot import WecomBot, press, say, wecom_settings
from tests.delivery.world import add_unit
from tests.flows.test_judging import DURING_REVIEW, case
from tests.harness import Harness

pytestmark = pytest.mark.database
CODE = re.compile(r"邀请码：([A-Z0-9]{8})")


@pytest.fixture
def harness_options(wecom: WecomSandboxServer) -> dict[str, object]:
    """Run the bot with its 企业微信 channel on the sandbox; Boss is an organizer."""
    return wecom_settings(wecom, wecom_organizer_ids=["Boss"])


@pytest.fixture
async def bot(
    harness: Harness, wecom: WecomSandboxServer, http: aiohttp.ClientSession
) -> AsyncIterator[WecomBot]:
    """Return the bot as 企业微信 members see it."""
    yield WecomBot(harness, wecom, http)


async def test_a_judge_scores_on_wecom_with_buttons_and_typed_numbers(
    harness: Harness, bot: WecomBot
) -> None:
    harness.at(DURING_REVIEW)
    await add_unit(harness, party_org="甲局", contacts=[4001], cases=[case("甲一"), case("甲二")])
    boss = bot.user("boss")
    await boss.enter()
    answer = await say(boss, "/judging")
    assert "文本评审" in answer
    await press(boss, "文本评审")
    await press(boss, f"🎟 邀请{harness.contest.terms.judge}")
    answer = await press(boss, "发展提质")
    match = CODE.search(answer)
    assert match, answer

    judge = bot.user("pingwei")
    await judge.enter()
    answer = await say(judge, match.group(1))
    assert "您已成为「文本评审」评委" in answer and "分配给您的案例：2 个" in answer
    answer = await say(judge, "/judge")
    assert "已评 0/2 个案例" in answer
    answer = await press(judge, "📝 去评分")
    assert "甲一" in answer
    answer = await press(judge, "📝 开始评分")
    assert "满分 100" in answer
    answer = await say(judge, "120")  # out of range: said, and the judge stays there
    assert "分数要在 0 到 100 之间" in answer
    answer = await say(judge, "85.5")
    assert "评语" in answer
    answer = await say(judge, "思路清晰，成效可查")
    assert "请核对评分" in answer
    answer = await press(judge, "✅ 确认提交")
    assert "已提交" in answer and "85.5" in answer

    answer = await press(judge, "➡️ 下一个")
    assert "甲二" in answer
    await press(judge, "📝 开始评分")
    await press(judge, "90")
    await press(judge, "⏭ 不写评语")
    answer = await press(judge, "✅ 确认提交")
    assert "已全部评完" in answer

    async with services_of(harness.app).sessions() as session:
        scores = list((await session.exec(select(JudgeScore))).all())
    assert sorted(s.scores["score"] for s in scores) == ["85.5", "90"]
    assert all(s.confirmed_at is not None for s in scores)
    assert any(s.comment == "思路清晰，成效可查" for s in scores)

    await say(boss, "/judging")
    await press(boss, "文本评审")
    answer = await press(boss, "📊 排名")
    assert "1. 《甲二》 90 分（1 位）" in answer and "2. 《甲一》 85.5 分（1 位）" in answer
    plain = bot.user("zhangsan")
    await plain.enter()
    answer = await say(plain, "/judging")
    assert "这项功能仅供大赛组织者使用" in answer
