"""Telegram's HTML parse_mode: plain text and entities, with Telegram's error wording.

The algorithm follows TDLib's ``parse_html`` (which the Bot API server uses): the same
supported tags, attribute rules, entity references and "at byte offset N" error messages.
Offsets and lengths of the returned entities are in UTF-16 code units, as in the Bot API.

One deliberate difference, switchable with ``strict_entities``: Telegram keeps an unknown
named reference such as ``&nbsp;`` as literal text; in strict mode the sandbox rejects it so
that such a bug (the user would see "&nbsp;") is caught. A bare ``&`` stays allowed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

SUPPORTED_TAGS = frozenset(
    {
        "a", "b", "strong", "i", "em", "s", "strike", "del", "u", "ins", "tg-spoiler",
        "tg-emoji", "span", "pre", "code", "blockquote",
    }
)
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_SPACES = frozenset(" \t\r\n\0\v")
_ASCII_ALNUM = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
_HEX = frozenset("0123456789abcdefABCDEF")
_DIGITS = frozenset("0123456789")
_SPECIAL = re.compile(r"[<&]")
_STRICT_REF = re.compile(r"&#?[A-Za-z0-9]+;")
_PRIORITY = {
    "bold": 90, "italic": 91, "code": 20, "pre": 11, "text_link": 49, "underline": 92,
    "strikethrough": 93, "blockquote": 0, "expandable_blockquote": 0, "spoiler": 94,
    "custom_emoji": 99,
}
_SIMPLE = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline",
    "ins": "underline", "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough",
    "tg-spoiler": "spoiler", "span": "spoiler",
}
TRIM_CHARS = " \t\r\n\v\f"


class HtmlParseError(ValueError):
    """Raised for invalid Telegram HTML; ``reason`` is Telegram's wording."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class ParsedText:
    """Plain text with its Bot API entities (offsets in UTF-16 code units)."""

    text: str
    entities: list[dict[str, Any]]


@dataclass
class _Open:
    tag: str
    argument: str
    offset: int
    result_pos: int


def utf16_len(text: str) -> int:
    """Return the length of ``text`` in UTF-16 code units."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


class _Parser:
    def __init__(self, source: str, strict_entities: bool) -> None:
        self.s = source
        self.n = len(source)
        self.strict = strict_entities
        self.out: list[str] = []
        self.rlen = 0
        self.utf16 = 0
        self.entities: list[dict[str, Any]] = []
        self.stack: list[_Open] = []

    def at(self, i: int) -> str:
        return self.s[i] if i < self.n else "\0"

    def fail(self, reason: str, pos: int | None = None) -> HtmlParseError:
        if pos is not None:
            byte = len(self.s[:pos].encode("utf-8", "surrogatepass"))
            reason = f"{reason} at byte offset {byte}"
        return HtmlParseError(reason)

    def emit(self, chunk: str) -> None:
        self.out.append(chunk)
        self.rlen += len(chunk)
        self.utf16 += utf16_len(chunk)

    def decode_ref(self, pos: int) -> tuple[str | None, int]:
        at = self.at
        end = pos + 1
        if at(pos + 1) == "#":
            end += 1
            code = 0
            if at(pos + 2) == "x":
                end += 1
                while at(end) in _HEX and end < self.n:
                    code = code * 16 + int(at(end), 16)
                    end += 1
            else:
                while at(end) in _DIGITS and end < self.n:
                    code = code * 10 + int(at(end))
                    end += 1
            if code == 0 or code >= 0x10FFFF or end - pos >= 10:
                return None, pos
            char = chr(code)
        else:
            while end < self.n and self.s[end].isascii() and self.s[end].isalpha():
                end += 1
            named = _NAMED.get(self.s[pos + 1 : end])
            if named is None:
                return None, pos
            char = named
        if at(end) == ";":
            end += 1
        if 0xD800 <= ord(char) <= 0xDFFF:
            raise self.fail(
                "Text contains invalid Unicode characters after decoding HTML entities, "
                "check for unmatched surrogate code units"
            )
        return char, end

    def parse(self) -> ParsedText:
        s, i = self.s, 0
        while i < self.n:
            match = _SPECIAL.search(s, i)
            j = match.start() if match else self.n
            if j > i:
                self.emit(s[i:j])
                i = j
                if i >= self.n:
                    break
            if s[i] == "&":
                char, end = self.decode_ref(i)
                if char is None:
                    if self.strict and (ref := _STRICT_REF.match(s, i)):
                        raise self.fail(f'Unsupported HTML entity "{ref.group()}"', i)
                    self.emit("&")
                    i += 1
                else:
                    self.emit(char)
                    i = end
                continue
            if self.at(i + 1) != "/":
                i = self.start_tag(i)
            else:
                i = self.end_tag(i)
        if self.stack:
            raise self.fail(
                f'Can\'t find end tag corresponding to start tag "{self.stack[-1].tag}"'
            )
        for entity in self.entities:
            if entity["type"] == "code":
                entity.pop("language", None)
        self.entities.sort(key=lambda e: (e["offset"], -e["length"], _PRIORITY[e["type"]]))
        return ParsedText("".join(self.out), self.entities)

    def skip_spaces(self, i: int) -> int:
        while i < self.n and self.s[i] in _SPACES and self.s[i] != "\0":
            i += 1
        return i

    def start_tag(self, begin: int) -> int:
        at, i = self.at, begin + 1
        while at(i) not in _SPACES and at(i) != ">":
            i += 1
        if at(i) == "\0":
            raise self.fail("Unclosed start tag", begin)
        tag = self.s[begin + 1 : i].lower()
        if tag not in SUPPORTED_TAGS:
            raise self.fail(f'Unsupported start tag "{tag}"', begin)
        argument = ""
        while at(i) != ">":
            i = self.skip_spaces(i)
            if at(i) == ">":
                break
            attr_begin = i
            while at(i) not in _SPACES and at(i) not in "=>/\"'":
                i += 1
            attr = self.s[attr_begin:i]
            if not attr:
                raise self.fail(f'Empty attribute name in the tag "{tag}"', begin)
            i = self.skip_spaces(i)
            if at(i) != "=":
                if at(i) == "\0":
                    raise self.fail(f'Unclosed start tag "{tag}"', begin)
                if tag == "blockquote" and attr == "expandable":
                    argument = "1"
                continue
            i = self.skip_spaces(i + 1)
            if at(i) == "\0":
                raise self.fail(f'Unclosed start tag "{tag}"', begin)
            value, i = self.attr_value(i)
            if at(i) == "\0":
                raise self.fail("Unclosed start tag", begin)
            if (tag, attr) in (("a", "href"), ("tg-emoji", "emoji-id")):
                argument = value
            elif (tag, attr) == ("code", "class") and value.startswith("language-"):
                argument = value[9:]
            elif (tag, attr) == ("span", "class") and value.startswith("tg-"):
                argument = value[3:]
            elif (tag, attr) == ("blockquote", "expandable"):
                argument = "1"
        if tag == "span" and argument != "spoiler":
            raise self.fail('Tag "span" must have class "tg-spoiler"', begin)
        self.stack.append(_Open(tag, argument, self.utf16, self.rlen))
        return i + 1

    def attr_value(self, i: int) -> tuple[str, int]:
        at = self.at
        if at(i) not in "'\"":
            token_begin = i
            while at(i) in _ASCII_ALNUM or at(i) in ".-":
                i += 1
            if at(i) not in _SPACES and at(i) != ">":
                raise self.fail("Unexpected end of name token", token_begin)
            return self.s[token_begin:i].lower(), i
        quote = at(i)
        i += 1
        value: list[str] = []
        while at(i) != quote and at(i) != "\0":
            if at(i) == "&":
                char, end = self.decode_ref(i)
                if char is not None:
                    value.append(char)
                    i = end
                    continue
            value.append(at(i))
            i += 1
        if at(i) == quote:
            i += 1
        return "".join(value), i

    def end_tag(self, begin: int) -> int:
        at, i = self.at, begin + 1
        if not self.stack:
            raise self.fail("Unexpected end tag", begin)
        while at(i) not in _SPACES and at(i) != ">":
            i += 1
        end_name = self.s[begin + 2 : i].lower()
        i = self.skip_spaces(i)
        if at(i) != ">":
            raise self.fail("Unclosed end tag", begin)
        opened = self.stack[-1]
        if end_name and end_name != opened.tag:
            raise self.fail(
                f'Unmatched end tag at byte offset '
                f'{len(self.s[:begin].encode("utf-8", "surrogatepass"))}, '
                f'expected "</{opened.tag}>", found "</{end_name}>"'
            )
        if self.utf16 > opened.offset:
            self.add_entity(opened, self.utf16 - opened.offset)
        self.stack.pop()
        return i + 1

    def add_entity(self, opened: _Open, length: int) -> None:
        offset, tag, arg = opened.offset, opened.tag, opened.argument
        last = self.entities[-1] if self.entities else None
        same = last is not None and last["offset"] == offset and last["length"] == length
        entity: dict[str, Any] = {"offset": offset, "length": length}
        if tag in _SIMPLE:
            entity["type"] = _SIMPLE[tag]
        elif tag == "tg-emoji":
            if not (arg.isdigit() and arg.isascii() and 0 < int(arg) < 2**63):
                raise self.fail("Invalid custom emoji identifier specified")
            entity.update(type="custom_emoji", custom_emoji_id=arg)
        elif tag == "a":
            url = arg or "".join(self.out)[opened.result_pos :]
            if not url or any(ch.isspace() for ch in url):
                return
            entity.update(type="text_link", url=url)
        elif tag == "pre":
            if last is not None and same and last["type"] == "code" and "language" in last:
                last["type"] = "pre"
                return
            entity["type"] = "pre"
        elif tag == "code":
            if last is not None and same and last["type"] == "pre" and arg:
                last["language"] = arg
                return
            entity["type"] = "code"
            if arg:
                entity["language"] = arg
        else:
            entity["type"] = "expandable_blockquote" if arg else "blockquote"
        self.entities.append(entity)


def parse_html(source: str, *, strict_entities: bool = False) -> ParsedText:
    """Parse Telegram HTML into plain text and entities or raise ``HtmlParseError``."""
    return _Parser(source, strict_entities).parse()


def trim_text(parsed: ParsedText) -> ParsedText:
    """Strip leading/trailing whitespace like Telegram and clip the entities to match."""
    text = parsed.text
    stripped_left = text.lstrip(TRIM_CHARS)
    left = utf16_len(text) - utf16_len(stripped_left)
    result = stripped_left.rstrip(TRIM_CHARS)
    total = utf16_len(result)
    entities = []
    for entity in parsed.entities:
        start = max(0, entity["offset"] - left)
        end = min(total, entity["offset"] + entity["length"] - left)
        if end > start:
            entities.append({**entity, "offset": start, "length": end - start})
    return ParsedText(result, entities)


def strip_tags(source: str) -> str:
    """Return the plain text of Telegram HTML (lenient: never raises)."""
    try:
        return parse_html(source).text
    except HtmlParseError:
        return re.sub(r"<[^>]*>", "", source)
