"""The markup our templates produce (Telegram-style HTML), as text: length and splitting.

Templates in ``messages/templates`` render a small HTML subset (b, i, u, s, code, pre, a,
blockquote, tg-spoiler …). This module reads it without a parser dependency: its plain
text, its length as Telegram counts it (UTF-16 code units), and how to split a long text
into messages of at most ``limit`` characters without breaking a tag, an entity or a
character made of several code points; every opened tag is closed at a cut and reopened
in the next part.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

_TOKEN = re.compile(
    r"""<(?P<slash>/?)(?P<name>[A-Za-z][A-Za-z0-9-]*)(?:\s(?:[^>"']|"[^"]*"|'[^']*')*)?/?>"""
    r"|&(?:#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6}|[A-Za-z][A-Za-z0-9]{0,31});"
    r"|.",
    re.DOTALL,
)
# A tag or an entity, as _TOKEN reads them (same order, so the same text is matched).
_MARKUP = re.compile(_TOKEN.pattern.rsplit("|", 1)[0], re.DOTALL)
_BLOCK_JOIN = "\n\n"
_MIN_LIMIT = 4  # a single entity can unescape to two astral characters


def utf16_length(text: str) -> int:
    """Return the length of ``text`` in UTF-16 code units, as Telegram measures it."""
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le", "surrogatepass")) // 2  # in C, not a loop per char


@dataclass(frozen=True)
class _Token:
    kind: str  # "open", "close" or "text"
    raw: str
    name: str = ""
    plain: str = ""
    size: int = 0


def _tokenize(markup: str) -> list[_Token]:
    tokens: list[_Token] = []
    for match in _TOKEN.finditer(markup):
        raw = match.group(0)
        name = match.group("name")
        if name is not None:
            kind = "close" if match.group("slash") else "open"
            tokens.append(_Token(kind, raw, name.lower()))
        elif raw.startswith("&") and len(raw) > 1 and html.unescape(raw) == raw:
            # not an entity Python knows: Telegram would refuse it; count it as written
            tokens.extend(_Token("text", char, plain=char, size=utf16_length(char)) for char in raw)
        else:
            plain = html.unescape(raw) if raw.startswith("&") else raw
            tokens.append(_Token("text", raw, plain=plain, size=utf16_length(plain)))
    return tokens


def _unmarked(match: re.Match[str]) -> str:
    return "" if match.group("name") is not None else html.unescape(match.group(0))


def plain_text(markup: str) -> str:
    """Return the text of Telegram HTML with tags removed and entities unescaped."""
    if "<" not in markup and "&" not in markup:
        return markup
    return _MARKUP.sub(_unmarked, markup)  # what "".join(t.plain for t in _tokenize) gives


def plain_length(markup: str) -> int:
    """Return the length of Telegram HTML as Telegram counts it (UTF-16, after parsing)."""
    return utf16_length(plain_text(markup))


def _open_stacks(tokens: Sequence[_Token]) -> list[tuple[_Token, ...]]:
    """Return, for each token index (and the end), the tags open just before it."""
    stacks: list[tuple[_Token, ...]] = []
    stack: list[_Token] = []
    for token in tokens:
        stacks.append(tuple(stack))
        if token.kind == "open":
            stack.append(token)
        elif token.kind == "close":
            for depth in range(len(stack) - 1, -1, -1):
                if stack[depth].name == token.name:
                    del stack[depth:]
                    break
    stacks.append(tuple(stack))
    return stacks


def _render(tokens: Sequence[_Token], start: int, end: int, opened: tuple[_Token, ...]) -> str:
    """Render tokens[start:end] as balanced HTML, reopening ``opened`` when text comes.

    Opening tags are written only when text follows them inside the part, so a cut never
    leaves an empty element behind; a closing tag whose opening was never written is dropped.
    """
    out: list[str] = []
    stack: list[list[object]] = [[tag, False] for tag in opened]  # [token, written]
    for token in tokens[start:end]:
        if token.kind == "open":
            stack.append([token, False])
        elif token.kind == "close":
            for depth in range(len(stack) - 1, -1, -1):
                tag = stack[depth][0]
                assert isinstance(tag, _Token)
                if tag.name == token.name:
                    for inner, written in reversed(stack[depth:]):
                        if written:
                            assert isinstance(inner, _Token)
                            out.append(f"</{inner.name}>")
                    del stack[depth:]
                    break
        else:
            for entry in stack:
                if not entry[1]:
                    tag = entry[0]
                    assert isinstance(tag, _Token)
                    out.append(tag.raw)
                    entry[1] = True
            out.append(token.raw)
    for tag, written in reversed(stack):
        if written:
            assert isinstance(tag, _Token)
            out.append(f"</{tag.name}>")
    return "".join(out)


def _continues(char: str) -> bool:
    """Tell whether ``char`` belongs to the character before it (no cut before it)."""
    code = ord(char)
    return (
        unicodedata.category(char) in {"Mn", "Mc", "Me"}
        or code == 0x200D
        or 0xFE00 <= code <= 0xFE0F
        or 0xE0100 <= code <= 0xE01EF
        or 0x1F3FB <= code <= 0x1F3FF
        or 0xE0020 <= code <= 0xE007F
    )


def _cut_inside(tokens: Sequence[_Token], start: int, end: int, room: int, fresh: bool) -> int:
    """Return where to cut tokens[start:end] so the first side holds at most ``room`` units.

    Cuts between characters, never inside a tag, an entity or a character sequence that
    shows as one (base + combining marks, variation selectors, emoji ZWJ sequences and skin
    tones); closing tags right after the last character stay on the first side. In a
    ``fresh`` (empty, full-size) part at least one character is always taken; otherwise
    ``start`` is returned when nothing fits.
    """
    texts = [index for index in range(start, end) if tokens[index].kind == "text"]
    used = 0
    best = start
    fallback = start
    for position, index in enumerate(texts):
        token = tokens[index]
        if used + token.size > room and not (fresh and position == 0):
            break
        used += token.size
        after = index + 1
        while after < end and tokens[after].kind == "close":
            after += 1
        fallback = after
        following = tokens[texts[position + 1]].plain if position + 1 < len(texts) else ""
        if not token.plain.endswith("\u200d") and not (following and _continues(following[0])):
            best = after
    if best == start and fresh:
        return fallback
    return best


@dataclass(frozen=True)
class _Line:
    start: int  # token index
    end: int  # token index of the line's newline, or the number of tokens
    size: int
    blank: bool  # nothing but whitespace (or nothing)


def _line(tokens: Sequence[_Token], start: int, end: int) -> _Line:
    texts = [t for t in tokens[start:end] if t.kind == "text"]
    blank = all(not t.plain.strip() for t in texts)
    return _Line(start, end, sum(t.size for t in texts), blank)


def _lines(tokens: Sequence[_Token]) -> list[_Line]:
    breaks = [i for i, t in enumerate(tokens) if t.kind == "text" and t.plain == "\n"]
    starts = [0, *(i + 1 for i in breaks)]
    ends = [*breaks, len(tokens)]
    return [_line(tokens, start, end) for start, end in zip(starts, ends, strict=True)]


def _size(tokens: Sequence[_Token], start: int, end: int) -> int:
    return sum(t.size for t in tokens[start:end])


def _lone_first_line(tokens: Sequence[_Token], start: int, end: int) -> bool:
    """Tell whether tokens[start:end] is one whole line followed by more lines."""
    if any(t.kind == "text" and t.plain == "\n" for t in tokens[start:end]):
        return False
    return end < len(tokens) and tokens[end].kind == "text" and tokens[end].plain == "\n"


def _split_block(markup: str, first_room: int, limit: int) -> list[tuple[str, int] | None]:
    """Split one block into parts: the first within ``first_room``, the rest within ``limit``.

    The first entry is None when nothing of the block fits in ``first_room``, or when only
    the block's first line would (a heading is not left alone at the end of a message).
    Blank lines at the edges of a part are dropped; a part that would hold only whitespace
    is dropped.
    """
    tokens = _tokenize(markup)
    stacks = _open_stacks(tokens)
    ranges: list[tuple[int, int] | None] = []
    room = first_room
    part_start: int | None = None
    part_end = 0
    part_size = 0
    gap = 1  # what joining the next line costs: its newline and the blank lines before it

    def close() -> None:
        nonlocal part_start, room, part_size, gap
        ranges.append(None if part_start is None else (part_start, part_end))
        part_start, part_size, gap, room = None, 0, 1, limit

    pending = _lines(tokens)
    pending.reverse()  # a stack: the next line is at the end
    while pending:
        line = pending.pop()
        if part_start is not None:
            if line.blank:
                gap += line.size + 1  # kept only if a line with text follows in this part
                continue
            if part_size + gap + line.size <= room:
                part_end, part_size, gap = line.end, part_size + gap + line.size, 1
                continue
            if line.size > limit and room - part_size - gap > 0:
                cut = _cut_inside(tokens, line.start, line.end, room - part_size - gap, False)
                if cut > line.start:
                    part_end, part_size = cut, part_size + gap + _size(tokens, line.start, cut)
                    close()
                    pending.append(_line(tokens, cut, line.end))
                    continue
            close()
            pending.append(line)
            continue
        if line.blank:
            continue  # a part never starts with a blank line
        if line.size <= room:
            part_start, part_end, part_size = line.start, line.end, line.size
            continue
        if line.size <= limit and room < limit:
            close()  # the line fits a whole message: do not cut it to fill the first room
            pending.append(line)
            continue
        cut = _cut_inside(tokens, line.start, line.end, room, room == limit)
        if cut == line.start:
            close()
            pending.append(line)
            continue
        part_start, part_end = line.start, cut
        close()
        pending.append(_line(tokens, cut, line.end))
    if part_start is not None:
        close()
    first = ranges[0]
    if first_room < limit and first is not None and _lone_first_line(tokens, *first):
        return [None, *_split_block(markup, limit, limit)]
    parts: list[tuple[str, int] | None] = []
    for index, span in enumerate(ranges):
        if span is not None and any(t.plain.strip() for t in tokens[span[0] : span[1]]):
            parts.append((_render(tokens, *span, stacks[span[0]]), _size(tokens, *span)))
        elif index == 0:
            parts.append(None)
    return parts


def split_messages(blocks: Sequence[str], limit: int = 4096) -> list[str]:
    """Pack rendered Telegram-HTML blocks into as few messages as possible within ``limit``.

    Blocks are kept in order, trimmed of surrounding whitespace (blank ones are skipped)
    and joined with a blank line. A block that fits in one message is never cut: it moves
    to the next message if the current one has no room left. A block longer than ``limit``
    is cut at line breaks (the newline at a cut, and blank lines next to it, are dropped)
    and starts in the room left in the current message, unless only its first line would
    fit there (a heading is not left alone at the end of a message); a line longer than ``limit`` is
    cut between characters, never inside a character shown as one (base and combining
    marks, variation selectors, emoji joined by ZWJ or with a skin tone). A piece that
    would hold only whitespace is dropped: Telegram refuses an empty message. Cuts never
    fall inside a tag or an entity; tags open at a cut are closed before it and reopened,
    with their attributes, after it (an element is never left empty by a cut). Length is
    counted as Telegram does: UTF-16 code units of the text without tags, entities
    unescaped. ``limit`` must be at least 4 (one entity can stand for two astral characters).
    """
    if limit < _MIN_LIMIT:
        raise ValueError(f"limit must be at least {_MIN_LIMIT}")
    join = utf16_length(_BLOCK_JOIN)
    messages: list[str] = []
    current = ""
    current_size = 0

    def flush() -> None:
        nonlocal current, current_size
        if current:
            messages.append(current)
        current, current_size = "", 0

    for raw in blocks:
        block = raw.strip()
        plain = plain_text(block)
        if not plain.strip():
            continue
        size = utf16_length(plain)
        if current and current_size + join + size <= limit:
            current, current_size = current + _BLOCK_JOIN + block, current_size + join + size
            continue
        if size <= limit:
            flush()
            current, current_size = block, size
            continue
        room = limit - current_size - join if current else limit
        if room <= 0:
            flush()
            room = limit
        parts = _split_block(block, room, limit)
        first = parts.pop(0)
        if first is None:
            flush()
        elif current:
            current, current_size = current + _BLOCK_JOIN + first[0], current_size + join + first[1]
        else:
            current, current_size = first
        for part in parts:
            assert part is not None
            flush()
            current, current_size = part
    flush()
    return messages
