"""Blind review in the console (the other city's contest): the judge's page shows the
project's text and no unit, no people; a POST without the CSRF token scores nothing."""

from __future__ import annotations

import re
from datetime import datetime

import aiohttp
import pytest
from sqlmodel import select

from config.services import services_of
from contest.definition import load_contest
from storage.models import JudgeScore
from tests.channels.console.conftest import LINK
from tests.channels.console.test_security import _csrf, _login
from tests.conftest import BEIJING, CONTESTS
from tests.delivery.world import CaseSpec, add_unit
from tests.flows.test_judging import invite

pytestmark = pytest.mark.database


@pytest.fixture
def contest():
    """The other city's contest: its preliminary review is blind."""
    return load_contest(CONTESTS / "donghu-2026.toml")


async def test_the_blind_judges_page_hides_the_unit_and_people(console):
    console.at(datetime(2026, 4, 10, 10, 0, tzinfo=BEIJING))
    values = {
        "category": console.contest.categories[0].key,
        "title": "社区议事厅",
        "lead_name": "王小明",
        "lead_mobile": "13912345678",
        "summary": "居民议事，事事有回音。",
    }
    made = await add_unit(console, party_org="东湖街道党工委", contacts=[4101],
                          cases=[CaseSpec(values, submitted=True)])  # fmt: skip
    code = await invite(console, category=console.contest.categories[0].name, stage="项目评审初选")
    judge = console.user(5101)
    await judge.send(f"/start {code}")
    await judge.send("/judge")
    await judge.press("💻 在电脑上评分")
    link = LINK.search(judge.last_reply.text).group(1)
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as client:
        home = await _login(client, link)
        html = await home.text()
        assert "我的评审" in html and "社区议事厅" in html
        (path,) = set(re.findall(r'href="(/console/judge/\d+/\d+)"', html))
        assert path.endswith(f"/{made.case_ids[0]}")
        async with client.get(console.server.url + path) as page:
            html = await page.text()
        assert "居民议事，事事有回音。" in html and "匿名评审" in html
        for hidden in ("东湖街道党工委", "王小明", "13912345678"):
            assert hidden not in html
        assert "创新程度（0–30）" in html and "思路新、举措实" in html
        scores = {"score-novelty": "25", "score-impact": "30", "score-reach": "15",
                  "score-writing": "8"}  # fmt: skip
        async with client.post(console.server.url + path, data=scores) as forged:
            assert forged.status == 403
        async with client.post(
            console.server.url + path, data={**scores, "csrf": _csrf(html)}
        ) as saved:
            assert saved.status == 200 and "已提交评分：78 分（满分 100）" in await saved.text()
    async with services_of(console.app).sessions() as session:
        (row,) = (await session.exec(select(JudgeScore))).all()
    assert row.scores == {"novelty": "25", "impact": "30", "reach": "15", "writing": "8"}
