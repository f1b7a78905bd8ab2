"""Judging in the console, in headless Chromium: a judge logs in from the bot and scores at a
desk (case left, form right, next/previous), is refused a case of their own unit; the
organizer sees the progress, proposes, confirms and downloads the score sheet."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.async_api import Page, expect
from sqlmodel import select

from config.services import services_of
from storage.models import Advancement, JudgeScore
from tests.channels.console.conftest import LINK, login_link
from tests.delivery.world import COMPLETE, CaseSpec, add_unit
from tests.flows.test_judging import DURING_REVIEW, invite
from tests.sandbox.browser import launch_chromium, requires_chromium

pytestmark = [requires_chromium, pytest.mark.browser, pytest.mark.database]
expect.set_options(timeout=20_000)


def _case(title: str) -> CaseSpec:
    return CaseSpec(dict(COMPLETE, title=title), submitted=True)


async def _download(page: Page, selector: str) -> bytes:
    async with page.expect_download() as info:
        await page.click(selector)
    return Path(await (await info.value).path()).read_bytes()


async def test_a_judge_scores_in_the_browser_and_the_organizer_confirms(console, tmp_path):
    console.at(DURING_REVIEW)
    a = await add_unit(console, party_org="甲局党委", contacts=[4001],
                       cases=[_case("甲局案例一"), _case("甲局案例二")])  # fmt: skip
    b = await add_unit(console, party_org="乙局党委", contacts=[4002], cases=[_case("乙局案例")])
    code = await invite(console)
    judge = console.user(4002)  # a contact person of 乙局: its case is never theirs to judge
    await judge.send(f"/start {code}")
    assert "分配给您的案例：2 个" in judge.last_reply.text
    await judge.send("/judge")
    await judge.press("💻 在电脑上评分")
    judge_link = LINK.search(judge.last_reply.text).group(1)
    organizer_link = await login_link(console)

    async with launch_chromium() as browser:
        context = await browser.new_context(viewport={"width": 1280, "height": 900},
                                            accept_downloads=True)  # fmt: skip
        page = await context.new_page()
        await page.goto(judge_link)
        await page.click("#login")
        await expect(page.locator("h1")).to_have_text("我的评审")
        await expect(page.locator("a.judge-case")).to_have_count(2)
        await expect(page.locator("body")).not_to_contain_text("乙局案例")
        await page.click("a.judge-case >> nth=0")
        await expect(page.locator("#case-text h1")).to_contain_text("甲局案例一")
        await expect(page.locator("#case-unit")).to_have_text("甲局党委")
        await expect(page.locator("#case-text")).to_contain_text(COMPLETE["background"])
        box_text = await page.locator("#case-text").bounding_box()
        box_form = await page.locator("#score-form").bounding_box()
        assert box_text["x"] < box_form["x"]  # the case on the left, the form on the right
        await page.fill("#score-score", "120")
        await page.click("#submit-score")
        await expect(page.locator("#problem")).to_contain_text("分数要在 0 到 100 之间")
        await page.fill("#score-score", "88.5")
        await page.fill("#comment", "材料扎实")
        await page.click("#submit-score")
        await expect(page.locator("#saved")).to_contain_text("88.5 分")
        await page.screenshot(path=tmp_path / "judge.png", full_page=True)
        await page.click("#next")
        await expect(page.locator("#case-text h1")).to_contain_text("甲局案例二")
        await page.fill("#score-score", "76")
        await page.click("#submit-score")
        await expect(page.locator("#saved")).to_contain_text("76 分")
        await page.click("#previous")
        await expect(page.locator("#score-score")).to_have_value("88.5")

        origin = judge_link.split("/console/")[0]
        (judge_id,) = re.findall(r"/judge/(\d+)/", await page.content())[:1]
        refused = await page.goto(f"{origin}/console/judge/{judge_id}/{b.case_ids[0]}")
        assert refused.status == 403
        await expect(page.locator("#refused")).to_contain_text("本单位")
        organizers_page = await page.goto(f"{origin}/console/")
        assert organizers_page.status == 401  # a judge's session opens no organizer page

        admin = await browser.new_context(accept_downloads=True)
        page = await admin.new_page()
        await page.goto(organizer_link)
        await page.click("#login")
        await page.click("nav >> text=评审")
        await page.click("a.judged-stage >> text=文本评审")
        await expect(page.locator("#progress tbody tr")).to_have_count(1)
        await expect(page.locator("#progress tbody tr")).to_contain_text("评委1")
        await expect(page.locator("#ranking tr.rank-row")).to_have_count(3)
        first = page.locator(f"tr.rank-row[data-case='{a.case_ids[0]}']")
        await expect(first.locator(".score")).to_have_text("88.5")
        await page.click("#propose")
        await expect(first.locator(".proposed")).to_have_text("晋级")
        await page.click("#confirm")
        await expect(page.locator("#confirmed")).to_contain_text("已确认：2 个案例")
        data = await _download(page, "#export-scores")
        rows = list(load_workbook(io.BytesIO(data))["发展提质"].iter_rows(values_only=True))
        cells = {r[1]: dict(zip(rows[0], r, strict=True)) for r in rows[1:]}
        assert cells["甲局案例一"]["评委1·评分"] == 88.5 and cells["甲局案例一"]["名次"] == 1
        assert cells["甲局案例二"]["得分"] == 76 and cells["乙局案例"]["得分"] is None
        assert cells["甲局案例一"]["结果"] == "晋级"

    async with services_of(console.app).sessions() as session:
        scores = (await session.exec(select(JudgeScore))).all()
        marks = (await session.exec(select(Advancement))).all()
    assert sorted(s.scores["score"] for s in scores) == ["76", "88.5"]
    assert {m.case_id for m in marks} == set(a.case_ids)
