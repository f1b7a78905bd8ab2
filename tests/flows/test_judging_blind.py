"""Blind review in the other city's contest: the judge's view hides units and people."""

from __future__ import annotations

from datetime import datetime

import pytest

from contest.definition import load_contest
from tests.conftest import BEIJING, CONTESTS
from tests.delivery.world import CaseSpec, add_unit
from tests.flows.test_judging import invite


@pytest.fixture
def contest():
    """The other city's contest: blind review, criteria, trimmed mean, a total quota."""
    return load_contest(CONTESTS / "donghu-2026.toml")


async def test_blind_review_hides_the_unit_and_people_from_the_judge(harness):
    harness.at(datetime(2026, 4, 10, 10, 0, tzinfo=BEIJING))
    values = {
        "category": harness.contest.categories[0].key,
        "title": "社区议事厅",
        "lead_name": "王小明",
        "lead_mobile": "13912345678",
        "summary": "居民议事，事事有回音。",
    }
    await add_unit(harness, party_org="东湖街道党工委", contacts=[4101],
                   cases=[CaseSpec(values, submitted=True)])  # fmt: skip
    code = await invite(harness, category=harness.contest.categories[0].name, stage="项目评审初选")
    judge = harness.user(5101)
    await judge.send(f"/start {code}")
    assert "您已成为「项目评审初选」评审专家" in judge.last_reply.text
    await judge.send("/judge")
    await judge.press("📝 去评分")
    text = judge.last_reply.text
    assert "社区议事厅" in text and "匿名评审" in text and "居民议事，事事有回音" in text
    assert "东湖街道党工委" not in text and "王小明" not in text and "13912345678" not in text
    await judge.press("📝 开始评分")
    assert "第 1/4 项：创新程度（满分 30）" in judge.last_reply.text
    assert "思路新、举措实" in judge.last_reply.text
