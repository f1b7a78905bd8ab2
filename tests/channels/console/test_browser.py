"""The console in headless Chromium: log in through the bot's link, open every page,
filter the case table, open a case, download every export and read them back."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook
from playwright.async_api import Page, expect

from tests.channels.console.conftest import login_link
from tests.channels.console.world import (
    DRAFT_TITLE,
    EVIDENCE,
    SECOND_TITLE,
    SUBMITTED_TITLE,
    build_world,
    close_submission,
)
from tests.sandbox.browser import launch_chromium, requires_chromium

pytestmark = [requires_chromium, pytest.mark.browser, pytest.mark.database]
expect.set_options(timeout=20_000)  # waits, not sleeps: a slow CI machine still passes


async def _download(page: Page, selector: str) -> tuple[str, bytes]:
    async with page.expect_download() as info:
        await page.click(selector)
    download = await info.value
    return download.suggested_filename, Path(await download.path()).read_bytes()


def _docx_text(data: bytes) -> str:
    return "\n".join(p.text for p in Document(io.BytesIO(data)).paragraphs)


async def test_an_organizer_reads_and_exports_everything_in_the_browser(console, tmp_path):
    world = await build_world(console)
    assert await close_submission(console) == 2
    link = await login_link(console)
    async with launch_chromium() as browser:
        context = await browser.new_context(
            viewport={"width": 1280, "height": 900}, accept_downloads=True
        )
        page = await context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        await page.goto(link)
        await page.click("#login")
        await expect(page.locator("h1")).to_have_text("总览")
        await expect(page.locator("#total-submitted")).to_have_text("2")
        await expect(page.locator("#total-drafts")).to_have_text("1")
        await expect(page.locator("#by-category tbody tr").first).to_contain_text("发展提质")
        await expect(page.locator("#next-deadline")).to_contain_text("文本评审")
        await page.wait_for_function("() => document.querySelector('#chart').naturalWidth > 0")
        origin = link.split("/console/")[0]
        chart = await page.request.get(origin + "/console/chart.png")
        assert chart.ok and (await chart.body()).startswith(b"\x89PNG")
        await page.screenshot(path=tmp_path / "overview.png", full_page=True)  # for a person

        await page.click("nav >> text=单位")
        await expect(page.locator("#units tbody tr")).to_have_count(2)
        await page.fill("input[name=q]", "乙局")
        await page.click("form.filters button")
        await expect(page.locator("#units tbody tr")).to_have_count(1)
        await expect(page.locator("#units")).to_contain_text("13800138000")
        await page.click("#units tbody a")
        await expect(page.locator("h1")).to_have_text("深圳市乙局")
        await expect(page.locator("#cases tbody tr")).to_have_count(2)

        await page.click("nav >> text=案例")
        await expect(page.locator("#cases tbody tr.case-row")).to_have_count(3)
        await page.select_option("#filter-category", label="党建赋能")
        await page.click("#filter-apply")
        await expect(page.locator("#cases tbody tr.case-row")).to_have_count(1)
        await page.select_option("#filter-category", value="")
        await page.select_option("#filter-status", value="draft")
        await page.click("#filter-apply")
        await expect(page.locator("#cases tbody tr.case-row")).to_have_count(1)
        await expect(page.locator("#cases")).to_contain_text(DRAFT_TITLE)
        await expect(page.locator("#cases")).to_contain_text("未填写")
        await page.select_option("#filter-status", value="")
        await page.fill("#filter-q", "作风")
        await page.click("#filter-apply")
        await expect(page.locator("#cases tbody tr.case-row")).to_have_count(1)
        await page.click(f"a.case-title >> text={SECOND_TITLE}")
        await expect(page.locator("h1")).to_contain_text(SECOND_TITLE)
        await expect(page.locator("#document")).to_contain_text(f"案例名称：{SECOND_TITLE}")
        await expect(page.locator(".hit.ok")).to_contain_text(EVIDENCE)
        await expect(page.locator("#team")).to_contain_text("王五")
        await expect(page.locator("#team")).to_contain_text("符合")
        await expect(page.locator(".revision")).to_have_count(2)  # the submission, the copy
        await page.screenshot(path=tmp_path / "case.png", full_page=True)
        name, data = await _download(page, "#case-docx")
        assert name == f"党建赋能-深圳市乙局-{SECOND_TITLE}.docx"
        assert f"案例名称：{SECOND_TITLE}" in _docx_text(data)

        await page.click("nav >> text=通知")
        await expect(page.locator("h1")).to_have_text("通知")

        await page.click("nav >> text=导出")
        name, data = await _download(page, "#export-units")
        assert name.startswith("单位与联系人") and name.endswith(".xlsx")
        rows = list(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))
        assert sorted(r[2] for r in rows[1:]) == ["深圳市乙局", "深圳市甲局"]
        name, data = await _download(page, "#export-cases")
        book = load_workbook(io.BytesIO(data))
        assert book.sheetnames == ["汇总", "发展提质", "正风增效", "党建赋能"]
        first = list(book["发展提质"].iter_rows(values_only=True))
        assert first[1][first[0].index("案例名称")] == SUBMITTED_TITLE
        assert first[1][first[0].index("案例编号")] == world.submitted
        name, data = await _download(page, "#export-documents")
        archive = zipfile.ZipFile(io.BytesIO(data))
        assert sorted(archive.namelist()) == [
            f"党建赋能-深圳市乙局-{SECOND_TITLE}.docx",
            f"发展提质-深圳市甲局-{SUBMITTED_TITLE}.docx",
        ]
        for member in archive.namelist():
            assert member.rsplit("-", 1)[-1][:-5] in _docx_text(archive.read(member))
        name, data = await _download(page, ".export-stage")
        assert "文本申报截止时" in name
        copies = zipfile.ZipFile(io.BytesIO(data))
        assert len(copies.namelist()) == 2
        assert "全国首创" in _docx_text(copies.read(f"党建赋能-深圳市乙局-{SECOND_TITLE}.docx"))

        await page.click("nav >> text=操作记录")
        await expect(page.locator("#audit tbody tr")).to_have_count(6)  # login, 5 exports
        await expect(page.locator("#audit tbody tr").last).to_contain_text("登录控制台")

        await page.set_viewport_size({"width": 390, "height": 844})  # a phone
        await page.click("nav >> text=案例")
        await expect(page.locator("#cases tbody tr.case-row")).to_have_count(3)
        await page.screenshot(path=tmp_path / "cases-phone.png", full_page=True)
        await page.click("button >> text=退出")
        await expect(page.locator("h1")).to_have_text("已退出")
        await page.goto(link.split("/login")[0] + "/")
        await expect(page.locator("h1")).to_have_text("请登录")
        await context.close()
    assert errors == []
