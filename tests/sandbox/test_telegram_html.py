"""Telegram HTML parse_mode: plain text, UTF-16 entities and Telegram's error wording."""

from __future__ import annotations

import html

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sandbox.telegram_html import HtmlParseError, parse_html, trim_text, utf16_len


def test_plain_text_and_nested_entities() -> None:
    parsed = parse_html("<b>粗<i>斜</i></b> &lt;tag&gt; &amp; &quot;q&quot; &#65;&#x42;")
    assert parsed.text == '粗斜 <tag> & "q" AB'
    assert parsed.entities == [
        {"offset": 0, "length": 2, "type": "bold"},
        {"offset": 1, "length": 1, "type": "italic"},
    ]


def test_offsets_are_utf16_code_units() -> None:
    parsed = parse_html("😀<b>x</b>")
    assert parsed.entities == [{"offset": 2, "length": 1, "type": "bold"}]
    assert utf16_len("😀x") == 3


@pytest.mark.parametrize(
    ("source", "entity"),
    [
        (
            '<a href="https://example.com/?a=1&amp;b=2">链接</a>',
            {"type": "text_link", "url": "https://example.com/?a=1&b=2"},
        ),
        ('<span class="tg-spoiler">x</span>', {"type": "spoiler"}),
        ("<tg-spoiler>x</tg-spoiler>", {"type": "spoiler"}),
        ("<u>x</u>", {"type": "underline"}),
        ("<ins>x</ins>", {"type": "underline"}),
        ("<s>x</s>", {"type": "strikethrough"}),
        ("<del>x</del>", {"type": "strikethrough"}),
        ("<strike>x</strike>", {"type": "strikethrough"}),
        ("<em>x</em>", {"type": "italic"}),
        ("<strong>x</strong>", {"type": "bold"}),
        ("<code>x</code>", {"type": "code"}),
        ("<pre>x</pre>", {"type": "pre"}),
        (
            '<pre><code class="language-python">x</code></pre>',
            {"type": "pre", "language": "python"},
        ),
        ("<blockquote>x</blockquote>", {"type": "blockquote"}),
        ("<blockquote expandable>x</blockquote>", {"type": "expandable_blockquote"}),
        (
            '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>',
            {"type": "custom_emoji", "custom_emoji_id": "5368324170671202286"},
        ),
    ],
)
def test_supported_tags(source: str, entity: dict[str, str]) -> None:
    (parsed_entity,) = parse_html(source).entities
    assert {k: v for k, v in parsed_entity.items() if k not in ("offset", "length")} == entity


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ("<br>", 'Unsupported start tag "br" at byte offset 0'),
        ("a < b", 'Unsupported start tag "" at byte offset 2'),
        ("中文<x>", 'Unsupported start tag "x" at byte offset 6'),
        ("x <b", "Unclosed start tag at byte offset 2"),
        ("<a href", 'Unclosed start tag "a" at byte offset 0'),
        ('<a href="x"', "Unclosed start tag at byte offset 0"),
        ('<a ="x">y</a>', 'Empty attribute name in the tag "a" at byte offset 0'),
        ("<a href=x/>y</a>", "Unexpected end of name token at byte offset 8"),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("<b>x</b", "Unclosed end tag at byte offset 4"),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("<b>x", 'Can\'t find end tag corresponding to start tag "b"'),
        ('<tg-emoji emoji-id="x">y</tg-emoji>', "Invalid custom emoji identifier specified"),
        ("a &nbsp; b", 'Unsupported HTML entity "&nbsp;" at byte offset 2'),
    ],
)
def test_errors_like_telegram(source: str, reason: str) -> None:
    with pytest.raises(HtmlParseError) as info:
        parse_html(source, strict_entities=True)
    assert info.value.reason == reason


def test_lenient_entities_like_telegram() -> None:
    assert parse_html("AT&T &nbsp; &lt").text == "AT&T &nbsp; <"


def test_empty_tags_make_no_entity_and_trim_clips() -> None:
    parsed = trim_text(parse_html("  <b></b><i> x </i>\n"))
    assert parsed.text == "x"
    assert parsed.entities == [{"offset": 0, "length": 1, "type": "italic"}]


@given(st.text())
def test_escaped_text_round_trips(text: str) -> None:
    parsed = parse_html(html.escape(text), strict_entities=True)
    assert parsed.text == text
    assert parsed.entities == []


@given(st.text(alphabet=st.characters(exclude_characters="<>&\0")), st.sampled_from("bisu"))
def test_wrapped_text_gets_one_entity(text: str, tag: str) -> None:
    parsed = parse_html(f"<{tag}>{text}</{tag}>")
    assert parsed.text == text
    assert len(parsed.entities) == (1 if text else 0)
    if text:
        assert parsed.entities[0]["length"] == utf16_len(text)
