"""Tests for the case text rules: word count, restricted wording, Telegram splitting."""

from __future__ import annotations

import html
import re
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contest.definition import RestrictedWord, WordingRule, load_contest
from contest.text import (
    Hit,
    count_words,
    document_hits,
    document_words,
    find_restricted,
    is_wide,
    sentence_spans,
    unresolved,
)
from messages.markup import plain_length, plain_text, split_messages, utf16_length

CONTEST = load_contest(Path(__file__).resolve().parents[2] / "contests" / "jianbing-2024.toml")
RULE = CONTEST.rules.wording
CASE_FIELDS = CONTEST.forms.case.fields

# ------------------------------------------------------------------------ count_words


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", 0),
        ("   \n\t", 0),
        ("\u3000\u3000", 0),
        ("\xa0", 0),
        ("深圳", 2),
        ("深圳2024年", 4),
        ("AI管家", 3),
        ("Hello world", 2),
        ("Hello, world!", 2),
        ("Hello , world", 3),
        ("e.g., 示例", 3),
        ("5G", 1),
        ("5G基站", 3),
        ("1310", 1),
        ("“1310”", 3),
        ("“一网通办”", 6),
        ("“一网通办”再提速。", 10),
        ("5G基站、e.g., 示例", 7),
        ("……", 2),
        ("——", 2),
        ("（一）", 3),
        ("《参赛案例说明书》", 9),
        ("７月１５日", 5),
        ("２０２４", 4),
        ("ＡＩ", 2),
        ("7·9", 3),
        ("“7·9”重要讲话", 9),
        ("【注】※", 4),
        ("，,", 2),
        ("好,好", 3),
        ("3,000字", 2),
        ("第1名", 3),
        ("www.sz.gov.cn", 1),
        ("0755-88134324", 1),
        ("a b  c", 3),
        ("深圳 2024 年", 4),
        ("😀", 1),
        ("😀😀", 1),
        ("好😀好", 3),
        ("👨\u200d👩\u200d👧", 1),
        ("e\u0301", 1),
        ("a\u200bb", 1),
        ("葛\U000e0100", 1),
        ("\u0301", 0),
        ("\U00020000\U0002a700\U00030000", 3),
        ("\u3400\u9fff", 2),
        ("\uf900\U0002f800", 2),
        ("ひらがなカタカナ", 8),
        ("한국어", 3),
        ("ｶﾀｶﾅ", 4),
        ("中文\n\n英文English", 5),
    ],
)
def test_count_words(text: str, words: int) -> None:
    assert count_words(text) == words


@given(st.text(), st.text(), st.sampled_from([" ", "\n", "\t", "\u3000", "  \r\n"]))
def test_count_is_additive_over_whitespace(left: str, right: str, space: str) -> None:
    assert count_words(left + space + right) == count_words(left) + count_words(right)


@given(st.text(), st.text(), st.sampled_from(["中", "。", "“", "Ａ", "\U00020000"]))
def test_a_cjk_character_between_two_texts_counts_one(left: str, right: str, cjk: str) -> None:
    assert count_words(left + cjk + right) == count_words(left) + 1 + count_words(right)


@given(st.text())
def test_count_is_bounded(text: str) -> None:
    words = count_words(text)
    assert 0 <= words <= len(text)
    assert words <= sum(1 for char in text if not char.isspace())
    if text.strip() == "" or not text:
        assert words == 0


def counted_per_character(text: str) -> int:
    """Count 字数 one character at a time: the rule as written, to check the fast count by."""
    count, in_run = 0, False
    for char in text:
        if char.isspace():
            in_run = False
        elif is_wide(char):
            count, in_run = count + 1, False
        elif unicodedata.category(char) in {"Mn", "Mc", "Me", "Cf", "Cc", "Cs"}:
            continue
        elif not in_run:
            count, in_run = count + 1, True
    return count


MIXED = st.text(
    alphabet=st.one_of(
        st.characters(),
        st.sampled_from(list("中文“”…——·　 \u0301\u200d\ufe0f\x00\x1fA1,.")),
    )
)


@settings(max_examples=500)
@given(MIXED)
def test_the_count_agrees_with_the_rule_character_by_character(text: str) -> None:
    assert count_words(text) == counted_per_character(text)


CJK = st.one_of(
    st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),
    st.characters(min_codepoint=0x3400, max_codepoint=0x4DBF),
    st.characters(min_codepoint=0x20000, max_codepoint=0x2A6DF),
    st.characters(min_codepoint=0x3001, max_codepoint=0x303F),
    st.characters(min_codepoint=0xFF01, max_codepoint=0xFF5E),
    st.sampled_from(list("“”‘’…—")),
)


@given(st.text(alphabet=CJK))
def test_pure_cjk_counts_every_character(text: str) -> None:
    assert count_words(text) == len(text)


@given(st.lists(st.text(alphabet=st.characters(codec="ascii", categories=["L", "N", "P"]))))
def test_latin_words_count_one_each(words: list[str]) -> None:
    assert count_words(" ".join(words)) == sum(1 for w in words if w)


def test_document_words_counts_only_counted_fields() -> None:
    values: dict[str, object] = {
        "category": "development",
        "recommending_unit": "深圳市某某局",
        "title": "AI管家",
        "lead_name": "张三",
        "background": "深圳2024年",
        "innovations": ["Hello world", "", "深圳"],
        "results": None,
        "whats_new": "不计入字数",
    }
    per_field, total = document_words(values, CASE_FIELDS)
    assert per_field == {"title": 3, "background": 4, "innovations": 4, "results": 0}
    assert total == 11


def test_document_words_of_an_empty_document() -> None:
    per_field, total = document_words({}, CASE_FIELDS)
    assert set(per_field) == {f.key for f in CASE_FIELDS if f.counted}
    assert total == 0


def test_a_document_over_the_limit() -> None:
    values = {"background": "字" * 2990, "innovations": ["创新" * 5, "x"], "title": "标题"}
    _, total = document_words(values, CASE_FIELDS)
    assert total == 3003 > CONTEST.rules.word_limit


# ------------------------------------------------------------------ restricted words


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("形成了枫桥模式。", [("模式", "枫桥模式")]),
        ("这是深圳经验", [("经验", "深圳经验")]),
        ("成为全国样板", [("样板", "全国样板")]),
        ("我们认真总结经验", [("经验", "总结经验")]),
        ("形成可复制模式", [("模式", "复制模式")]),
        ("前海合作区模式", [("模式", "作区模式")]),
        ("大力推广深圳经验", [("经验", "深圳经验")]),
        ("可复制的经验", [("经验", "经验")]),
        ("经验丰富", [("经验", "经验")]),
        ("创新“最多跑一次”模式", [("模式", "“最多跑一次”模式")]),
        ("创新「秒批」模式", [("模式", "「秒批」模式")]),
        ("探索O2O模式", [("模式", "O2O模式")]),
        ("AI管家5G模式", [("模式", "5G模式")]),
        ("推进Internet模式", [("模式", "Internet模式")]),
        ("AI深圳经验", [("经验", "深圳经验")]),
        ("AI经验", [("经验", "AI经验")]),
        ("互联网+模式", [("模式", "模式")]),
        ("深圳 经验", [("经验", "经验")]),
        ("很好。经验", [("经验", "经验")]),
        ("“”模式", [("模式", "模式")]),
        ("属全国首创", [("首创", "首创")]),
        ("具有首创性", [("首创", "首创")]),
        ("弘扬首创精神", []),
        ("全市唯一一家", [("唯一", "唯一")]),
        ("确保数据唯一性", []),
        ("唯一性和唯一", [("唯一", "唯一")]),
        ("这是一个普通的句子。", []),
        ("", []),
        (
            "深圳经验和首创做法",
            [("经验", "深圳经验"), ("首创", "首创")],
        ),
        ("样板模式", [("样板", "样板"), ("模式", "样板模式")]),
        ("全国样板模式", [("样板", "全国样板"), ("模式", "样板模式")]),
    ],
)
def test_find_restricted_phrases(text: str, found: list[tuple[str, str]]) -> None:
    hits = find_restricted(text, RULE)
    assert [(h.word, h.phrase) for h in hits] == found
    for hit in hits:
        assert text[hit.start : hit.end] == hit.phrase
        assert hit.phrase.endswith(hit.word)
        assert text[hit.sentence_start : hit.sentence_end] == hit.sentence


@pytest.mark.parametrize(
    ("text", "sentence"),
    [
        ("第一句。这是深圳经验！第三句", "这是深圳经验！"),
        ("第一句\n  这是深圳经验  \n第三句", "这是深圳经验"),
        ("他说：“这是深圳经验。”然后走了", "他说：“这是深圳经验。”"),
        ("这是深圳经验？！后面", "这是深圳经验？！"),
        ("前面;这是深圳经验; 后面", "这是深圳经验;"),
        ("这是深圳经验，而且……很好", "这是深圳经验，而且……很好"),
    ],
)
def test_hit_sentence(text: str, sentence: str) -> None:
    (hit,) = find_restricted(text, RULE)
    assert hit.sentence == sentence
    assert text[hit.sentence_start : hit.sentence_end] == sentence


def test_phrase_does_not_reach_into_the_previous_sentence() -> None:
    (hit,) = find_restricted("我们在深圳。经验表明", RULE)
    assert hit.phrase == "经验"
    assert hit.sentence == "经验表明"


def test_sentence_spans() -> None:
    text = " 一。二！”\n\n三；四?五 "
    assert [text[a:b] for a, b in sentence_spans(text)] == ["一。", "二！”", "三；", "四?", "五"]


def test_word_matches_latin_only_as_a_whole_word() -> None:
    rule = WordingRule(words=[RestrictedWord(word="best"), RestrictedWord(word="only")])
    assert [h.phrase for h in find_restricted("the best, bestow; only1 only", rule)] == [
        "best",
        "only",
    ]


def test_hits_carry_the_note_and_field() -> None:
    rule = WordingRule(words=[RestrictedWord(word="首创", note="需附依据")])
    (hit,) = find_restricted("全国首创", rule, field="title")
    assert (hit.note, hit.field, hit.item, hit.match) == ("需附依据", "title", None, "word")


def test_hit_id_survives_unrelated_edits() -> None:
    before = find_restricted("第一句很好。我们形成了深圳经验。", RULE)
    after = find_restricted("第一句改写得更长一些了。我们形成了深圳经验。\n补充一段。", RULE)
    assert [h.hit_id for h in before] == [h.hit_id for h in after]
    assert before[0].start != after[0].start


def test_hit_id_ignores_whitespace_in_the_sentence() -> None:
    before = find_restricted("我们形成了 深圳经验。", RULE)
    after = find_restricted("我们 形成了 深圳经验。", RULE)
    assert before[0].hit_id == after[0].hit_id


def test_hit_id_changes_when_the_sentence_changes() -> None:
    before = find_restricted("我们形成了深圳经验。", RULE)
    after = find_restricted("我们总结形成了深圳经验。", RULE)
    assert before[0].hit_id != after[0].hit_id


def test_repeated_claims_get_distinct_ids() -> None:
    hits = find_restricted("全国首创。全国首创。首创一，首创二。", RULE)
    assert len(hits) == 4
    assert len({h.hit_id for h in hits}) == 4


def test_document_hits_cover_checked_fields_and_items() -> None:
    values: dict[str, object] = {
        "title": "深圳经验再出发",
        "lead_name": "首创",  # not a checked field
        "background": "背景。全市唯一。",
        "innovations": ["做法一", "打造全国样板。"],
        "results": None,
    }
    hits = document_hits(values, CASE_FIELDS, RULE)
    assert [(h.field, h.item, h.phrase) for h in hits] == [
        ("title", None, "深圳经验"),
        ("background", None, "唯一"),
        ("innovations", 1, "全国样板"),
    ]


def test_moving_a_sentence_to_another_field_keeps_its_id() -> None:
    first = document_hits({"background": "我们是全市唯一。"}, CASE_FIELDS, RULE)
    moved = document_hits({"results": ["其他", "我们是全市唯一。"]}, CASE_FIELDS, RULE)
    assert first[0].hit_id == moved[0].hit_id


def test_document_occurrences_are_numbered_across_fields() -> None:
    hits = document_hits(
        {"background": "全市唯一。", "innovations": ["全市唯一。"]}, CASE_FIELDS, RULE
    )
    assert len({h.hit_id for h in hits}) == 2


def test_unresolved() -> None:
    hits = find_restricted("全国首创。深圳经验。全市唯一。", RULE)
    first, second, third = hits
    evidence = {first.hit_id: "见市政府文件", second.hit_id: "   ", "stale": "x"}
    assert unresolved(hits, evidence) == [second, third]
    assert unresolved(hits, {}) == hits
    assert unresolved([], {"x": "y"}) == []


SNIPPETS = st.lists(
    st.sampled_from(
        ["深圳", "经验", "模式", "样板", "首创", "唯一", "性", "精神", "的", "，", "。", "\n"]
        + [" ", "“", "”", "O2O", "+", "！", "全国", "总结"]
    ),
    max_size=30,
).map("".join)


@given(SNIPPETS)
def test_hits_are_consistent(text: str) -> None:
    hits = find_restricted(text, RULE)
    assert len({h.hit_id for h in hits}) == len(hits)
    assert len(hits) >= text.count("经验") + text.count("模式") + text.count("样板")
    for hit in hits:
        assert isinstance(hit, Hit)
        assert text[hit.start : hit.end] == hit.phrase
        assert hit.phrase.endswith(hit.word)
        assert hit.sentence_start <= hit.start < hit.end <= hit.sentence_end
        assert "\n" not in hit.sentence
        assert hit.sentence == hit.sentence.strip()


UNRELATED = st.text(alphabet=st.sampled_from(list("深圳，的“” O2O+！")), max_size=20)


@given(SNIPPETS, UNRELATED)
def test_ids_survive_a_new_sentence_in_front(text: str, other: str) -> None:
    prefix = other + "。\n"
    before = [h.hit_id for h in find_restricted(text, RULE)]
    after = [h.hit_id for h in find_restricted(prefix + text, RULE)]
    assert after[len(after) - len(before) :] == before


# --------------------------------------------------------------------- split_messages

TAG = re.compile(r"<(/?)([a-z-]+)[^>]*>")


def telegram_length(markup: str) -> int:
    """Measure as Telegram does, independently of the module under test."""
    return len(html.unescape(TAG.sub("", markup)).encode("utf-16-le")) // 2


def tags_balanced(markup: str) -> bool:
    stack: list[str] = []
    for closing, name in TAG.findall(markup):
        if not closing:
            stack.append(name)
        elif not stack or stack.pop() != name:
            return False
    return not stack


def markup_intact(markup: str) -> bool:
    """Tell that no tag or entity was cut: every < starts a tag, every & an entity."""
    text = TAG.sub("", markup)
    entities = re.compile(r"&(#[0-9]+|#x[0-9a-fA-F]+|[a-zA-Z]+);")
    return "<" not in text and ">" not in text and "&" not in entities.sub("", text)


def test_plain_text_and_length() -> None:
    markup = '<b>a&amp;b</b> <a href="https://x.cn/?a=1&amp;b=2">链接</a> &lt;&#128512;&#x4e2d;'
    assert plain_text(markup) == "a&b 链接 <😀中"
    assert plain_length(markup) == 11
    assert utf16_length("😀a") == 3


@pytest.mark.parametrize(
    ("blocks", "limit", "messages"),
    [
        ([], 4096, []),
        (["", "  \n", "<b></b>", "<b> </b>"], 4096, []),
        (["<b>一</b>"], 4096, ["<b>一</b>"]),
        (["  一\n", "\n二  "], 4096, ["一\n\n二"]),
        (["一", "二", "三"], 4096, ["一\n\n二\n\n三"]),
        (["a" * 4, "b" * 4], 10, ["aaaa\n\nbbbb"]),
        (["a" * 5, "b" * 4], 10, ["aaaaa", "bbbb"]),
        (["a" * 4, "b" * 4, "c" * 4], 10, ["aaaa\n\nbbbb", "cccc"]),
        (["a" * 10, "b"], 10, ["a" * 10, "b"]),
        # entities count one, tags nothing
        (["&lt;" * 5, "<b>x</b>" * 3], 10, ["&lt;" * 5 + "\n\n" + "<b>x</b>" * 3]),
        # UTF-16: an emoji counts two
        (["😀" * 5], 10, ["😀" * 5]),
        (["😀" * 6], 10, ["😀" * 5, "😀"]),
        # a block that fits a message moves whole; it is not cut to fill the room left
        (["a" * 6, "b\nc" * 2], 10, ["a" * 6, "b\ncb\nc"]),
        # an oversized block is cut at line breaks and starts in the room left
        (["aaa", "bb\ncc\ndd\nee"], 10, ["aaa\n\nbb\ncc", "dd\nee"]),
        (["l1\nl2\nl3\nl4\nl5"], 6, ["l1\nl2", "l3\nl4", "l5"]),
        # ... but not when only its first line (a heading) would fit there
        (["aaaa", "head\nline1\nline2"], 10, ["aaaa", "head\nline1", "line2"]),
        (["aaaa", "hd\nline1\nline2\nline3"], 14, ["aaaa\n\nhd\nline1", "line2\nline3"]),
        # blank lines at a cut are dropped, inside a part kept
        (["aaaa\n\n\nbbbb\n\ncc"], 6, ["aaaa", "bbbb", "cc"]),
        (["aa\n\nbb\n\n\n\ncccccc"], 7, ["aa\n\nbb", "cccccc"]),
        # a line longer than the limit is cut between characters
        (["a" * 25], 10, ["a" * 10, "a" * 10, "a" * 5]),
        (["xx", "a" * 15], 10, ["xx\n\naaaaaa", "a" * 9]),
        # tags open at a cut are closed and reopened with their attributes
        (
            ['<a href="https://x.cn/?a=1&amp;b=2"><b>l1\nl2</b></a>'],
            4,
            [
                '<a href="https://x.cn/?a=1&amp;b=2"><b>l1</b></a>',
                '<a href="https://x.cn/?a=1&amp;b=2"><b>l2</b></a>',
            ],
        ),
        (
            ['<pre><code class="language-python">x = 1\ny = 2</code></pre>'],
            5,
            [
                '<pre><code class="language-python">x = 1</code></pre>',
                '<pre><code class="language-python">y = 2</code></pre>',
            ],
        ),
        (["<b>abcdef</b>ghij"], 4, ["<b>abcd</b>", "<b>ef</b>gh", "ij"]),
        # a tag opening right at the cut is not left empty
        (["abcd<i>efgh</i>"], 4, ["abcd", "<i>efgh</i>"]),
        (["<b>x\n</b>\n<i>y</i>" + "z" * 4], 5, ["<b>x</b>", "<i>y</i>zzzz"]),
        # entities are never cut
        (["abc&amp;&amp;def"], 4, ["abc&amp;", "&amp;def"]),
        (["&#128512;&#128512;&#128512;"], 4, ["&#128512;&#128512;", "&#128512;"]),
        # characters shown as one are not cut
        (["abce\u0301fg"], 4, ["abc", "e\u0301fg"]),
        (["ab👍🏽cd"], 4, ["ab", "👍🏽", "cd"]),
        (["a👨\u200d👩cd"], 6, ["a👨\u200d👩", "cd"]),
        (["a👨\u200d👩cd"], 5, ["a", "👨\u200d👩", "cd"]),
        # whitespace-only pieces are dropped
        (["ab" + " " * 10 + "cd"], 4, ["ab  ", "cd"]),
    ],
)
def test_split_messages(blocks: list[str], limit: int, messages: list[str]) -> None:
    assert split_messages(blocks, limit) == messages


def test_telegram_limit_boundaries() -> None:
    assert split_messages(["a" * 2047, "b" * 2047]) == ["a" * 2047 + "\n\n" + "b" * 2047]
    assert len(split_messages(["a" * 2048, "b" * 2047])) == 2
    assert split_messages(["&amp;" * 4096]) == ["&amp;" * 4096]
    assert split_messages(["<b>" + "字" * 4096 + "</b>"]) == ["<b>" + "字" * 4096 + "</b>"]
    assert len(split_messages(["😀" * 2049])) == 2
    parts = split_messages(["字" * 5000])
    assert [telegram_length(p) for p in parts] == [4096, 904]


def test_a_long_field_with_many_lines() -> None:
    lines = [f"<b>{n}.</b> " + "创新做法" * 40 for n in range(1, 60)]
    block = "<blockquote expandable>" + "\n".join(lines) + "</blockquote>"
    parts = split_messages(["<b>案例背景</b>", block, "<i>完</i>"])
    assert len(parts) == 3
    for part in parts:
        assert telegram_length(part) <= 4096
        assert part.count("<blockquote expandable>") == part.count("</blockquote>") >= 1
        assert tags_balanced(part)
    assert parts[0].startswith("<b>案例背景</b>\n\n<blockquote expandable><b>1.</b> ")
    assert parts[-1].endswith("</blockquote>\n\n<i>完</i>")
    assert "\n".join(plain_text(p) for p in parts) == plain_text(
        "<b>案例背景</b>\n\n" + block + "\n\n<i>完</i>"
    )


def test_limit_must_leave_room_for_a_character() -> None:
    with pytest.raises(ValueError, match="at least"):
        split_messages(["abc"], limit=3)


OPENERS = {
    "b": "<b>",
    "i": "<i>",
    "a": '<a href="https://example.cn/?q=1&amp;r=&quot;2&quot;">',
    "code": '<code class="language-python">',
    "tg-spoiler": "<tg-spoiler>",
    "blockquote": "<blockquote expandable>",
}
CHARS = list("ab 中文，。\n\n&<>\"'") + ["😀", "\u0301", "\u200d", "🏽", "\U00020000"]
TEXT = st.text(alphabet=st.sampled_from(CHARS), max_size=25).map(html.escape)


def element(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.tuples(st.sampled_from(sorted(OPENERS)), st.lists(children, max_size=4)).map(
        lambda t: OPENERS[t[0]] + "".join(t[1]) + f"</{t[0]}>"
    )


MARKUP = st.recursive(
    TEXT, lambda c: element(c) | st.lists(c, max_size=4).map("".join), max_leaves=12
)


def expected_text(blocks: list[str]) -> str:
    return "".join(plain_text(b.strip()) for b in blocks if plain_text(b.strip()).strip())


@settings(max_examples=300)
@given(st.lists(MARKUP, max_size=6), st.integers(min_value=4, max_value=60))
def test_split_properties(blocks: list[str], limit: int) -> None:
    parts = split_messages(blocks, limit)
    for part in parts:
        assert 0 < telegram_length(part) <= limit
        assert plain_length(part) == telegram_length(part)
        assert plain_text(part).strip()
        assert tags_balanced(part)
        assert markup_intact(part)
    squeeze = re.compile(r"\s")
    got = squeeze.sub("", "".join(plain_text(p) for p in parts))
    assert got == squeeze.sub("", expected_text(blocks))


NO_SPACE_TEXT = st.text(alphabet=st.sampled_from(list("ab中文，&<\n") + ["😀"]), max_size=25)


@settings(max_examples=300)
@given(
    st.lists(st.recursive(NO_SPACE_TEXT.map(html.escape), element, max_leaves=8), max_size=6),
    st.integers(min_value=4, max_value=40),
)
def test_split_loses_only_newlines(blocks: list[str], limit: int) -> None:
    parts = split_messages(blocks, limit)
    got = "".join(plain_text(p) for p in parts).replace("\n", "")
    assert got == expected_text(blocks).replace("\n", "")


@given(st.lists(st.text(alphabet=st.sampled_from(list("ab中😀&")), min_size=1, max_size=15)))
def test_blocks_that_fit_are_packed_greedily_and_kept_whole(texts: list[str]) -> None:
    limit = 30
    blocks = [html.escape(t) for t in texts]
    expected: list[list[str]] = []
    size = 0
    for block in blocks:
        length = telegram_length(block)
        if expected and size + 2 + length <= limit:
            expected[-1].append(block)
            size += 2 + length
        else:
            expected.append([block])
            size = length
    assert split_messages(blocks, limit) == ["\n\n".join(group) for group in expected]
