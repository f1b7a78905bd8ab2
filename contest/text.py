r"""Text rules for the case document (参赛案例说明书): word count and restricted wording.

Pure functions, no wording: results are numbers, spans and codes for templates to phrase.

Word count (字数)
=================
:func:`count_words` counts as Microsoft Word's 字数统计 does for Chinese text:

* every CJK character counts one: CJK Unified Ideographs (with extensions A–I), the
  compatibility ideographs, radicals, strokes, bopomofo, kana, hangul and the enclosed /
  compatibility CJK blocks;
* every full-width or CJK punctuation mark or symbol counts one: U+3001–U+303F (CJK symbols
  and punctuation), U+FF00–U+FFEF (full-width and half-width forms, so full-width digits
  and letters count one each), the CJK compatibility, vertical and small forms
  (U+FE10–U+FE6F), and the general-punctuation marks used in Chinese text
  ‘ ’ “ ” … — ― · • ※ 〃 (so “……” is two and “——” is two);
* every run of other visible characters counts one: Latin letters, digits, half-width
  punctuation, emoji ("AI", "2024", "5G", "e.g.," are one each). A run ends at
  whitespace or at a character of the two kinds above;
* whitespace (including the ideographic space U+3000 and no-break spaces) counts zero;
  combining marks, variation selectors, format characters such as the zero-width joiner,
  and control characters count zero and do not break a run ("e\u0301" is one word,
  an emoji ZWJ sequence is one word, "葛\U000E0100" is one character).

Examples: "深圳2024年" = 4 (深, 圳, 2024, 年); "AI管家" = 3; "Hello world" = 2;
"“一网通办”再提速。" = 10; "5G基站、e.g., 示例" = 7.

:func:`document_words` adds up the fields marked ``counted``: only what the entrant wrote
counts, not the field labels or the item numbers the exported document prints.

Restricted wording (“……模式”“……经验”“……样板”“首创”“唯一”)
==========================================================
:func:`find_restricted` reports every occurrence of each restricted word as a :class:`Hit`:

* ``match = "word"`` (首创, 唯一): the phrase is the word itself. Two readings that make
  no claim are not reported: 唯一 followed by 性 (唯一性, "uniqueness", e.g. 数据唯一性)
  and 首创 followed by 精神 (首创精神, "pioneering spirit"). 首创性 is still reported.
  A word made of Latin letters or digits matches only as a whole word.
* ``match = "suffix"`` (模式, 经验, 样板): *every* occurrence is reported, whatever stands
  before or after it: 总结经验 and 经验做法 are reported as well as 深圳经验, because the
  notice asks entrants to avoid the words and to give evidence where they are truly
  needed; the bot does not guess which uses are harmless. The phrase is the word together
  with the term written before it, for the entrant to recognise: up to two characters
  (most such terms are two: 枫桥, 深圳, 全国, 先进), stopping at the start of the
  sentence, whitespace, punctuation (互联网+模式 gives 模式), quotes, Latin letters, or a
  function character such as 的, 了, 和 (so 可复制的经验 gives just 经验). A run of Latin
  letters and digits right before the word is the term: O2O模式, 5G模式. When a closing
  quote stands right before the word, the quoted term is the phrase: “最多跑一次”模式
  (up to 20 characters between the quotes). Examples: 枫桥模式, 深圳经验,
  全国样板, 总结经验; 大力推广深圳经验 gives 深圳经验; 前海合作区模式 gives 作区模式
  (the cap is a cap: the sentence shows the rest).

Each hit carries its sentence: the text between sentence ends (。！？；!?; or a newline;
closing quotes and brackets right after an end belong to the sentence), trimmed.

Evidence (依据) is recorded against ``Hit.hit_id``: a short hash of the word, the phrase,
the sentence with its whitespace removed, and the occurrence number of that same
(word, phrase, sentence) in the document. It does not contain the field or any offset, so
editing other sentences, other fields, or moving the sentence to another field keeps the
evidence attached; rewriting the sentence the phrase stands in asks for evidence again,
because the claim may have changed. :func:`unresolved` lists the hits without evidence.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

from contest.definition import FormField, RestrictedWord, WordingRule

# --------------------------------------------------------------------------- word count

# Inclusive code point ranges counted one character each (sorted, non-overlapping).
_WIDE_RANGES: tuple[tuple[int, int], ...] = (
    (0x00B7, 0x00B7),  # · middle dot, as in “7·9”
    (0x1100, 0x11FF),  # Hangul Jamo
    (0x2014, 0x2015),  # — ―
    (0x2018, 0x2019),  # ‘ ’
    (0x201C, 0x201D),  # “ ”
    (0x2022, 0x2022),  # •
    (0x2026, 0x2026),  # …
    (0x203B, 0x203B),  # ※
    (0x2E80, 0x2FDF),  # CJK radicals supplement, Kangxi radicals
    (0x2FF0, 0x2FFF),  # ideographic description characters
    (0x3001, 0x303F),  # CJK symbols and punctuation (U+3000 is whitespace)
    (0x3040, 0x30FF),  # hiragana, katakana
    (0x3100, 0x312F),  # bopomofo
    (0x3130, 0x318F),  # Hangul compatibility Jamo
    (0x3190, 0x31FF),  # kanbun, bopomofo extended, CJK strokes, katakana extensions
    (0x3200, 0x33FF),  # enclosed CJK letters and months, CJK compatibility
    (0x3400, 0x4DBF),  # CJK extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xA960, 0xA97F),  # Hangul Jamo extended A
    (0xAC00, 0xD7AF),  # Hangul syllables
    (0xD7B0, 0xD7FF),  # Hangul Jamo extended B
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0xFE10, 0xFE1F),  # vertical forms
    (0xFE30, 0xFE6F),  # CJK compatibility forms, small form variants
    (0xFF00, 0xFFEF),  # full-width and half-width forms
    (0x1B000, 0x1B16F),  # kana supplement and extended
    (0x20000, 0x2A6DF),  # CJK extension B
    (0x2A700, 0x2EE5F),  # CJK extensions C, D, E, F, I
    (0x2F800, 0x2FA1F),  # CJK compatibility ideographs supplement
    (0x30000, 0x323AF),  # CJK extensions G, H
)
_WIDE_STARTS = [start for start, _ in _WIDE_RANGES]

# Categories that count zero and leave a run as it is (marks, format, control, surrogates).
_INVISIBLE = frozenset({"Mn", "Mc", "Me", "Cf", "Cc", "Cs"})


def is_wide(char: str) -> bool:
    """Tell whether ``char`` counts one on its own: a CJK character or full-width mark."""
    code = ord(char)
    index = bisect_right(_WIDE_STARTS, code) - 1
    return index >= 0 and code <= _WIDE_RANGES[index][1]


# The same classes as regular expressions: counting runs in the regex engine, not per
# character in Python (a 2,500-字 case is counted in microseconds, which matters when every
# case of a contest is judged at once: reminders, /status, exports).
_WIDE_CLASS = "".join(f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in _WIDE_RANGES)
_WIDE_CHAR = re.compile(f"[{_WIDE_CLASS}]")
_OTHER_RUN = re.compile(rf"[^\s{_WIDE_CLASS}]+")


def _visible(run: str) -> bool:
    return any(unicodedata.category(char) not in _INVISIBLE for char in run)


@lru_cache(maxsize=256)  # one case judged thrice counts each text once
def count_words(text: str) -> int:
    """Count 字数 as Word does: CJK characters and marks one each, other runs one each."""
    runs = _OTHER_RUN.findall(text)
    return len(_WIDE_CHAR.findall(text)) + sum(1 for run in runs if _visible(run))


def _field_texts(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple):
        return [item for item in value if isinstance(item, str)]
    return []


def document_words(
    values: Mapping[str, object], fields: Iterable[FormField]
) -> tuple[dict[str, int], int]:
    """Count the words of every ``counted`` field; return them per field and in total."""
    per_field = {
        f.key: sum(count_words(text) for text in _field_texts(values.get(f.key)))
        for f in fields
        if f.counted
    }
    return per_field, sum(per_field.values())


# --------------------------------------------------------------------- restricted words

_SENTENCE_ENDS = frozenset("。！？；!?;")
_CLOSERS = frozenset("”’」』）)】》\"'")
_QUOTE_PAIRS = {"”": "“", "’": "‘", "」": "「", "』": "『", '"': '"', "'": "'", "》": "《"}
_STOP_CHARS = frozenset("的地得了着和与及或等是在为把被将对向从之其这那该此各并而也都就又")
_PREFIX_CAP = 2
_LATIN_RUN_CAP = 16
_QUOTED_CAP = 20
# Readings of a "word" restricted word that make no claim: word -> what follows it.
_NOT_A_CLAIM: dict[str, tuple[str, ...]] = {"唯一": ("性",), "首创": ("精神",)}


@dataclass(frozen=True)
class Hit:
    """One use of a restricted word in a text.

    ``start``/``end`` delimit ``phrase`` in the field's text (for a list field, in the
    item ``item``, counted from 0); the word is the phrase's last ``len(word)`` characters.
    ``sentence_start``/``sentence_end`` delimit ``sentence``.
    """

    word: str
    match: str
    phrase: str
    start: int
    end: int
    sentence: str
    sentence_start: int
    sentence_end: int
    hit_id: str
    field: str = ""
    item: int | None = None
    note: str = ""


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Return the (start, end) spans of the sentences of ``text``, whitespace trimmed."""
    spans: list[tuple[int, int]] = []
    start = 0
    index = 0
    length = len(text)
    while index < length:
        char = text[index]
        if char == "\n":
            spans.append((start, index))
            index += 1
            start = index
        elif char in _SENTENCE_ENDS:
            index += 1
            while index < length and (text[index] in _SENTENCE_ENDS or text[index] in _CLOSERS):
                index += 1
            spans.append((start, index))
            start = index
        else:
            index += 1
    spans.append((start, length))
    trimmed = []
    for begin, end in spans:
        while begin < end and text[begin].isspace():
            begin += 1
        while end > begin and text[end - 1].isspace():
            end -= 1
        if begin < end:
            trimmed.append((begin, end))
    return trimmed


def _is_ascii_alnum(char: str) -> bool:
    return char.isascii() and char.isalnum()


def _phrase_start(text: str, word_start: int, floor: int) -> int:
    """Return where the term written before a suffix word begins."""
    before = word_start - 1
    if before >= floor and text[before] in _QUOTE_PAIRS:
        opener = _QUOTE_PAIRS[text[before]]
        lowest = max(floor, before - _QUOTED_CAP - 1)
        found = text.rfind(opener, lowest, before)
        return found if found >= 0 and found < before - 1 else word_start
    index = word_start
    if index > floor and _is_ascii_alnum(text[index - 1]):
        while index > floor and word_start - index < _LATIN_RUN_CAP:
            if not _is_ascii_alnum(text[index - 1]):
                break
            index -= 1
        return index
    while index > floor and word_start - index < _PREFIX_CAP:
        char = text[index - 1]
        if not char.isalnum() or _is_ascii_alnum(char) or char in _STOP_CHARS:
            break
        index -= 1
    return index


def _word_positions(text: str, restricted: RestrictedWord) -> Iterable[int]:
    word = restricted.word
    position = text.find(word)
    while position >= 0:
        end = position + len(word)
        keep = True
        if restricted.match == "word":
            if any(text.startswith(after, end) for after in _NOT_A_CLAIM.get(word, ())):
                keep = False
            if _is_ascii_alnum(word[0]) and position > 0 and _is_ascii_alnum(text[position - 1]):
                keep = False
            if _is_ascii_alnum(word[-1]) and end < len(text) and _is_ascii_alnum(text[end]):
                keep = False
        if keep:
            yield position
        position = text.find(word, position + 1)


@dataclass(frozen=True)
class _Found:
    word: RestrictedWord
    start: int
    end: int
    sentence_start: int
    sentence_end: int


def _scan(text: str, rule: WordingRule) -> list[_Found]:
    spans: list[tuple[int, int]] = []
    span_starts: list[int] = []
    found: list[_Found] = []
    for restricted in rule.words:
        for position in _word_positions(text, restricted):
            if not spans:  # split into sentences only a text that has a restricted word
                spans = sentence_spans(text)
                span_starts = [begin for begin, _ in spans]
            end = position + len(restricted.word)
            span_index = bisect_right(span_starts, position) - 1
            sentence_start, sentence_end = spans[span_index]
            start = position
            if restricted.match == "suffix":
                start = _phrase_start(text, position, sentence_start)
            found.append(_Found(restricted, start, end, sentence_start, sentence_end))
    found.sort(key=lambda f: (f.end - len(f.word.word), f.start, f.word.word))
    return found


def _fingerprint(word: str, phrase: str, sentence: str, occurrence: int) -> str:
    squeezed = "".join(sentence.split())
    key = "\x1f".join((word, phrase, squeezed, str(occurrence)))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:12]


def _hits(sources: Iterable[tuple[str, int | None, str]], rule: WordingRule) -> list[Hit]:
    seen: dict[tuple[str, str, str], int] = {}
    hits: list[Hit] = []
    for field_key, item, text in sources:
        for f in _scan(text, rule):
            phrase = text[f.start : f.end]
            sentence = text[f.sentence_start : f.sentence_end]
            key = (f.word.word, phrase, "".join(sentence.split()))
            occurrence = seen.get(key, 0)
            seen[key] = occurrence + 1
            hits.append(
                Hit(
                    word=f.word.word,
                    match=f.word.match,
                    phrase=phrase,
                    start=f.start,
                    end=f.end,
                    sentence=sentence,
                    sentence_start=f.sentence_start,
                    sentence_end=f.sentence_end,
                    hit_id=_fingerprint(f.word.word, phrase, sentence, occurrence),
                    field=field_key,
                    item=item,
                    note=f.word.note,
                )
            )
    return hits


def find_restricted(
    text: str, rule: WordingRule, *, field: str = "", item: int | None = None
) -> list[Hit]:
    """Find the restricted words in ``text``, in the order they are written."""
    return _hits([(field, item, text)], rule)


def document_hits(
    values: Mapping[str, object], fields: Iterable[FormField], rule: WordingRule
) -> list[Hit]:
    """Find the restricted words in every ``checked`` field, in form order."""
    sources: list[tuple[str, int | None, str]] = []
    for f in fields:
        if not f.checked:
            continue
        value = values.get(f.key)
        if isinstance(value, str):
            sources.append((f.key, None, value))
        else:
            sources.extend((f.key, index, text) for index, text in enumerate(_field_texts(value)))
    return _hits(sources, rule)


def unresolved(hits: Iterable[Hit], evidence: Mapping[str, str]) -> list[Hit]:
    """Return the hits for which no evidence (依据) has been recorded, blank counting as none."""
    return [hit for hit in hits if not (evidence.get(hit.hit_id) or "").strip()]
