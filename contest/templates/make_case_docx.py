"""Write ``case.docx``, the Word template the 说明书 is built on (run once, commit the file).

    python contest/templates/make_case_docx.py

The template holds no text, only what Word keeps outside the text: an A4 page with the
公文 margins of GB/T 9704 (top 37 mm, bottom 35 mm, left 28 mm, right 26 mm), a centred
page number (— 1 —), and four paragraph styles the builder (contest.document) applies:

=============  ===========================================================================
style          look
=============  ===========================================================================
Title (标题)    方正小标宋简体 (else 宋体), 二号 22 pt, centred
Normal (正文)   仿宋_GB2312 (else 仿宋), 三号 16 pt, first line indented two characters,
               exactly 28.95 pt a line (22 lines to the page), a tab stop at mid-line
Heading 1      黑体, 三号, indented two characters: the 说明书's own headings (案例背景：)
说明书注        as Normal, not indented: the closing 注 line and the count
=============  ===========================================================================

An organizer may change any of this in Word (page, fonts, sizes, a header with the unit's
logo) and point CASE_TEMPLATE at the saved file; text typed into the template's body is
dropped when a document is built, everything else is kept.

The fallback fonts are named in the font table (``w:altName``), which is where Word looks
when a font is not installed: 方正小标宋简体 and 仿宋_GB2312 are on most office PCs in China
but not on every one.
"""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm, Pt
from docx.styles.style import ParagraphStyle
from lxml import etree

HERE = Path(__file__).resolve().parent
TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEADING_FONT = "黑体"
PAGE_NUMBER_FONT = "宋体"
LATIN_FONT = "Times New Roman"
FALLBACKS = {TITLE_FONT: "宋体", BODY_FONT: "仿宋", HEADING_FONT: "SimHei", "宋体": "SimSun"}
BODY_SIZE = Pt(16)  # 三号
TITLE_SIZE = Pt(22)  # 二号
LINE = Pt(28.95)  # 225 mm of text block / 22 lines
NOTE_STYLE = "说明书注"
_THEME_LINKS = ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme")


def _reset(style: ParagraphStyle) -> None:
    """Drop what python-docx's default template puts in a style (theme fonts, colours)."""
    element = style.element
    for tag in ("w:pPr", "w:rPr", "w:link"):
        for child in element.findall(qn(tag)):
            element.remove(child)


def _fonts(style: ParagraphStyle, east_asia: str, size: Pt, *, latin: str = LATIN_FONT) -> None:
    style.font.size = size
    style.font.bold = False
    style.font.name = latin
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    for attribute in _THEME_LINKS:
        fonts.attrib.pop(qn(f"w:{attribute}"), None)
    fonts.set(qn("w:eastAsia"), east_asia)
    fonts.set(qn("w:cs"), latin)


def _indent_two_characters(style: ParagraphStyle) -> None:
    style.paragraph_format.first_line_indent = Pt(BODY_SIZE.pt * 2)
    # firstLineChars keeps the indent at two characters if an organizer changes the size.
    indent = style.element.get_or_add_pPr().find(qn("w:ind"))
    assert indent is not None
    indent.set(qn("w:firstLineChars"), "200")


def _lines(style: ParagraphStyle, pitch: Pt) -> None:
    paragraph = style.paragraph_format
    paragraph.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    paragraph.line_spacing = pitch
    paragraph.space_before = Pt(0)
    paragraph.space_after = Pt(0)


def _styles(document) -> None:  # noqa: ANN001 - python-docx's Document has no public type
    styles = document.styles
    defaults = styles.element.find(qn("w:docDefaults"))
    fonts = defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}/{qn('w:rFonts')}")
    for attribute in _THEME_LINKS:
        fonts.attrib.pop(qn(f"w:{attribute}"), None)
    fonts.set(qn("w:ascii"), LATIN_FONT)
    fonts.set(qn("w:hAnsi"), LATIN_FONT)
    fonts.set(qn("w:eastAsia"), BODY_FONT)
    fonts.set(qn("w:cs"), LATIN_FONT)
    language = defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}/{qn('w:lang')}")
    language.set(qn("w:eastAsia"), "zh-CN")

    normal = styles["Normal"]
    _reset(normal)
    _fonts(normal, BODY_FONT, BODY_SIZE)
    _lines(normal, LINE)
    normal.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    _indent_two_characters(normal)
    normal.paragraph_format.widow_control = True
    text_width = Mm(210 - 28 - 26)
    normal.paragraph_format.tab_stops.add_tab_stop(int(text_width / 2), WD_TAB_ALIGNMENT.LEFT)

    title = styles["Title"]
    _reset(title)
    _fonts(title, TITLE_FONT, TITLE_SIZE)
    _lines(title, Pt(36))
    title.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.first_line_indent = Pt(0)
    title.paragraph_format.space_after = LINE
    title.paragraph_format.keep_with_next = True

    heading = styles["Heading 1"]
    _reset(heading)
    _fonts(heading, HEADING_FONT, BODY_SIZE)
    _lines(heading, LINE)
    _indent_two_characters(heading)
    heading.paragraph_format.keep_with_next = True
    heading.element.get_or_add_pPr().append(parse_xml(f'<w:outlineLvl {nsdecls("w")} w:val="0"/>'))

    note = styles.add_style(NOTE_STYLE, WD_STYLE_TYPE.PARAGRAPH)
    note.base_style = normal
    note.next_paragraph_style = note
    note.quick_style = True
    note.paragraph_format.first_line_indent = Pt(0)
    note.paragraph_format.space_before = LINE
    indent = note.element.get_or_add_pPr().find(qn("w:ind"))
    assert indent is not None
    indent.set(qn("w:firstLineChars"), "0")


def _page(document) -> None:  # noqa: ANN001
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.header_distance, section.footer_distance = Mm(15), Mm(25)
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.paragraph_format.first_line_indent = Pt(0)
    footer._element.get_or_add_pPr().get_or_add_ind().set(qn("w:firstLineChars"), "0")
    for text in ("— ", None, " —"):
        run = footer.add_run(text or "")
        if text is None:
            run._element.append(parse_xml(f'<w:fldSimple {nsdecls("w")} w:instr="PAGE"/>'))
        run.font.size = Pt(14)  # 四号
        run.font.name = PAGE_NUMBER_FONT
        run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), PAGE_NUMBER_FONT)


def _font_table(document) -> None:  # noqa: ANN001
    """Name each Chinese font with its fallback, for PCs that do not have it."""
    part = document.part.part_related_by(RT.FONT_TABLE)
    table = parse_xml(part.blob)
    for name, fallback in FALLBACKS.items():
        table.append(
            parse_xml(
                f'<w:font {nsdecls("w")} w:name="{name}"><w:altName w:val="{fallback}"/>'
                '<w:charset w:val="86"/><w:family w:val="modern"/><w:pitch w:val="fixed"/>'
                "</w:font>"
            )
        )
    part._blob = _serialize(table)


def _serialize(element) -> bytes:  # noqa: ANN001
    return etree.tostring(element, xml_declaration=True, encoding="UTF-8", standalone=True)


def _clean(document) -> None:  # noqa: ANN001
    """Drop python-docx's leftovers: its thumbnail, sample data, and its name as the author."""
    package_rels = document.part.package.rels
    for key, rel in list(package_rels.items()):
        if rel.reltype == RT.THUMBNAIL:
            del package_rels[key]
    for key, rel in list(document.part.rels.items()):
        if rel.reltype == RT.CUSTOM_XML or rel.reltype.endswith("/stylesWithEffects"):
            del document.part.rels[key]
    settings = document.settings.element
    language = settings.find(qn("w:themeFontLang"))
    if language is not None:
        language.set(qn("w:eastAsia"), "zh-CN")
    core = document.core_properties
    core.author = core.last_modified_by = core.comments = core.title = ""
    core.keywords = core.subject = core.category = ""
    body = document.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            body.remove(child)


def main() -> None:
    """Write case.docx next to this script."""
    document = Document()
    _clean(document)
    _styles(document)
    _page(document)
    _font_table(document)
    document.save(HERE / "case.docx")


if __name__ == "__main__":
    main()
