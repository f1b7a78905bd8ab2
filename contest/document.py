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
* one-line fields (text, phone, mobile, date) that stand next to each other and whose
  labels share a prefix of two or more characters (牵头人姓名, 牵头人职务 …) form a group
  printed two to a line; the group's first label is printed in full, the others without
  the shared prefix (职务, 办公电话, 手机), as the official template does. Any other
  one-line field has a line of its own.

Reading (:func:`parse_document`) accepts what people do to the template in Word: labels
with a half- or full-width colon, spaces inside labels, full- or half-width brackets, the
fields in paragraphs or in table cells, items numbered 1. 1、 （1） ① 一、 or not at all
(one paragraph each), the category ticked with any of ☑ ☒ ✓ ✔ √ ■ ▣ ● or written
alone. A line starting with 注： ends the document (the template's closing note).
Short labels (职务) belong to the group whose full label came last. Values are read as
the form engine reads typed answers; a value that does not pass (a mobile number with ten
digits, a list with two items of three) is reported and not taken.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt
from docx.text.paragraph import Paragraph

from contest.definition import Contest, FieldKind, FormField
from contest.fields import (
    FieldError,
    Option,
    Value,
    check_length,
    options_for,
    parse_answer,
    parse_item,
)

CHECKED = "☑"
UNCHECKED = "□"
COLON = "："
CELL_GAP = "\u3000\u3000"
_TICKS = "☑☒✓✔√■▣●◉⊠🗹✅"
_SHORT_KINDS = frozenset({FieldKind.TEXT, FieldKind.PHONE, FieldKind.MOBILE, FieldKind.DATE})
_MIN_PREFIX = 2
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
FONT = "宋体"
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
    full: bool  # printed with its full label (the first of its group)


@dataclass(frozen=True)
class Block:
    """A piece of the layout: a line of cells, a choice line, a long text or a list."""

    kind: str  # "cells", "choice", "long_text", "list", "yes_no"
    cells: tuple[Cell, ...] = ()
    field: FormField | None = None
    group: int = -1  # cells: which group of one-line fields the line belongs to


def _common_prefix(labels: Sequence[str]) -> str:
    prefix = labels[0]
    for other in labels[1:]:
        length = 0
        while length < min(len(prefix), len(other)) and prefix[length] == other[length]:
            length += 1
        prefix = prefix[:length]
    return prefix


def _groups(fields: Sequence[FormField]) -> list[tuple[str, list[FormField]]]:
    """Split a run of one-line fields into groups that share a label prefix."""
    groups: list[tuple[str, list[FormField]]] = []
    for f in fields:
        if groups:
            prefix, members = groups[-1]
            candidate = _common_prefix([*(m.label for m in members), f.label])
            shorter = all(len(candidate) < len(m.label) for m in [*members, f])
            if len(candidate) >= _MIN_PREFIX and shorter and (not prefix or candidate == prefix):
                groups[-1] = (candidate, [*members, f])
                continue
        groups.append(("", [f]))
    return groups


def layout(contest: Contest) -> list[Block]:
    """Return the document's blocks for this contest's case form, in order."""
    fields = [f for f in contest.forms.case.fields if f.in_document]
    blocks: list[Block] = []
    run: list[FormField] = []
    group_number = 0

    def flush() -> None:
        nonlocal group_number
        for prefix, members in _groups(run):
            cells = [
                Cell(m.label if index == 0 else m.label[len(prefix) :], m, index == 0)
                for index, m in enumerate(members)
            ]
            for start in range(0, len(cells), 2):
                blocks.append(Block("cells", tuple(cells[start : start + 2]), group=group_number))
            group_number += 1
        run.clear()

    for f in fields:
        if f.kind in _SHORT_KINDS:
            run.append(f)
            continue
        flush()
        kind = f.kind.value if f.kind is not FieldKind.CHOICE else "choice"
        blocks.append(Block(kind, field=f))
    flush()
    return blocks


# ------------------------------------------------------------------------------ build


def _set_font(paragraph: Paragraph, size: float, *, bold: bool = False) -> None:
    for run in paragraph.runs:
        run.font.size = Pt(size)
        run.font.bold = bold
        run.font.name = FONT
        properties = run._element.get_or_add_rPr()
        fonts = properties.find(qn("w:rFonts"))
        if fonts is None:
            fonts = properties.makeelement(qn("w:rFonts"), {})
            properties.append(fonts)
        fonts.set(qn("w:eastAsia"), FONT)


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _choice_line(f: FormField, options: Sequence[Option], value: object) -> str:
    boxes = " ".join(f"{CHECKED if o.key == value else UNCHECKED}{o.label}" for o in options)
    return f"{f.label}{COLON}{boxes}"


def document_lines(
    contest: Contest, values: Mapping[str, object], *, yes_no: tuple[str, str] = ("是", "否")
) -> list[tuple[str, str]]:
    """Return the document as (style, text) lines; styles: title, text, label, body."""
    lines: list[tuple[str, str]] = [("title", contest.name + contest.forms.case.title)]
    for block in layout(contest):
        f = block.field
        if block.kind == "cells":
            text = CELL_GAP.join(
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


def build_document(contest: Contest, values: Mapping[str, object], *, note: str = "") -> bytes:
    """Build the case document as a .docx in the official layout; ``note`` closes it."""
    document = Document()
    for style, text in document_lines(contest, values):
        paragraph = document.add_paragraph(text)
        if style == "title":
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            _set_font(paragraph, 18, bold=True)
        elif style == "label":
            _set_font(paragraph, 12, bold=True)
        else:
            _set_font(paragraph, 12)
    if note:
        _set_font(document.add_paragraph(note), 10.5)
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
    group: int  # -1: not a short label
    short: bool  # a label that needs its group's context (职务)


def _labels(contest: Contest) -> list[tuple[str, _Label]]:
    labels: list[tuple[str, _Label]] = []
    for block in layout(contest):
        if block.kind == "cells":
            for cell in block.cells:
                labels.append((cell.field.label, _Label(cell.field, block.group, False)))
                if not cell.full:
                    labels.append((cell.label, _Label(cell.field, block.group, True)))
        elif block.field is not None:
            labels.append((block.field.label, _Label(block.field, -1, False)))
    return labels


@dataclass
class _Reading:
    raw: dict[str, list[str]] = field(default_factory=dict)
    current: str | None = None  # the long_text or list field whose lines follow
    waiting: str | None = None  # a one-line field whose label stood alone: its value follows
    group: int = -1  # the group of one-line fields whose full label came last


def _resolve(candidates: list[_Label], reading: _Reading) -> _Label:
    """Pick the field a label means: a short label belongs to the group seen last."""
    if len(candidates) == 1:
        return candidates[0]
    in_group = [c for c in candidates if c.group == reading.group]
    if in_group:
        return in_group[0]
    after = [c for c in candidates if c.group > reading.group]
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
            if not info.short:
                reading.group = info.group
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
