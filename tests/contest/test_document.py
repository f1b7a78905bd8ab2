"""The case document as .docx: the official layout, and reading filled-in files back."""

from __future__ import annotations

import io
import tomllib
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from contest.definition import Contest, load_contest
from contest.document import (
    MAX_BYTES,
    DocumentError,
    Properties,
    build_document,
    check_template,
    document_lines,
    document_text,
    layout,
    parse_document,
)

ROOT = Path(__file__).parents[2]
CONTESTS = ROOT / "contests"
TEMPLATE = (ROOT / "contest" / "templates" / "case.docx").read_bytes()
BUILT_BEFORE = Path(__file__).parent / "documents" / "built-before-the-template.docx"
NOW = datetime(2024, 7, 10, 1, 30, tzinfo=UTC)
SHANGHAI = ZoneInfo("Asia/Shanghai")
PROPERTIES = Properties(
    title="“一网通办”再提速", author="深圳市某某局", created=NOW.astimezone(SHANGHAI)
)
CONTEST = load_contest(CONTESTS / "jianbing-2024.toml")
CONTEST_2023 = load_contest(CONTESTS / "dangjian-2023.toml")
TODAY = date(2024, 7, 1)
VALUES = {
    "category": "conduct",
    "recommending_unit": "深圳市某某局",
    "title": "“一网通办”再提速",
    "lead_name": "李四",
    "lead_title": "二级主任科员",
    "lead_office_phone": "0755-88134324",
    "lead_mobile": "13900001111",
    "contact_name": "张三",
    "contact_title": "办公室副主任",
    "contact_office_phone": "0755-88134325转801",
    "contact_mobile": "13800138000",
    "background": "面对群众办事多头跑、材料反复交的问题，我局梳理高频事项。\n第二段：打通数据。",
    "innovations": ["建立数据共享机制", "再造审批流程\n实现一次办好", "打造统一入口"],
    "results": ["时限压缩一半", "满意度提升", "全市推广"],
    "reentered": False,
}
IN_DOCUMENT = {k: v for k, v in VALUES.items() if k != "reentered"}


def docx(*lines: str) -> bytes:
    document = Document()
    for line in lines:
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def read(*lines: str, contest: Contest = CONTEST):
    return parse_document(contest, docx(*lines), today=TODAY)


def build(contest: Contest, values: dict, *, note: str = "") -> bytes:
    return build_document(contest, values, template=TEMPLATE, properties=PROPERTIES, note=note)


def paragraphs(data: bytes) -> list[str]:
    return [p.text for p in Document(io.BytesIO(data)).paragraphs]


# --------------------------------------------------------------------------- layout


def test_the_layout_follows_the_official_template():
    shape = [
        (b.kind, [(cell.label, cell.full) for cell in b.cells], b.field and b.field.key)
        for b in layout(CONTEST)
    ]
    assert shape == [
        ("choice", [], "category"),
        ("cells", [("推荐单位", True)], None),
        ("cells", [("案例名称", True)], None),
        ("cells", [("牵头人姓名", True), ("职务", False)], None),
        ("cells", [("办公电话", False), ("手机", False)], None),
        ("cells", [("联系人姓名", True), ("职务", False)], None),
        ("cells", [("办公电话", False), ("手机", False)], None),
        ("long_text", [], "background"),
        ("list", [], "innovations"),
        ("list", [], "results"),
    ]


def test_the_2023_contest_has_its_own_categories():
    (line,) = [text for style, text in document_lines(CONTEST_2023, {}) if "案例类别" in text]
    assert line == "案例类别：□发展提质 □服务增效 □党建赋能"


def test_the_built_document_reads_like_the_notice_attachment():
    data = build(CONTEST, VALUES, note="注：字数不超过 3000 字。")
    assert paragraphs(data) == [
        "2024年深圳市“尖兵杯”工作创新大赛参赛案例说明书",
        "案例类别：□发展提质 ☑正风增效 □党建赋能",
        "推荐单位：深圳市某某局",
        "案例名称：“一网通办”再提速",
        "牵头人姓名：李四\t职务：二级主任科员",
        "办公电话：0755-88134324\t手机：13900001111",
        "联系人姓名：张三\t职务：办公室副主任",
        "办公电话：0755-88134325转801\t手机：13800138000",
        "案例背景：",
        "面对群众办事多头跑、材料反复交的问题，我局梳理高频事项。",
        "第二段：打通数据。",
        "案例创新点：",
        "1. 建立数据共享机制",
        "2. 再造审批流程",
        "实现一次办好",
        "3. 打造统一入口",
        "案例取得的成果（或预期成效）：",
        "1. 时限压缩一半",
        "2. 满意度提升",
        "3. 全市推广",
        "注：字数不超过 3000 字。",
    ]


def test_an_empty_draft_exports_the_blank_template():
    texts = paragraphs(build(CONTEST, {}))
    assert texts[1] == "案例类别：□发展提质 □正风增效 □党建赋能"
    assert "牵头人姓名：\t职务：" in texts
    assert texts[-3:] == ["1.", "2.", "3."]


def _style_fonts(style) -> str | None:
    """Return the East Asian font a paragraph style names, looking through its bases."""
    while style is not None:
        r_pr = style.element.rPr
        if r_pr is not None and r_pr.rFonts is not None:
            east_asia = r_pr.rFonts.get(qn("w:eastAsia"))
            if east_asia:
                return east_asia
        style = style.base_style
    return None


def _font_fallbacks(document) -> dict[str, str]:
    parts = document.part.package.iter_parts()
    part = next(p for p in parts if p.partname == "/word/fontTable.xml")
    table = etree.fromstring(part.blob)
    fallbacks = {}
    for font in table.iter(qn("w:font")):
        alternative = font.find(qn("w:altName"))
        if alternative is not None:
            fallbacks[font.get(qn("w:name"))] = alternative.get(qn("w:val"))
    return fallbacks


def test_the_page_is_a4_with_the_official_margins():
    (section,) = Document(io.BytesIO(build(CONTEST, VALUES))).sections
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    margins = (section.top_margin, section.bottom_margin, section.left_margin, section.right_margin)
    assert [round(m.mm) for m in margins] == [37, 35, 28, 26]
    assert "PAGE" in section.footer._element.xml  # the page number


def test_the_title_and_body_fonts_are_named_with_their_fallbacks():
    document = Document(io.BytesIO(build(CONTEST, VALUES, note="注：x")))
    title, category, *rest = document.paragraphs
    assert title.style.name == "Title" and title.alignment is None  # centred by its style
    assert title.style.paragraph_format.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert _style_fonts(title.style) == "方正小标宋简体"
    body = next(p for p in rest if p.text == "第二段：打通数据。")
    assert body.style.name == "Normal" and _style_fonts(body.style) == "仿宋_GB2312"
    assert body.style.font.size == Pt(16)  # 三号
    assert body.style.paragraph_format.first_line_indent == Pt(32)
    assert body.style.element.pPr.ind.get(qn("w:firstLineChars")) == "200"  # two characters
    label = next(p for p in rest if p.text == "案例背景：")
    assert label.style.name == "Heading 1"
    fallbacks = _font_fallbacks(document)
    assert fallbacks["方正小标宋简体"] == "宋体" and fallbacks["仿宋_GB2312"] == "仿宋"
    # No run carries its own font or size: an organizer's template decides the look.
    assert all(run._element.rPr is None for p in document.paragraphs for run in p.runs)


def test_the_file_properties_name_the_case_and_the_unit():
    properties = Document(io.BytesIO(build(CONTEST, VALUES))).core_properties
    assert properties.title == "“一网通办”再提速"
    assert properties.author == properties.last_modified_by == "深圳市某某局"
    assert properties.created == properties.modified == NOW  # stored in UTC
    assert properties.comments == "" and properties.revision == 1
    assert properties.subject == CONTEST.name


def test_the_note_keeps_its_words_and_the_count_has_its_own_line():
    note = f"{CONTEST.forms.case.note}\n\n（本说明书正文共 321 字）\n"
    document = Document(io.BytesIO(build(CONTEST, VALUES, note=note)))
    *_, official, count = document.paragraphs
    assert official.text == "注：本《说明书》仅供参考，请按要求在网上申报案例，字数不超过3000字。"
    assert count.text == "（本说明书正文共 321 字）"
    assert official.style.name == count.style.name == "说明书注"


def test_an_organizers_own_template_keeps_its_look_and_loses_its_text():
    own = Document(io.BytesIO(TEMPLATE))
    own.styles["Normal"].element.rPr.rFonts.set(qn("w:eastAsia"), "楷体_GB2312")
    own.sections[0].left_margin = Mm(30)
    own.add_paragraph("请在此处填写说明书（这段示例文字不会出现在导出的文件里）")
    buffer = io.BytesIO()
    own.save(buffer)
    data = build_document(
        CONTEST, VALUES, template=buffer.getvalue(), properties=PROPERTIES, note="注：x"
    )
    document = Document(io.BytesIO(data))
    assert round(document.sections[0].left_margin.mm) == 30
    assert _style_fonts(document.paragraphs[1].style) == "楷体_GB2312"
    assert paragraphs(data)[0] == "2024年深圳市“尖兵杯”工作创新大赛参赛案例说明书"
    assert not any("示例文字" in text for text in paragraphs(data))


def test_a_template_without_the_styles_still_builds_in_normal():
    plain = docx()
    assert check_template(TEMPLATE) == []
    assert check_template(plain) == ["说明书注"]
    data = build_document(CONTEST, VALUES, template=plain, properties=PROPERTIES, note="注：x")
    assert Document(io.BytesIO(data)).paragraphs[-1].style.name == "Normal"
    with pytest.raises(DocumentError):
        check_template(b"not a zip")


# ------------------------------------------------------------- lines from the file


def _with_case_fields(change) -> Contest:
    raw = tomllib.loads((CONTESTS / "jianbing-2024.toml").read_text(encoding="utf-8"))
    for f in raw["forms"]["case"]["fields"]:
        change(f)
    return Contest.model_validate(raw)


def test_the_lines_and_their_labels_come_from_the_file():
    def apart(f):
        f.pop("line", None)
        f.pop("document_label", None)

    contest = _with_case_fields(apart)
    texts = [text for _, text in document_lines(contest, VALUES)]
    assert "牵头人姓名：李四" in texts and "牵头人职务：二级主任科员" in texts
    assert "联系人手机：13800138000" in texts

    def three_on_a_line(f):
        if f["key"] in ("lead_name", "lead_title", "lead_office_phone"):
            f["line"] = "lead"

    lines = [text for _, text in document_lines(_with_case_fields(three_on_a_line), VALUES)]
    gap = "\u3000\u3000"
    assert f"牵头人姓名：李四{gap}职务：二级主任科员{gap}办公电话：0755-88134324" in lines
    assert "手机：13900001111" in lines


def test_a_shared_line_must_hold_adjacent_one_line_fields():
    def split(f):
        if f["key"] == "contact_name":
            f["line"] = "lead"

    with pytest.raises(ValueError, match="fields sharing a line must be adjacent"):
        _with_case_fields(split)

    def long(f):
        if f["key"] == "background":
            f["line"] = "lead"

    with pytest.raises(ValueError, match="only one-line fields share a line"):
        _with_case_fields(long)


def test_a_document_from_the_builder_before_the_template_still_reads():
    imported = parse_document(CONTEST, BUILT_BEFORE.read_bytes(), today=TODAY)
    assert imported.values == IN_DOCUMENT and imported.rejected == {}

# ------------------------------------------------------------------------- reading


def test_an_exported_document_reads_back_to_the_same_values():
    imported = parse_document(CONTEST, build(CONTEST, VALUES, note="注：x"), today=TODAY)
    assert imported.values == IN_DOCUMENT
    assert imported.rejected == {} and imported.found == list(IN_DOCUMENT)


def test_an_empty_template_gives_nothing_and_no_error():
    imported = parse_document(CONTEST, build(CONTEST, {}), today=TODAY)
    assert imported.values == {} and imported.rejected == {}


@pytest.mark.parametrize(
    "line",
    [
        "案例名称:社区治理新探索",
        "案例名称 ： 社区治理新探索",
        "案 例 名 称：社区治理新探索",
        "案例名称：　社区治理新探索　",
    ],
)
def test_labels_are_read_however_they_are_typed(line):
    assert read(line).values == {"title": "社区治理新探索"}


def test_half_width_brackets_in_a_label():
    imported = read("案例取得的成果(或预期成效):", "1. 甲成果", "2. 乙成果", "3. 丙成果")
    assert imported.values == {"results": ["甲成果", "乙成果", "丙成果"]}


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("案例类别：□发展提质 ☑正风增效 □党建赋能", "conduct"),
        ("案例类别：√发展提质 □正风增效 □党建赋能", "development"),
        ("案例类别：□发展提质 □正风增效 ■党建赋能", "empowerment"),
        ("案例类别：☒ 党建赋能", "empowerment"),
        ("案例类别：正风增效", "conduct"),
    ],
)
def test_the_ticked_category_is_chosen(line, expected):
    assert read(line).values == {"category": expected}


def test_category_lines_that_choose_nothing_or_too_much():
    assert read("案例类别：□发展提质 □正风增效 □党建赋能").values == {}
    both = read("案例类别：☑发展提质 ☑正风增效 □党建赋能")
    assert both.rejected["category"].code == "ambiguous_choice"
    assert both.rejected["category"].params == {"matches": ["发展提质", "正风增效"]}
    old = read("案例类别：□发展提质 ☑服务增效 □党建赋能")
    assert old.rejected["category"].code == "unknown_choice"


@pytest.mark.parametrize(
    "items",
    [
        ["1. 甲", "2. 乙", "3. 丙"],
        ["1、甲", "2、乙", "3、丙"],
        ["（1）甲", "（2）乙", "（3）丙"],
        ["(1) 甲", "(2) 乙", "(3) 丙"],
        ["①甲", "②乙", "③丙"],
        ["一、甲", "二、乙", "三、丙"],
        ["１．甲", "２．乙", "３．丙"],
        ["甲", "乙", "丙"],
    ],
)
def test_list_items_are_read_whatever_their_numbering(items):
    assert read("案例创新点：", *items).values == {"innovations": ["甲", "乙", "丙"]}


def test_a_numbered_item_keeps_its_continuation_lines():
    imported = read("案例创新点：", "1. 甲", "甲的说明", "2. 乙", "3. 丙", "丙的说明")
    assert imported.values == {"innovations": ["甲\n甲的说明", "乙", "丙\n丙的说明"]}


def test_a_first_item_on_the_label_line():
    imported = read("案例创新点：1. 甲", "2. 乙", "3. 丙")
    assert imported.values == {"innovations": ["甲", "乙", "丙"]}


def test_a_list_with_the_wrong_number_of_items_is_reported():
    imported = read("案例创新点：", "1. 甲", "2. 乙")
    assert imported.values == {}
    assert imported.rejected["innovations"].code == "item_count"
    assert imported.rejected["innovations"].params == {"expected": 3, "actual": 2}


def test_long_text_over_several_paragraphs_until_the_next_label():
    imported = read(
        "案例背景：第一段写在标签后面，讲明面对的问题。",
        "第二段写工作基础。",
        "第三段写出发点。",
        "案例创新点：",
        "1. 甲",
        "2. 乙",
        "3. 丙",
    )
    assert imported.values["background"] == (
        "第一段写在标签后面，讲明面对的问题。\n第二段写工作基础。\n第三段写出发点。"
    )


def test_a_label_inside_a_paragraph_of_long_text_does_not_switch_fields():
    text = "群众反映窗口排队时间长 手机：预约也很难，需要多次往返。"
    assert read("案例背景：", text).values == {"background": text}


def test_too_short_long_text_is_reported():
    imported = read("案例背景：太短了")
    assert imported.rejected["background"].code == "too_short"


def test_short_labels_belong_to_the_group_named_last():
    imported = read(
        "联系人姓名：张三  职务：办公室副主任",
        "办公电话：0755-88134325  手机：13800138000",
        "牵头人姓名：李四，职务：科长",
        "办公电话：075588134324；手机：13900001111",
    )
    assert imported.values == {
        "contact_name": "张三",
        "contact_title": "办公室副主任",
        "contact_office_phone": "0755-88134325",
        "contact_mobile": "13800138000",
        "lead_name": "李四",
        "lead_title": "科长",
        "lead_office_phone": "0755-88134324",
        "lead_mobile": "13900001111",
    }


def test_full_labels_work_anywhere():
    imported = read("牵头人手机：139 0000 1111", "联系人职务：主任")
    assert imported.values == {"lead_mobile": "13900001111", "contact_title": "主任"}


def test_values_are_read_as_typed_answers_would_be():
    imported = read("牵头人姓名：李四  职务：科长", "办公电话：88134324  手机：1390000")
    assert imported.values == {"lead_name": "李四", "lead_title": "科长"}
    assert imported.rejected["lead_office_phone"].code == "phone_needs_area_code"
    assert imported.rejected["lead_mobile"].code == "bad_mobile"


def test_a_value_on_the_line_after_its_label():
    assert read("案例名称：", "社区治理新探索").values == {"title": "社区治理新探索"}
    assert read("推荐单位", "深圳市某某局").values == {"recommending_unit": "深圳市某某局"}


def test_the_template_in_a_table():
    document = Document()
    document.add_paragraph("参赛案例说明书")
    rows = [
        ("案例类别", "☑发展提质 □正风增效 □党建赋能"),
        ("案例名称", "社区治理新探索"),
        ("案例背景", "社区矛盾多发，居民诉求多样，基层治理力量分散。"),
    ]
    table = document.add_table(rows=len(rows), cols=2)
    for row, (left, right) in zip(table.rows, rows, strict=True):
        row.cells[0].text, row.cells[1].text = left, right
    buffer = io.BytesIO()
    document.save(buffer)
    imported = parse_document(CONTEST, buffer.getvalue(), today=TODAY)
    assert imported.values == {
        "category": "development",
        "title": "社区治理新探索",
        "background": "社区矛盾多发，居民诉求多样，基层治理力量分散。",
    }


def test_the_closing_note_ends_the_document():
    imported = read(
        "案例取得的成果（或预期成效）：",
        "1. 甲",
        "2. 乙",
        "3. 丙",
        "注：本《说明书》仅供参考，字数不超过 3000 字。",
        "4. 这一行不属于说明书",
    )
    assert imported.values == {"results": ["甲", "乙", "丙"]}


def test_a_soft_line_break_inside_a_paragraph_separates_lines():
    document = Document()
    paragraph = document.add_paragraph("案例名称：社区治理新探索")
    paragraph.add_run().add_break()
    paragraph.add_run("推荐单位：深圳市某某局")
    buffer = io.BytesIO()
    document.save(buffer)
    assert parse_document(CONTEST, buffer.getvalue(), today=TODAY).values == {
        "title": "社区治理新探索",
        "recommending_unit": "深圳市某某局",
    }


def test_yes_no_fields_in_the_document_are_boxes_both_ways():
    raw = tomllib.loads((CONTESTS / "jianbing-2024.toml").read_text(encoding="utf-8"))
    for f in raw["forms"]["case"]["fields"]:
        if f["key"] == "reentered":
            f["in_document"] = True
    contest = Contest.model_validate(raw)
    lines = [text for _, text in document_lines(contest, {"reentered": False})]
    assert "往年是否参赛：□是 ☑否" in lines
    data = build(contest, {**VALUES, "reentered": True})
    assert parse_document(contest, data, today=TODAY).values["reentered"] is True
    assert parse_document(contest, docx("往年是否参赛：否"), today=TODAY).values == {
        "reentered": False
    }


# -------------------------------------------------------------------------- refusals


def test_not_a_docx():
    with pytest.raises(DocumentError) as caught:
        parse_document(CONTEST, b"just text", today=TODAY)
    assert caught.value.code == "not_docx"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "a zip, but not a Word file")
    with pytest.raises(DocumentError) as caught:
        parse_document(CONTEST, buffer.getvalue(), today=TODAY)
    assert caught.value.code == "not_docx"


def test_too_big():
    with pytest.raises(DocumentError) as caught:
        document_text(b"0" * (MAX_BYTES + 1))
    assert caught.value.code == "too_big"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", "0" * (60 * 1024 * 1024))
    with pytest.raises(DocumentError) as caught:
        document_text(buffer.getvalue())
    assert caught.value.code == "too_big"


def test_a_word_file_that_is_not_the_case_form():
    with pytest.raises(DocumentError) as caught:
        read("关于召开会议的通知", "请各单位准时参加。")
    assert caught.value.code == "not_case_form"


# ------------------------------------------------------------------------ round trip

_CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5)
_PUNCTUATION = st.sampled_from(list("，。、；“”《》"))
_PARAGRAPH = st.text(st.one_of(_CJK, _PUNCTUATION), min_size=1, max_size=60).filter(
    lambda text: not text.startswith("注") and text.strip()
)


@settings(max_examples=40, deadline=None)
@given(
    background=st.lists(_PARAGRAPH, min_size=1, max_size=4).filter(
        lambda paragraphs: len("\n".join(paragraphs)) >= 20
    ),
    items=st.lists(_PARAGRAPH, min_size=3, max_size=3),
)
def test_any_chinese_text_survives_the_round_trip(background, items):
    values = {**VALUES, "background": "\n".join(background), "innovations": items}
    imported = parse_document(CONTEST, build(CONTEST, values), today=TODAY)
    assert imported.values["background"] == values["background"]
    assert imported.values["innovations"] == items


def test_without_a_template_python_docx_s_own_is_used():
    data = build_document(CONTEST, VALUES, template=None, properties=PROPERTIES, note="注：x")
    assert parse_document(CONTEST, data, today=TODAY).values == IN_DOCUMENT
    assert Document(io.BytesIO(data)).core_properties.author == "深圳市某某局"
