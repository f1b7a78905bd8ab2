"""/stats and /export through the sandbox, and the drill-down from /status."""

from __future__ import annotations

import io
import zipfile

import pytest
from docx import Document
from openpyxl import load_workbook

from handlers.chart_font import cjk_font
from tests.channels.console.world import (
    DRAFT_TITLE,
    EVIDENCE,
    SECOND_TITLE,
    SUBMITTED_TITLE,
    build_world,
)

pytestmark = pytest.mark.database
PNG = b"\x89PNG\r\n\x1a\n"


def test_the_chart_font_is_a_cjk_font():
    path = cjk_font().get_file()
    assert "CJK" in path or "WenQuanYi" in path or "SourceHan" in path, path
    from matplotlib.font_manager import get_font

    font = get_font(path)
    assert font.get_char_index(ord("案")) != 0  # the font has the glyphs of the labels


async def test_stats_replies_with_a_summary_and_a_png_chart(harness):
    await build_world(harness)
    organizer = harness.organizer()
    await organizer.send("/start")
    mark = organizer.mark()
    await organizer.send("/stats")
    replies = organizer.replies_since(mark)
    text = replies[0].text
    assert "参赛单位 2 个" in text
    assert "发展提质：已提交 1 个，草稿 0 个" in text
    assert "正风增效：已提交 0 个，草稿 1 个" in text
    assert "合计：已提交 2 个，草稿 1 个" in text
    chart = replies[-1]
    assert chart.document["file_name"].endswith(".png")
    data = await organizer.download(chart)
    assert data.startswith(PNG)


async def test_a_contact_person_gets_no_stats_and_no_export(harness):
    user = harness.user(1001)
    await user.send("/start")
    for command in ("/stats", "/export"):
        mark = user.mark()
        await user.send(command)
        replies = user.replies_since(mark)
        assert all(r.document is None for r in replies)
        assert "仅供大赛组织者使用" in replies[-1].text


async def test_export_sends_both_workbooks_and_the_documents(harness):
    world = await build_world(harness)
    organizer = harness.organizer()
    await organizer.send("/start")
    mark = organizer.mark()
    await organizer.send("/export")
    replies = organizer.replies_since(mark)
    files = {r.document["file_name"]: r for r in replies if r.document}
    assert len(files) == 3
    assert "导出完成" in replies[0].text  # the progress message, edited at the end
    units_name = next(n for n in files if n.startswith("单位与联系人"))
    book = load_workbook(io.BytesIO(await organizer.download(files[units_name])))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][:3] == ("单位编号", "党组织名称", "推荐单位")
    assert {(r[2], r[7], r[10]) for r in rows[1:]} == {
        ("深圳市甲局", "张三", "13800138000"),
        ("深圳市乙局", "张三", "13800138000"),
    }
    cases_name = next(n for n in files if n.startswith("案例汇总"))
    book = load_workbook(io.BytesIO(await organizer.download(files[cases_name])))
    assert book.sheetnames == ["汇总", "发展提质", "正风增效", "党建赋能"]
    summary = list(book["汇总"].iter_rows(values_only=True))
    assert summary[-1] == ("合计", 1, 2, 3)
    sheet = list(book["党建赋能"].iter_rows(values_only=True))
    head, row = sheet[0], sheet[1]
    assert row[head.index("案例名称")] == SECOND_TITLE
    assert row[head.index("案例编号")] == world.second
    assert row[head.index("状态")] == "已提交"
    assert row[head.index("牵头人姓名")] == "李四"
    assert "全国首创" in row[head.index("案例背景")]
    draft = list(book["正风增效"].iter_rows(values_only=True))[1]
    assert draft[head.index("案例名称")] == DRAFT_TITLE
    assert "未填写" in draft[head.index("待补充")]
    zip_name = next(n for n in files if n.endswith(".zip"))
    archive = zipfile.ZipFile(io.BytesIO(await organizer.download(files[zip_name])))
    assert sorted(archive.namelist()) == [
        f"党建赋能-深圳市乙局-{SECOND_TITLE}.docx",
        f"发展提质-深圳市甲局-{SUBMITTED_TITLE}.docx",
    ]
    document = Document(io.BytesIO(archive.read(f"发展提质-深圳市甲局-{SUBMITTED_TITLE}.docx")))
    text = "\n".join(p.text for p in document.paragraphs)
    assert f"案例名称：{SUBMITTED_TITLE}" in text and "牵头人姓名：李四" in text
    assert EVIDENCE not in text


async def test_status_opens_a_unit_and_a_case_with_its_docx(harness):
    world = await build_world(harness)
    organizer = harness.organizer()
    await organizer.send("/start")
    await organizer.send("/status")
    await organizer.press("🔎 查看单位与案例")
    await organizer.press("深圳市乙局")
    unit = organizer.last_reply.text
    assert "张三" in unit and "13800138000" in unit and "已提交 1 个，草稿 1 个" in unit
    mark = organizer.mark()
    await organizer.press(f"#{world.second} {SECOND_TITLE}")
    replies = organizer.replies_since(mark)
    assert any(f"案例名称：{SECOND_TITLE}" in r.text for r in replies)
    (docx,) = [r for r in replies if r.document]
    assert docx.document["file_name"] == f"党建赋能-深圳市乙局-{SECOND_TITLE}.docx"
