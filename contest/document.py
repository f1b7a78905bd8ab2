"""The case document (《参赛案例说明书》) as a Word file: built in the official layout, read back.

Bytes in, bytes or values out; no other I/O. The layout follows the notice's attachment::

    <contest name>参赛案例说明书
    案例类别：☑发展提质 □正风增效 □党建赋能
    推荐单位：…
    案例名称：…
    牵头人姓名：…　　职务：…
    办公电话：…　　手机：…
    联系人姓名：…　　职务：…
    办公电话：…　　手机：…
    案例背景：
    …
    案例创新点：
    1. …
    案例取得的成果（或预期成效）：
    1. …
    注：…

Everything comes from the contest's case form (fields with ``in_document``), in form order:

* a choice field is one line with a box per option, ☑ for the chosen one;
* a long_text field is its label on a line, then one paragraph per line of the text;
* a list field is its label, then its items numbered ``1.`` ``2.`` …;
* one-line fields (text, phone, mobile, date) with the same ``line`` in the form share one
  line, as the official template pairs 牵头人姓名 with 职务; each is printed with its
  ``document_label`` (职务) where the form gives one, else its label. Any other one-line
  field has a line of its own.

The .docx is built on a template file (contest/templates/case.docx, or the organizer's
own): its page, fonts and page number stay, its body text is replaced, and the template's
paragraph styles are applied: Title to the title, Heading 1 to the labels of long fields,
Normal to everything else and 说明书注 to the closing note. Its file properties are set
here (title, author, created), not left at the template's.

Reading (:func:`parse_document`) accepts what people do to the template in Word: labels
with a half- or full-width colon, spaces inside labels, full- or half-width brackets, the
fields in paragraphs or in table cells, items numbered 1. 1、 （1） ① 一、 or not at all
(one paragraph each), the category ticked with any of ☑ ☒ ✓ ✔ √ ■ ▣ ● or written
alone. A line starting with 注： ends the document (the template's closing note). A line
that is nothing but a field's label (with or without its colon) starts that field, also
inside a long text: a paragraph reading exactly "推荐单位" cannot be told from the label.
A printed label that several fields share (职务) belongs to the first of them after the
field whose own label came last (联系人姓名 … 职务 is the contact's). Values are read as
the form engine reads typed answers; a value that does not pass (a mobile number with ten
digits, a list with two items of three) is reported and not taken.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING
from xml.parsers import expat
from xml.sax.saxutils import unescape

from contest.definition import ONE_LINE_KINDS, Contest, FieldKind, FormField
from contest.fields import (
    FieldError,
    Option,
    Value,
    check_length,
    options_for,
    parse_answer,
    parse_item,
)

if TYPE_CHECKING:  # python-docx (with lxml) is imported where a document is built or read
    from docx.document import Document as DocxDocument
    from docx.styles.style import BaseStyle
    from docx.text.paragraph import Paragraph

CHECKED = "☑"
UNCHECKED = "□"
COLON = "："
CELL_GAP = "\u3000\u3000"
_TICKS = "☑☒✓✔√■▣●◉⊠🗹✅"
_NOTE = re.compile(r"^\s*注\s*[:：]")
_NUMBERING = (
    r"(?:[（(]\s*(?:[0-9０-９]{1,2}|[一二三四五六七八九十]{1,3})\s*[)）]"
    r"|(?:[0-9０-９]{1,2}|[一二三四五六七八九十]{1,3})\s*[.．、,，)）]"
    r"|[①-⑳])"
)
_NUMBER = re.compile(rf"^\s*{_NUMBERING}\s*")
_BEFORE_LABEL = "\\s，,；;。"
_SPACES = " \t\u3000"
_SEPARATORS = "，,；;、"
DOCUMENT_GAP = "\t"  # the template's Normal style has a tab stop at mid-line
STYLES = {"title": "Title", "label": "Heading 1", "text": "Normal", "body": "Normal"}
NOTE_STYLE = "说明书注"
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_ALIASES = {"Caption": "caption", "Footer": "footer", "Header": "header"} | {
    f"Heading {n}": f"heading {n}" for n in range(1, 10)
}  # python-docx's names for the built-in styles, as styles.xml spells them
MAX_BYTES = 10 * 1024 * 1024
MAX_UNPACKED = 50 * 1024 * 1024


class DocumentError(ValueError):
    """A file that cannot be read as the case document; ``code`` names why for a template."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


# ------------------------------------------------------------------------------ layout


@dataclass(frozen=True)
class Cell:
    """One label and its field on a line of one-line fields."""

    label: str
    field: FormField
    full: bool  # printed with the form's own label


@dataclass(frozen=True)
class Block:
    """A piece of the layout: a line of cells, a choice line, a long text or a list."""

    kind: str  # "cells", "choice", "long_text", "list", "yes_no"
    cells: tuple[Cell, ...] = ()
    field: FormField | None = None


def layout(contest: Contest) -> list[Block]:
    """Return the document's blocks for this contest's case form, in order."""
    blocks: list[Block] = []
    for f in contest.forms.case.fields:
        if not f.in_document:
            continue
        if f.kind in ONE_LINE_KINDS:
            cell = Cell(f.printed_label, f, f.printed_label == f.label)
            last = blocks[-1] if blocks else None
            if f.line and last and last.kind == "cells" and last.cells[-1].field.line == f.line:
                blocks[-1] = Block("cells", (*last.cells, cell))
            else:
                blocks.append(Block("cells", (cell,)))
            continue
        kind = f.kind.value if f.kind is not FieldKind.CHOICE else "choice"
        blocks.append(Block(kind, field=f))
    return blocks


# ------------------------------------------------------------------------------ build


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _choice_line(f: FormField, options: Sequence[Option], value: object) -> str:
    boxes = " ".join(f"{CHECKED if o.key == value else UNCHECKED}{o.label}" for o in options)
    return f"{f.label}{COLON}{boxes}"


def document_lines(
    contest: Contest,
    values: Mapping[str, object],
    *,
    yes_no: tuple[str, str] = ("是", "否"),
    gap: str = CELL_GAP,
) -> list[tuple[str, str]]:
    """Return the document as (style, text) lines; styles: title, text, label, body."""
    lines: list[tuple[str, str]] = [("title", contest.name + contest.forms.case.title)]
    for block in layout(contest):
        f = block.field
        if block.kind == "cells":
            text = gap.join(
                f"{cell.label}{COLON}{_text(values.get(cell.field.key))}" for cell in block.cells
            )
            lines.append(("text", text))
        elif block.kind == "choice" and f is not None:
            options = options_for(f, contest)
            lines.append(("text", _choice_line(f, options, values.get(f.key))))
        elif block.kind == "yes_no" and f is not None:
            value = values.get(f.key)
            yes = f"{CHECKED if value is True else UNCHECKED}{yes_no[0]}"
            no = f"{CHECKED if value is False else UNCHECKED}{yes_no[1]}"
            lines.append(("text", f"{f.label}{COLON}{yes} {no}"))
        elif block.kind == "long_text" and f is not None:
            lines.append(("label", f"{f.label}{COLON}"))
            lines.extend(("body", line) for line in _text(values.get(f.key)).splitlines())
        elif block.kind == "list" and f is not None:
            lines.append(("label", f"{f.label}{COLON}"))
            raw = values.get(f.key)
            items = list(raw) if isinstance(raw, list) else []
            for number in range(1, (f.items or len(items)) + 1):
                item = items[number - 1] if number <= len(items) else ""
                first, *rest = (item.splitlines() or [""]) if isinstance(item, str) else [""]
                lines.append(("body", f"{number}. {first}".rstrip()))
                lines.extend(("body", line) for line in rest)
    return lines


@dataclass(frozen=True)
class Properties:
    """The file properties Word shows: the case's name, the unit, the moment it was made."""

    title: str
    author: str
    created: datetime


def _style(document: DocxDocument, name: str) -> BaseStyle | None:
    """Return the template's style by name, or None (Normal) if the template lacks it."""
    try:
        return document.styles[name]
    except KeyError:
        return None


def _style_names(styles: bytes) -> set[str]:
    """Return the style names of a styles.xml; raise ExpatError if it is not well-formed.

    Every start checks the template: a bare expat parse (≈2 ms on Word's 350 KB styles.xml)
    and a pattern over the names take a sixth of building the element tree (≈12 ms). A
    file not in UTF-8 or with no prefix for Word's namespace is read with ElementTree.
    """
    bound = re.search(rb"xmlns:([\w.-]+)\s*=\s*[\"']" + re.escape(_W.encode()), styles)
    if bound is None or not styles.lstrip().startswith(b"<"):
        from xml.etree import ElementTree

        try:
            root = ElementTree.fromstring(styles)
        except ElementTree.ParseError as error:
            raise ValueError("styles.xml") from error
        return {name.get(f"{{{_W}}}val", "") for name in root.iter(f"{{{_W}}}name")}
    expat.ParserCreate().Parse(styles, True)
    prefix = re.escape(bound.group(1))
    pattern = rb"<" + prefix + rb":name\b[^>]*?\s" + prefix + rb""":val\s*=\s*(["'])(.*?)\1"""
    entities = {"&quot;": '"', "&apos;": "'"}
    return {unescape(m.group(2).decode(), entities) for m in re.finditer(pattern, styles)}


def check_template(template: bytes) -> list[str]:
    """Return what a template lacks (its styles by name); raise DocumentError if unreadable."""
    # Read with the standard library: the bot checks its template at start, and python-docx
    # (with lxml, ≈10 MiB) is imported only when a document is built or read.
    try:
        with zipfile.ZipFile(io.BytesIO(template)) as package:
            names = set(package.namelist())
            if not {"[Content_Types].xml", "word/document.xml"} <= names:
                raise DocumentError("not_docx")
            styles = package.read("word/styles.xml") if "word/styles.xml" in names else b""
        found = _style_names(styles) if styles else set()
    except (zipfile.BadZipFile, expat.ExpatError, OSError, ValueError) as error:
        if isinstance(error, DocumentError):
            raise
        raise DocumentError("not_docx") from error
    wanted = [*dict.fromkeys(STYLES.values()), NOTE_STYLE]
    return [name for name in wanted if _ALIASES.get(name, name) not in found]


def build_document(
    contest: Contest,
    values: Mapping[str, object],
    *,
    template: bytes | None,
    properties: Properties,
    note: str = "",
) -> bytes:
    """Build the case document on the template, in the official layout; ``note`` closes it.

    Without a template (None) python-docx's own is used: Letter, no 公文 styles.
    """
    from docx import Document
    from docx.oxml.ns import qn

    document = Document(io.BytesIO(template) if template is not None else None)
    body = document.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):  # the template's text goes, its page setup stays
            body.remove(child)
    for style, text in document_lines(contest, values, gap=DOCUMENT_GAP):
        document.add_paragraph(text, style=_style(document, STYLES[style]))
    note_style = _style(document, NOTE_STYLE)
    for line in note.splitlines():
        if line.strip():
            document.add_paragraph(line.strip(), style=note_style)
    core = document.core_properties
    core.title = properties.title
    core.author = core.last_modified_by = properties.author
    core.created = core.modified = properties.created.astimezone(UTC)  # written as …Z
    core.subject = contest.name
    core.comments = core.keywords = core.category = ""
    core.revision = 1
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# ------------------------------------------------------------------------------- read


@dataclass(frozen=True)
class Imported:
    """What a document gave: values that pass, and what was there but did not."""

    values: dict[str, Value] = field(default_factory=dict)
    rejected: dict[str, FieldError] = field(default_factory=dict)

    @property
    def found(self) -> list[str]:
        """Return the keys of the fields read successfully."""
        return list(self.values)


def _paragraph_lines(paragraph: Paragraph) -> list[str]:
    return paragraph.text.replace("\r", "\n").replace("\v", "\n").split("\n")


def document_text(data: bytes) -> list[str]:
    """Return the lines of a .docx body in order, table cells included; raise DocumentError."""
    from docx import Document
    from docx.oxml.ns import qn
    from docx.text.paragraph import Paragraph

    if len(data) > MAX_BYTES:
        raise DocumentError("too_big")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED:
                raise DocumentError("too_big")
            if "word/document.xml" not in archive.namelist():
                raise DocumentError("not_docx")
        document = Document(io.BytesIO(data))
    except DocumentError:
        raise
    except Exception as error:  # noqa: BLE001 - any unreadable file is "not a .docx"
        raise DocumentError("not_docx") from error
    lines: list[str] = []
    body = document.element.body
    for element in body.iterchildren():
        if element.tag == qn("w:p"):
            lines.extend(_paragraph_lines(Paragraph(element, document)))
        elif element.tag == qn("w:tbl"):
            # Each cell's paragraphs appear once in the XML (a merged cell is one w:tc).
            for paragraph_element in element.iter(qn("w:p")):
                lines.extend(_paragraph_lines(Paragraph(paragraph_element, document)))
    return [line.strip() for line in lines if line.strip()]


def _label_pattern(label: str) -> str:
    parts = []
    for char in label:
        if char in "（(":
            parts.append("[（(]")
        elif char in "）)":
            parts.append("[）)]")
        elif char.isspace():
            continue
        else:
            parts.append(re.escape(char))
    return r"\s*".join(parts)


@dataclass(frozen=True)
class _Label:
    field: FormField
    position: int  # where the field stands in the document


def _labels(contest: Contest) -> list[tuple[str, _Label]]:
    labels: list[tuple[str, _Label]] = []
    for position, f in enumerate(f for f in contest.forms.case.fields if f.in_document):
        labels.append((f.label, _Label(f, position)))
        if f.printed_label != f.label:
            labels.append((f.printed_label, _Label(f, position)))
    return labels


@dataclass
class _Reading:
    raw: dict[str, list[str]] = field(default_factory=dict)
    current: str | None = None  # the long_text or list field whose lines follow
    waiting: str | None = None  # a one-line field whose label stood alone: its value follows
    anchor: int = -1  # where the field whose own label came last stands


def _resolve(candidates: list[_Label], reading: _Reading) -> _Label:
    """Pick the field a label means: a shared label (职务) follows the last unique one."""
    if len(candidates) == 1:
        reading.anchor = candidates[0].position
        return candidates[0]
    after = [c for c in candidates if c.position > reading.anchor]
    return after[0] if after else candidates[-1]


class _Finder:
    """Finds the labels of one contest's layout in lines of text."""

    def __init__(self, contest: Contest) -> None:
        self.by_text: dict[str, list[_Label]] = {}
        for text, info in _labels(contest):
            self.by_text.setdefault(re.sub(r"\s", "", text), []).append(info)
        self.texts = sorted(self.by_text, key=len, reverse=True)
        pattern = "|".join(f"(?P<l{i}>{_label_pattern(text)})" for i, text in enumerate(self.texts))
        boxes = f"{UNCHECKED}{_TICKS}"
        self.inline = re.compile(rf"(?:^|(?<=[{_BEFORE_LABEL}{boxes}]))(?:{pattern})\s*[:：]")
        self.alone = re.compile(rf"^\s*{_NUMBERING}?\s*(?:{pattern})\s*[:：]?\s*$")

    def labels(self, line: str, *, anywhere: bool) -> list[re.Match[str]]:
        """Return the label matches in a line (only at its start unless ``anywhere``)."""
        whole = self.alone.match(line)
        if whole is not None:
            return [whole]
        matches = list(self.inline.finditer(line))
        if not anywhere:
            matches = matches[:1] if matches and matches[0].start() == 0 else []
        return matches

    def candidates(self, match: re.Match[str]) -> list[_Label]:
        """Return the fields a matched label may stand for."""
        name = next(name for name, value in match.groupdict().items() if value is not None)
        return self.by_text[self.texts[int(name[1:])]]


def _collect(lines: Sequence[str], contest: Contest) -> dict[str, list[str]]:
    finder = _Finder(contest)
    reading = _Reading()
    for line in lines:
        if _NOTE.match(line):
            break
        matches = finder.labels(line, anywhere=reading.current is None)
        if not matches:
            target = reading.current or reading.waiting
            if target is not None:
                reading.raw[target].append(line)
            reading.waiting = None
            continue
        reading.waiting = None
        for index, match in enumerate(matches):
            info = _resolve(finder.candidates(match), reading)
            end = matches[index + 1].start() if index + 1 < len(matches) else len(line)
            long = info.field.kind in (FieldKind.LONG_TEXT, FieldKind.LIST)
            # A one-line value ends at the separator before the next label (李四，职务：…).
            value = line[match.end() : end].strip(_SPACES if long else _SPACES + _SEPARATORS)
            key = info.field.key
            reading.raw[key] = [value] if value else []
            reading.current = key if long else None
            if not long and not value and index + 1 == len(matches):
                reading.waiting = key
    return reading.raw


def _choice(text: str, options: Sequence[Option]) -> str | FieldError | None:
    squeezed = re.sub(r"\s", "", text)
    if not squeezed:
        return None
    ticked = [o for o in options if re.search(rf"[{_TICKS}]\s*{re.escape(o.label)}", text)]
    if len(ticked) == 1:
        return ticked[0].key
    if ticked:
        return FieldError("ambiguous_choice", {"matches": [o.label for o in ticked]})
    if re.search(f"[{_TICKS}]", text):
        return FieldError("unknown_choice", {"input": text.strip()})  # e.g. last year's category
    named = [o for o in options if o.label in squeezed]
    if len(named) == 1 and UNCHECKED not in squeezed:
        return named[0].key
    if UNCHECKED in squeezed:
        return None  # the boxes are there, none is ticked: not chosen yet
    return FieldError("unknown_choice", {"input": text.strip()})


def _items(lines: Sequence[str]) -> list[str]:
    numbered = [bool(_NUMBER.match(line)) for line in lines]
    if not any(numbered):
        return [line for line in lines if line]
    items: list[str] = []
    for line, starts in zip(lines, numbered, strict=True):
        text = _NUMBER.sub("", line, count=1).strip() if starts else line
        if starts or not items:
            items.append(text)
        elif text:
            items[-1] = f"{items[-1]}\n{text}" if items[-1] else text
    return items


def _read(
    f: FormField,
    lines: list[str],
    options: Sequence[Option],
    today: date,
    yes_no: tuple[str, str],
) -> Value | FieldError | None:
    if f.kind is FieldKind.LONG_TEXT:
        text = "\n".join(line for line in lines if line).strip()
        return (check_length(f, text) or text) if text else None
    if f.kind is FieldKind.LIST:
        items = [item for item in _items(lines) if item.strip()]
        if not items:
            return None
        if len(items) != f.items:
            return FieldError("item_count", {"expected": f.items, "actual": len(items)})
        parsed = [parse_item(f, item, number) for number, item in enumerate(items, start=1)]
        error = next((p for p in parsed if isinstance(p, FieldError)), None)
        return error or [p for p in parsed if isinstance(p, str)]
    text = " ".join(line for line in lines if line).strip()
    if f.kind is FieldKind.CHOICE:
        return _choice(text, options)
    if f.kind is FieldKind.YES_NO:
        answer = _choice(text, (Option("yes", yes_no[0]), Option("no", yes_no[1])))
        return answer == "yes" if isinstance(answer, str) else answer
    if not text:
        return None
    return parse_answer(f, text, options, today)


def parse_document(
    contest: Contest, data: bytes, *, today: date, yes_no: tuple[str, str] = ("是", "否")
) -> Imported:
    """Read a filled-in case document (.docx) back into field values; raise DocumentError."""
    raw = _collect(document_text(data), contest)
    if not raw:
        raise DocumentError("not_case_form")
    values: dict[str, Value] = {}
    rejected: dict[str, FieldError] = {}
    for f in contest.forms.case.fields:
        if f.key not in raw:
            continue
        result = _read(f, raw[f.key], options_for(f, contest), today, yes_no)
        if isinstance(result, FieldError):
            rejected[f.key] = result
        elif result is not None:
            values[f.key] = result
    return Imported(values=values, rejected=rejected)
