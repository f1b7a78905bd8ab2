"""Free-text questions from contact persons, matched to the topic that answers them.

A contact person types a question the way people do ("ddl是几号", "牵投人能换吗", "区里的单位
怎么报"); :func:`match` finds the topic, and the stage or category the question names, and
says whether it is sure. :func:`answer_context` gathers what the topic's template
(``messages/templates/answers/<topic>.html``) needs, so a handler answers in one line::

    render(f"answers/{answer.topic}.html", **answer_context(answer, contest, now))

Topics, their keywords, synonyms, common typos and example phrasings are data
(``contest/topics.toml``) and generic across contests. Every fact in an answer (a date, a
limit, a name) comes from the :class:`~contest.definition.Contest`; nothing here knows one.

How a question is scored: it is normalised (NFKC, lower case, punctuation and spaces
dropped, numbers read as 几); synonyms and common typos are rewritten to one canonical word;
each topic then adds up its weighted keywords (exact, or with one wrong character for words
of five or more characters, by rapidfuzz), the entities it names (a stage, a category or a
district body of this contest, names matched with one wrong character from four characters)
and its closeness to the topic's example phrasings (jieba tokens compared by rapidfuzz). The
best topic is sure when it scores high enough and clearly ahead of the next; otherwise the
answer is "unsure" with the closest topics as alternatives.

Pure: no Telegram, no database. The only I/O is reading ``topics.toml`` and jieba's
dictionary, both on first use, never at import.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import tomllib
import unicodedata
import warnings
from array import array
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz, process

from contest.advice import Suggestion, pairs, suggest
from contest.bm25 import Okapi, Postings
from contest.definition import Category, Contest, FieldKind, Form, FormField, Stage, StageKind
from contest.nearest import NearestIndex
from contest.phrases import dotted_days, named_day, with_digits
from contest.schedule import position
from contest.timefmt import format_date

TOPICS_FILE = Path(__file__).with_name("topics.toml")
# Labelled phrasings (python -m contest.build_examples): asked only when the scores are unsure.
EXAMPLES_FILE = Path(__file__).with_name("examples.json")
# The two nearest must agree and the nearest score this much (BM25): right on 7 of the 14
# phrasings older matchers were unsure of, wrong on none (python -m benchmarks.nearest).
NEAREST_MIN_SCORE = 16.0
NEAREST_OVER_SCORE = 20.0  # closer still to outweigh a confident keyword answer
_PIECE_BREAK = re.compile(r"[？?。！!；;\n，,、\s]+|另外|顺便问一?下|再问一?下|还有|以及")
# The most frequent words of jieba's own dictionary (see build_segmentation()): segmenting a
# short question needs them, not all 349,000, and it saves about 60 MB of memory.
SEGMENTATION_FILE = Path(__file__).with_name("segmentation.txt")
# Each character's toneless pinyin, as pypinyin reads it alone (see build_sounds())
SOUNDS_FILE = Path(__file__).with_name("sounds.txt")
SIMPLIFIED_FILE = Path(__file__).with_name("simplified.txt")  # see contest/build_simplified.py
_FIRST_HAN, _LAST_HAN = 0x4E00, 0x9FFF
SEGMENTATION_WORDS = 20_000
LIGHT = True  # the small dictionary, and sounds.txt instead of pypinyin (benchmarks flip it)
UNSURE = "unsure"
ALTERNATIVES = 3
FUZZY_MIN_LENGTH = 5
NAME_FUZZY_MIN_LENGTH = 4
FUZZY_CREDIT = 0.7
EXAMPLE_WEIGHT = 1.5
EXAMPLE_FLOOR = 60.0

_ENTITIES = (
    "stage",
    "category",
    "district",
    "subject",
    "project",
    "next",
    "participant",
    "show",
    "tier",
    "now",
    "organizer",
    "event",
    "criterion",
    "case_field",
    "fact",
    "field",
)
PINYIN_CREDIT = 0.8
# Question words are typed as meant: "评什么" is not a same-sound typo of 评审 (ping shen).
_NEVER_TYPOS = ("什么", "怎么", "多少", "哪里", "时候", "可以", "是否", "能否", "为什么")
MODALS = "能要可再还去来得想先"
PARTICLES = "行了吗么完好过有不没"
TWO_CHAR_MODALS = ("可以", "能够", "应该", "需要", "还能", "还可")
BEFORE = "一前后再就才先都也"  # glued before a verb by jieba: "周一交", "月底前交完"
BM25_WEIGHT = 2.0
BM25_HALF = 6.0

_PUNCTUATION = re.compile(r"[\W_]+")
_DIGITS = re.compile(r"\d+")
_CHINESE_NUMBER = re.compile(
    r"[零〇一二两三四五六七八九十百千万]+(?=[月号日个人字分天位条项名周类组])"
)
CHINESE_CHARACTER = re.compile(r"[\u4e00-\u9fff]")
_NOW = re.compile(r"现在|目前|当前|眼下|此刻|当下|这会儿?|今天|这几天")
_ASKS_YES_NO = re.compile(r"[吗么嘛]|[没不]$|没有$|是不是|有没有")
_LATE_WORDS = re.compile(r"晚|迟|过期|超时|来不及|赶不上|错过")
_LISTED = re.compile(r"[、，,；;/或和及]|均可|都可以|等")


@dataclass(frozen=True)
class Alternative:
    """A topic the question may have meant, with a short label for its button."""

    topic: str
    params: Mapping[str, str]
    label: str

    @property
    def ref(self) -> str:
        """Return a short reference for callback data, e.g. "stage:review"; see answer_for()."""
        return _ref(self.topic, self.params)


@dataclass(frozen=True)
class Answer:
    """What a question was taken to ask, and how sure the matcher is.

    ``topic`` names the template ``answers/<topic>.html``; it is ``"unsure"`` when the matcher
    is not confident, and then ``alternatives`` (best first) are the topics to offer as buttons.
    ``params`` holds ``kind`` and ``stage`` (a stage key, absent when this contest has no stage
    of that kind) for the ``stage`` topic, ``category`` (a category key) for ``categories``
    and ``recommend``, ``subject`` (an unstated subject's key) for ``not_said``.
    ``question`` is the text this answer answers (one part of a message that asked several
    things); ``verdict`` is "yes" or "no" when it was a yes/no question whose answer the
    contest decides (set by :func:`contest.asking.ask`), else None.
    """

    topic: str
    params: Mapping[str, str] = field(default_factory=dict)
    confident: bool = True
    alternatives: tuple[Alternative, ...] = ()
    score: float = 0.0
    question: str = ""
    verdict: str | None = None

    @property
    def ref(self) -> str:
        """Return a short reference for callback data, e.g. "categories:development"."""
        return _ref(self.topic, self.params)


@dataclass(frozen=True)
class CaseBrief:
    """One of the asker's unit's cases, as much as an answer about them needs."""

    title: str
    submitted: bool
    advancing: bool = False


@dataclass(frozen=True)
class Asker:
    """Who asks: whether their unit is registered, and its cases (for "我们交了吗")."""

    registered: bool = False
    cases: tuple[CaseBrief, ...] = ()

    @property
    def submitted(self) -> tuple[CaseBrief, ...]:
        """Return the cases that are submitted."""
        return tuple(c for c in self.cases if c.submitted)

    @property
    def drafts(self) -> tuple[CaseBrief, ...]:
        """Return the cases that are not submitted."""
        return tuple(c for c in self.cases if not c.submitted)


@dataclass(frozen=True)
class Topic:
    """One topic as the data file defines it."""

    key: str
    label: str
    keywords: tuple[tuple[str, float], ...]
    examples: tuple[str, ...]
    depends: tuple[str, ...]
    entity: str | None = None
    entity_weight: float = 0.0
    needs_entity: bool = False
    verdict_words: tuple[str, str] | None = None


@dataclass(frozen=True)
class Subject:
    """A kind of fact contest files do not hold (a venue, prize money): answered "not said"."""

    key: str
    label: str
    words: tuple[str, ...]
    # What a contest file holds when it does state this (then the topic that answers it
    # does): ``stage:KIND.attr`` a stage's attribute, ``text:WORD`` a word in any of its texts.
    stated_by: tuple[str, ...] = ()

    def stated_in(self, contest: Contest) -> bool:
        """Tell whether this contest's file does state the subject after all."""
        for expression in self.stated_by:
            kind, _, what = expression.partition(":")
            if kind == "stage":
                stage_kind, _, attr = what.partition(".")
                if any(
                    getattr(s, attr, None) for s in contest.stages if s.kind.value == stage_kind
                ):
                    return True
            elif kind == "text" and what in _contest_text(contest):
                return True
        return False


def _contest_text(contest: Contest) -> str:
    """Return every text of the contest file as one string (built once per contest object)."""
    kept = _CONTEST_TEXTS.get(id(contest))
    if kept is not None and kept[0] is contest:
        return kept[1]
    text = contest.model_dump_json()
    _CONTEST_TEXTS[id(contest)] = (contest, text)
    return text


_CONTEST_TEXTS: dict[int, tuple[Contest, str]] = {}


@dataclass(frozen=True)
class Vocabulary:
    """Everything the matcher knows that is not about one contest."""

    topics: tuple[Topic, ...]
    groups: Mapping[str, tuple[str, ...]]
    aliases: Mapping[str, str]
    stage_words: Mapping[StageKind, tuple[str, ...]]
    stopwords: frozenset[str]
    min_score: float
    min_margin: float
    fallback: tuple[str, ...]
    subjects: tuple[Subject, ...] = ()
    small_talk: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    filler: tuple[str, ...] = ()
    verdict_words: tuple[tuple[str, str, str], ...] = ()
    advice_synonyms: Mapping[str, str] = field(default_factory=dict)
    split: tuple[str, ...] = ()  # jieba words a question glues by chance (交会 in 交会不会)
    regional: Mapping[str, str] = field(default_factory=dict)  # 冇得: 没有
    # words read so only where they stand ("^额(?=是)": 我, never the 额 of 名额), in file order
    regional_in_place: tuple[tuple[re.Pattern[str], str], ...] = ()

    def topic(self, key: str) -> Topic | None:
        """Return the topic with this key, if any."""
        return next((t for t in self.topics if t.key == key), None)

    def subject(self, key: str) -> Subject | None:
        """Return the unstated subject with this key, if any."""
        return next((u for u in self.subjects if u.key == key), None)

    @property
    def words(self) -> set[str]:
        """Return every word worth keeping whole when segmenting a question."""
        words = set(self.aliases.values()) | self.stopwords
        words.update(w for ws in self.groups.values() for w in ws)
        words.update(w for ws in self.stage_words.values() for w in ws)
        for topic in self.topics:
            for term, _ in topic.keywords:
                words.update(p for p in term.split("+") if not p.startswith(("@", "#")))
        for subject in self.subjects:
            for term in subject.words:
                words.update(p for p in term.split("+") if not p.startswith(("@", "#")))
        return {w for w in words if len(w) > 1}


@dataclass(frozen=True)
class _Mentions:
    """What a question names of this contest."""

    stage_kind: StageKind | None = None
    stage: Stage | None = None
    category: Category | None = None
    district: bool = False
    subject: Subject | None = None
    project: Category | None = None
    next_round: bool = False
    participant: bool = False
    show: bool = False
    tier: bool = False
    now: bool = False
    organizer: bool = False
    event: bool = False
    criterion: bool = False  # a stage's judging criterion named with points ("答辩占40分吗")
    case_field: bool = False  # a field of the case form named ("项目名称最多几个字")
    fact: bool = False  # a figure the file gives named by its label ("申报项目一共47个吗")
    field_form: str | None = None  # the registration form a question names (contact, member …)
    fields: tuple[str, ...] = ()  # the keys of that form's fields (or any form's) it names

    def has(self, entity: str | None) -> bool:
        if entity == "stage":
            return self.stage_kind is not None
        if entity == "category":
            return self.category is not None
        if entity == "district":
            return self.district
        if entity == "subject":
            return self.subject is not None
        if entity == "project":
            return self.project is not None
        if entity == "next":
            return self.next_round
        if entity == "participant":
            return self.participant
        if entity == "show":
            return self.show
        if entity == "tier":
            return self.tier
        if entity == "now":
            return self.now
        if entity == "organizer":
            return self.organizer
        if entity == "event":
            return self.event
        if entity == "criterion":
            return self.criterion
        if entity == "case_field":
            return self.case_field
        if entity == "fact":
            return self.fact
        if entity == "field":
            return bool(self.fields)
        return False


def prepare() -> None:
    """Load the topic data, jieba's dictionary, the sound table, the BM25 indexes and cn2an now."""
    _tokenizer()
    _alias_pattern()
    _bm25()
    _nearest()
    _syllables("预热")
    with_digits("三")  # cn2an's import builds its patterns (≈0.5 s), else at the first question


def topic_keys() -> list[str]:
    """List every topic key, in the data file's order, without ``unsure``."""
    return [t.key for t in vocabulary().topics]


@cache
def vocabulary() -> Vocabulary:
    """Load and check the topic definitions (once)."""
    raw = tomllib.loads(TOPICS_FILE.read_text(encoding="utf-8"))
    groups = {name: tuple(words) for name, words in raw["groups"].items()}
    aliases: dict[str, str] = {}
    for canonical, variants in raw["aliases"].items():
        for variant in [canonical, *variants]:
            aliases[_normalise(variant)] = canonical
    topics = tuple(
        Topic(
            key=t["key"],
            label=t["label"],
            keywords=tuple((term, float(weight)) for term, weight in t["keywords"].items()),
            examples=tuple(t.get("examples", [])),
            depends=tuple(t.get("depends", [])),
            entity=t.get("entity"),
            entity_weight=float(t.get("entity_weight", 0.0)),
            needs_entity=bool(t.get("needs_entity", False)),
            verdict_words=tuple(t["verdict_words"]) if "verdict_words" in t else None,
        )
        for t in raw["topic"]
    )
    subjects = tuple(
        Subject(
            key=u["key"],
            label=u["label"],
            words=tuple(u["words"]),
            stated_by=tuple(u.get("stated_by", [])),
        )
        for u in raw.get("unstated", [])
    )
    vocab = Vocabulary(
        topics=topics,
        groups=groups,
        aliases=aliases,
        stage_words={StageKind(kind): tuple(words) for kind, words in raw["stages"].items()},
        stopwords=frozenset(raw["stopwords"]["words"]),
        min_score=float(raw["min_score"]),
        min_margin=float(raw["min_margin"]),
        fallback=tuple(raw["fallback"]),
        subjects=subjects,
        small_talk={k: tuple(v) for k, v in raw.get("small_talk", {}).items()},
        filler=tuple(raw.get("small_talk_filler", {}).get("words", [])),
        verdict_words=tuple(tuple(row) for row in raw.get("verdicts", {}).get("words", [])),
        advice_synonyms=dict(raw.get("advice_synonyms", {})),
        split=tuple(raw.get("segmentation", {}).get("split", [])),
        regional=dict(raw.get("regional", {})),
        regional_in_place=tuple(
            (re.compile(where), common)
            for where, common in raw.get("regional_in_place", {}).items()
        ),
    )
    _check(vocab)
    return vocab


def _check(vocab: Vocabulary) -> None:
    """Refuse topic data that names a group, topic or entity that does not exist."""
    keys = [t.key for t in vocab.topics]
    if len(set(keys)) != len(keys) or UNSURE in keys:
        raise ValueError(f"{TOPICS_FILE.name}: topic keys must be unique and not {UNSURE!r}")
    for key in vocab.fallback:
        if key not in keys:
            raise ValueError(f"{TOPICS_FILE.name}: fallback names no topic {key!r}")
    for topic in vocab.topics:
        if topic.entity is not None and topic.entity not in _ENTITIES:
            raise ValueError(f"{TOPICS_FILE.name}: {topic.key}: unknown entity {topic.entity!r}")
        for term, _ in topic.keywords:
            for part in term.split("+"):
                if part.startswith("@") and part[1:] not in vocab.groups:
                    raise ValueError(f"{TOPICS_FILE.name}: {topic.key}: no group {part!r}")
                if part.startswith("#") and part[1:] not in _ENTITIES:
                    raise ValueError(f"{TOPICS_FILE.name}: {topic.key}: no entity {part!r}")


@contextmanager
def _without_pkg_resources() -> Iterator[None]:
    """Inside, ``import pkg_resources`` fails (unless something imported it already).

    jieba imports setuptools' pkg_resources only to open its own data files, and opens them
    with ``open`` when that import fails; importing it cost ≈0.1 s of CPU (a third of
    jieba's import), on the first question of every process.
    """
    if "pkg_resources" in sys.modules:
        yield
        return
    sys.modules["pkg_resources"] = None  # type: ignore[assignment]  # an ImportError, says importlib
    try:
        yield
    finally:
        if sys.modules.get("pkg_resources", "") is None:
            del sys.modules["pkg_resources"]


@cache
def _tokenizer() -> Any:
    """Return a jieba tokenizer of our own that keeps the topic words whole (built once)."""
    with warnings.catch_warnings(), _without_pkg_resources():
        # Some jieba installs import pkg_resources or carry invalid escapes: not our concern.
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", SyntaxWarning)
        import jieba

        jieba.setLogLevel(logging.WARNING)
        if LIGHT and SEGMENTATION_FILE.is_file():
            tokenizer = jieba.Tokenizer(dictionary=str(SEGMENTATION_FILE))
        else:
            tokenizer = jieba.Tokenizer()
        for word in sorted(vocabulary().words):
            tokenizer.add_word(word)
        for word in vocabulary().split:
            tokenizer.del_word(word)
    return tokenizer


def _normalise(text: str) -> str:
    """Return the text in one width and case, without punctuation or spaces."""
    return _PUNCTUATION.sub("", unicodedata.normalize("NFKC", text).lower())


@cache
def _alias_pattern() -> re.Pattern[str]:
    variants = sorted(vocabulary().aliases, key=len, reverse=True)
    return re.compile("|".join(re.escape(v) for v in variants))


@cache
def _regional_pattern() -> re.Pattern[str] | None:
    """Match the regional words, longest first; 么时候 not inside 什么时候, which it ends."""
    regional = vocabulary().regional
    pieces = []
    for word in sorted(regional, key=len, reverse=True):
        common = regional[word]
        before = common[: -len(word)] if common.endswith(word) and common != word else ""
        pieces.append((f"(?<!{re.escape(before)})" if before else "") + re.escape(word))
    return re.compile("|".join(pieces)) if pieces else None


@cache
def _simplified() -> dict[int, str]:
    """Return the traditional characters' simplified ones, as a table for ``str.translate``.

    A character of a regional word ("係" of 粤语, 是) is left to the regional table, which reads
    it better than its simplified form would (系 of 系统).
    """
    traditional, simplified = SIMPLIFIED_FILE.read_text(encoding="utf-8").split("\n")[:2]
    regional = "".join(vocabulary().regional)
    return {
        ord(old): new
        for old, new in zip(traditional, simplified, strict=True)
        if old not in regional
    }


def in_common_words(text: str) -> str:
    """Write the message in simplified characters and regional words in the common language.

    "申報截止時間" is 申报截止时间, "有冇得" 有没有, "么时候" 什么时候. Applied to the message
    before anything reads it, so the yes/no rules hear 没 in 冇 too and the clock reads 五點半.
    A word that is also a word of the common language (额 of 名额, 介 of 简介, 无 of 有无) is
    read so only where it stands as the region's word (``[regional_in_place]``).
    """
    text = _without_emoji(text.translate(_simplified()))
    pattern = _regional_pattern()
    if pattern is not None:
        regional = vocabulary().regional
        text = pattern.sub(lambda m: regional[m.group(0)], text)
    for where, common in vocabulary().regional_in_place:
        text = where.sub(common, text)
    return _corrected(text)


def _without_emoji(text: str) -> str:
    """Set emoji aside ("前20名吧🤔" ends with 吧), unless the message is nothing else (👍)."""
    kept = "".join(
        " " if unicodedata.category(c) in ("So", "Cs") or c in "\ufe0f\u200d" else c
        for c in text
    )
    return kept.rstrip() if kept.strip() else text


_AMOUNT = r"[\d一二三四五六七八九十〇零两]+"
_CORRECTED = re.compile(
    rf"(?P<month>{_AMOUNT}月)?{_AMOUNT}[号日点个名字位]?\s*"
    r"(?:哦不对|哦不|噢不|喔不|啊不|呃不|额不|不对不对|不对|不不|说错了|打错了|写错了|错了)"
    rf"[,，、。\s]*(?:应该是|是)?(?=(?P<again>{_AMOUNT}月)?{_AMOUNT})"
)


def _corrected(text: str) -> str:
    """Keep the number a person corrected themselves to: "4月20 哦不 30号" is 4月30号."""
    return _CORRECTED.sub(lambda m: "" if m.group("again") else m.group("month") or "", text)


def _numbers_as_ji(text: str) -> str:
    """Read numbers, in digits or Chinese before a unit ("六个人", "七月十五号"), as 几.

    A lone 一 stays: "一个账号", "一等奖" are words, not counts.
    """
    text = _CHINESE_NUMBER.sub(lambda m: m.group(0) if m.group(0) == "一" else "几", text)
    return _DIGITS.sub("几", text)


def with_aliases(text: str) -> str:
    """Rewrite synonyms and common typos to their canonical word ("当场提问" is 答辩), numbers
    kept as they are."""
    aliases = vocabulary().aliases
    return _alias_pattern().sub(lambda m: aliases[m.group(0)], text)


def _canonical(text: str) -> str:
    """Rewrite synonyms and common typos to their canonical word, longest variant first.

    Numbers are read as 几: "6个人" asks what "几个人" asks, "七月十五号" is a "几月几号".
    """
    return with_aliases(_numbers_as_ji(text))


def build_segmentation(size: int = SEGMENTATION_WORDS) -> str:
    """Return the ``size`` most frequent entries of jieba's dictionary, in its format."""
    import jieba

    rows = []
    with jieba.get_dict_file() as entries:
        for line in entries:
            parts = line.decode("utf-8").split()
            if len(parts) >= 2 and parts[1].isdigit():
                rows.append(parts)
    rows.sort(key=lambda parts: (-int(parts[1]), parts[0]))
    return "".join(" ".join(parts) + "\n" for parts in rows[:size])


@cache
def _pinyin() -> Any:
    """Return pypinyin's lazy_pinyin (imported on first use: its dictionary is large)."""
    if LIGHT:
        # Single characters are enough to hear a same-sound typo; the phrase table is 45 MB.
        os.environ.setdefault("PYPINYIN_NO_PHRASES", "true")
    from pypinyin import lazy_pinyin

    return lazy_pinyin


def build_sounds() -> str:
    """Return each toneless syllable with the characters (U+4E00–U+9FFF) pypinyin reads so.

    The first reading of each character, as ``lazy_pinyin`` gives it for the character alone:
    what ``contest/sounds.txt`` holds, so that hearing a same-sound typo needs neither
    pypinyin's dictionary (≈12 MiB in the process) nor its import.
    """
    lazy = _pinyin()
    readings: dict[str, list[str]] = {}
    for code in range(_FIRST_HAN, _LAST_HAN + 1):
        char = chr(code)
        sound = str(lazy(char)[0])
        if sound != char:
            readings.setdefault(sound, []).append(char)
    return "".join(f"{sound} {''.join(chars)}\n" for sound, chars in sorted(readings.items()))


@cache
def _sound_table() -> tuple[array[int], tuple[str, ...]]:
    """Return each character's syllable number (0: none) and the syllables, from sounds.txt."""
    table = array("H", bytes(2 * (_LAST_HAN - _FIRST_HAN + 1)))
    names = [""]
    for line in SOUNDS_FILE.read_text(encoding="utf-8").splitlines():
        sound, chars = line.split(" ", 1)
        names.append(sound)
        for char in chars:
            table[ord(char) - _FIRST_HAN] = len(names) - 1
    return table, tuple(names)


@lru_cache(maxsize=8192)
def _char_sound(char: str) -> str:
    """Return the toneless pinyin of one character (itself if it is not Chinese)."""
    if not CHINESE_CHARACTER.match(char):
        return char
    if LIGHT and SOUNDS_FILE.is_file():
        table, names = _sound_table()
        found = table[ord(char) - _FIRST_HAN]
        return names[found] if found else char
    return str(_pinyin()(char)[0])


@lru_cache(maxsize=8192)
def _sounds(text: str) -> tuple[str, ...]:
    """Return the sound of each character of the text."""
    return tuple(_char_sound(c) for c in text)


@lru_cache(maxsize=8192)
def _syllables(text: str) -> str:
    """Return how the text sounds: toneless pinyin syllables, each framed by spaces."""
    return " " + " ".join(_sounds(text)) + " "


@cache
def _word_sound(word: str) -> str:
    """Return how a word of the vocabulary sounds, or "" if it has under two characters."""
    return _syllables(word) if len(word) > 1 and CHINESE_CHARACTER.search(word) else ""


def _sounds_in(word: str, text: str) -> bool:
    """Tell whether ``word`` is said in ``text`` with one of its characters as written.

    "截指" says 截止, "決赛" says 决赛; "还剩几天" does not say 省级, though it sounds so, and a
    question word is no typo ("评什么" does not say 评审).
    """
    sound = _word_sound(word)
    if not sound or sound not in _syllables(text):
        return False
    wanted, heard, size = _sounds(word), _sounds(text), len(word)
    starts = [at for at in range(len(text) - size + 1) if heard[at : at + size] == wanted]
    asked = {at + i for w in _NEVER_TYPOS for at in _find_all(w, text) for i in range(len(w))}
    return any(
        any(word[i] == text[at + i] for i in range(size))
        and not any(word[i] != text[at + i] and at + i in asked for i in range(size))
        for at in starts
    )


_LOOSE_INITIAL = re.compile(r"^([zcs])h")
_LOOSE_FINAL = re.compile(r"(?<=[aeio])ng$")


@lru_cache(maxsize=8192)
def _loose(sound: str) -> str:
    """Return a syllable as a hurried typist hears it: zh/ch/sh as z/c/s, -ng as -n, l as n.

    视屏 (shi ping) is typed for 视频 (shi pin), 成圆 for 成员: the pinyin keyboard offers the
    neighbouring syllable's characters, so a respelling forgives these pairs.
    """
    sound = _LOOSE_FINAL.sub("n", _LOOSE_INITIAL.sub(r"\1", sound))
    return "n" + sound[1:] if sound.startswith("l") else sound


@lru_cache(maxsize=8192)
def _loose_sounds(text: str) -> tuple[str, ...]:
    return tuple(_loose(s) for s in _sounds(text))


# the words by their length, then by their loose syllables
_BySound = Mapping[int, Mapping[tuple[str, ...], frozenset[str]]]
# each word with its loose syllables and them framed by spaces; the words as a set; by sound
_Respellings = tuple[tuple[tuple[str, tuple[str, ...], str], ...], frozenset[str], _BySound]


def _respelling_words(contest: Contest | None) -> _Respellings:
    """Return the words a same-sound typo is respelled to, longest first, with how they sound.

    The vocabulary's words and the contest's (its terms, stage and category names, forms of
    show), each with its loose syllables and those syllables framed by spaces; the set of
    those words (kept whole by a respelling) and the words by their syllables (a question
    looks up its own runs of syllables), built once per contest, not once per question.

    The aliases' variants count only when they are words of jieba's dictionary (成员), not the
    typos listed there (牵投人).
    """
    kept = _RESPELL.get(id(contest))
    if kept is not None and kept[0] is contest:
        return kept[1]
    vocab = vocabulary()
    known = _tokenizer().FREQ
    words = set(vocab.words) | {v for v in vocab.aliases if known.get(v)}
    if contest is not None:
        terms = contest.terms
        own = (terms.entry, terms.document, terms.document_short, terms.lead, terms.member)
        words.update(_normalise(w) for w in own if w)
        words.update(_normalise(s.name) for s in contest.stages)
        words.update(part for s in contest.stages for part in _name_parts(s))  # 比拼
        words.update(_normalise(c.name) for c in contest.categories)
        words.update(_show_forms(contest))
        # the organizer as people call it (区委组织部, 组织部): "找组织部交" keeps its 部交
        short = _normalise(contest.organizer_short)
        words.update(_normalise(n) for n in contest.organizers)
        words.update(short[i:] for i in range(len(short) - 2))
    # longest first, then in one fixed order: a set's order changes from process to process
    chosen = sorted(
        (w for w in words if len(w) > 1 and all(CHINESE_CHARACTER.match(c) for c in w)),
        key=lambda w: (len(w), w),
    )
    found = tuple(
        (w, _loose_sounds(w), " " + " ".join(_loose_sounds(w)) + " ") for w in reversed(chosen)
    )
    by_sound: dict[int, dict[tuple[str, ...], frozenset[str]]] = {}
    for word, sounds, _ in found:
        same = by_sound.setdefault(len(sounds), {})
        same[sounds] = same.get(sounds, frozenset()) | {word}
    respellings = (found, frozenset(w for w, _, _ in found), by_sound)
    _RESPELL[id(contest)] = (contest, respellings)
    return respellings


_RESPELL: dict[int, tuple[Contest | None, _Respellings]] = {}


def _is_word(text: str) -> bool:
    """Tell whether the text is a word of jieba's dictionary or of the aliases (上限, 组织)."""
    return bool(_tokenizer().FREQ.get(text)) or text in vocabulary().aliases


def _crosses_word(text: str, at: int, end: int, own: frozenset[str] = frozenset()) -> bool:
    """Tell whether a word of two to four characters runs across either edge of text[at:end].

    ``own`` holds more words that count (the contest's: 比拼 keeps its 拼 in "比拼用"). A word
    of the dictionary counts where the text is segmented with it: 组织部 keeps its 织部, but
    "负者人工作" is 负/者/人/工作, so its 负者人 is no 人工 cut in two.
    """
    tokens = _token_spans(text)
    for edge in (at, end):
        for start in range(max(0, edge - 3), edge):
            for stop in range(edge + 1, min(len(text), start + 4) + 1):
                piece = text[start:stop]
                if (start < at or stop > end) and (
                    piece in own or (_is_word(piece) and (start, stop) in tokens)
                ):
                    return True
    return False


@lru_cache(maxsize=4096)
def _token_spans(text: str) -> frozenset[tuple[int, int]]:
    """Return where each word of the text's segmentation starts and stops."""
    spans, at = set(), 0
    for token in _tokenizer().cut(text, HMM=False):
        spans.add((at, at + len(token)))
        at += len(token)
    return frozenset(spans)


# Characters typed as meant, never a typo of another: particles, modals and little verbs
# ("9号吗" is no 号码, "想报" no 限报, "奖评几个" no 奖品), and the topics' one-character keywords.
_FUNCTION_CHARACTERS = "的呢吧啊呀嘛是在和与及或用时评报交想"


@cache
def _typed_as_meant() -> frozenset[str]:
    singles = {
        part
        for topic in vocabulary().topics
        for term, _ in topic.keywords
        for part in term.split("+")
        if len(part) == 1
    }
    return frozenset(MODALS + PARTICLES + _FUNCTION_CHARACTERS) | singles


def respell(text: str, contest: Contest | None = None) -> str:
    """Write a same-sound typo of a word of the vocabulary (or of the contest) as that word.

    "展示可以用视屏吗" says 视频, "成圆能不能加到7个" says 成员: the typed span sounds like the
    word (loosely, see :func:`_loose`), keeps at least one of its characters, is no word of its
    own (公式 stays 公式 though it sounds like 公示) and cuts no word in two (组织部 keeps its
    织部); a question word is never respelled. Numbers, spaces and punctuation are kept, so the
    yes/no rules read the result too.
    """
    if not CHINESE_CHARACTER.search(text):
        return text
    heard = _loose_sounds(text)
    asked = {at + i for w in _NEVER_TYPOS for at in _find_all(w, text) for i in range(len(w))}
    words, own, by_sound = _respelling_words(contest)
    rank = _respelling_rank(contest)
    sounding = _sounding(heard, by_sound)
    done = -1  # the words are tried in their order (longest first), each once, as they sound
    while later := [w for w in sounding if rank[w] > done]:
        word = min(later, key=rank.__getitem__)
        done = rank[word]
        if word in text:
            continue
        wanted, size = words[done][1], len(word)
        for at in range(len(text) - size + 1):
            span = text[at : at + size]
            if (
                heard[at : at + size] == wanted
                and any(a == b for a, b in zip(word, span, strict=True))
                and not any(
                    a != b and b in _typed_as_meant() for a, b in zip(word, span, strict=True)
                )
                and not _is_word(span)
                and not any(at + i in asked for i in range(size))
                and not _crosses_word(text, at, at + size, own)
            ):
                text = text[:at] + word + text[at + size :]
                heard = _loose_sounds(text)
                sounding = _sounding(heard, by_sound)
                break
    return text


def _respelling_rank(contest: Contest | None) -> dict[str, int]:
    """Return each respelling word's place in :func:`_respelling_words` (longest first)."""
    words = _respelling_words(contest)[0]
    kept = _RANK.get(id(contest))
    if kept is not None and kept[0] is words:
        return kept[1]
    rank = {word: at for at, (word, _, _) in enumerate(words)}
    _RANK[id(contest)] = (words, rank)
    return rank


_RANK: dict[int, tuple[tuple[tuple[str, tuple[str, ...], str], ...], dict[str, int]]] = {}


def _sounding(heard: tuple[str, ...], by_sound: _BySound) -> set[str]:
    """Return the respelling words that sound like a run of the text's characters (loosely)."""
    return {
        word
        for size, words in by_sound.items()
        for at in range(len(heard) - size + 1)
        for word in words.get(heard[at : at + size], ())
    }


def _find_all(word: str, text: str) -> list[int]:
    """Return every position of ``word`` in ``text``."""
    return [at for at in range(len(text)) if text.startswith(word, at)]


@lru_cache(maxsize=256)  # a question's terms serve the topics' index and then the nearest
def _bm25_terms(text: str) -> tuple[str, ...]:
    """Return BM25 terms: jieba tokens, and pairs of syllables so same-sound typos still meet."""
    sounds = [s for s in _syllables(text).split() if s]
    return (*_tokens(text), *(f"{a}~{b}" for a, b in zip(sounds, sounds[1:], strict=False)))


@cache
def _bm25() -> tuple[Postings, tuple[str, ...]]:
    """Return a BM25 index over every topic's example phrasings, and each phrasing's topic.

    :class:`contest.bm25.Okapi` (rank_bm25's BM25Okapi in plain Python, the same floats) as an
    inverted list per term, so a question visits only the phrasings that share a term with it.
    """
    documents: list[list[str]] = []
    owners: list[str] = []
    for topic in vocabulary().topics:
        for example in topic.examples:
            documents.append(list(_bm25_terms(_canonical(_normalise(example)))) or ["∅"])
            owners.append(topic.key)
    index = Okapi.of(documents)
    postings = {term: found for term, found in index.postings.items() if found[0]}
    return postings, tuple(owners)


def _bm25_scores(text: str) -> dict[str, float]:
    """Return each topic's BM25 closeness to the question: its best phrasing's score, 0–1."""
    terms = _bm25_terms(text)
    if not terms:
        return {}
    postings, owners = _bm25()
    scores: dict[int, float] = {}
    for term in terms:  # a term said twice counts twice, as in BM25Okapi.get_scores
        found = postings.get(term)
        if found is not None:
            weight, hits = found
            for at, part in hits:
                scores[at] = scores.get(at, 0.0) + weight * part
    best: dict[str, float] = {}
    for at in sorted(scores):
        owner, score = owners[at], scores[at]
        if score > best.get(owner, 0.0):
            best[owner] = score
    return {key: score / (score + BM25_HALF) for key, score in best.items()}


@cache
def _nearest() -> NearestIndex:
    """Return a BM25 index over the labelled phrasings of ``examples.json``."""
    return NearestIndex.read(_example_rows)


def _example_rows() -> Iterator[tuple[list[str], str]]:
    """Yield each labelled phrasing's terms and topic, a line of ``examples.json`` at a time.

    The terms as the file holds them (built with the matcher: ≈0.35 s of segmenting saved);
    read line by line, the file's texts and rows are never all in memory at once.
    """
    with EXAMPLES_FILE.open(encoding="utf-8") as lines:
        for line in lines:
            line = line.strip().rstrip(",")
            if not line.startswith("{"):
                continue  # the list's brackets
            row = json.loads(line)
            terms = row["terms"].split() if "terms" in row else list(_bm25_terms(row["text"]))
            yield terms or ["∅"], row["topic"]


def bm25_terms(text: str) -> tuple[str, ...]:
    """Return the terms the nearest-phrasing index keeps of a text (as :func:`_nearest` does)."""
    return _bm25_terms(text)


def _nearest_topic(text: str, mentions: _Mentions, *, over: bool = False) -> Topic | None:
    """Return the topic of the two nearest labelled phrasings when they agree and are close.

    ``over`` a confident keyword answer, they must be closer still (NEAREST_OVER_SCORE).
    """
    found = _nearest().nearest(_bm25_terms(text), 2)
    least = NEAREST_OVER_SCORE if over else NEAREST_MIN_SCORE
    if len(found) < 2 or found[0].topic != found[1].topic or found[0].score < least:
        return None
    topic = vocabulary().topic(found[0].topic)
    if topic is None or (topic.needs_entity and not mentions.has(topic.entity)):
        return None
    return topic


def segment(text: str) -> list[str]:
    """Cut a text into words as the matcher does (the topic words kept whole)."""
    return list(_tokenizer().lcut(text))


@lru_cache(maxsize=1024)  # _mentions, _match and the examples' index segment the same text
def _tokens(text: str) -> tuple[str, ...]:
    stopwords = vocabulary().stopwords
    return tuple(t for t in _tokenizer().lcut(text) if t.strip() and t not in stopwords)


@cache
def _example_tokens(topic_key: str) -> tuple[str, ...]:
    topic = vocabulary().topic(topic_key)
    examples = topic.examples if topic else ()
    return tuple(" ".join(_tokens(_canonical(_normalise(e)))) for e in examples)


def _close_enough(word: str, text: str, min_length: int = FUZZY_MIN_LENGTH) -> bool:
    """Tell whether ``word`` occurs in ``text`` with at most one wrong character."""
    if len(word) < min_length or len(text) < len(word):
        return False
    cutoff = 100.0 * (len(word) - 1) / len(word) - 0.01
    return fuzz.partial_ratio(word, text, score_cutoff=cutoff) > 0


class _Hits:
    """How well one question contains each keyword term, each term weighed once.

    The topics share terms and groups (@deadline_words in many), so the fuzzy and same-sound
    checks run once per term and question, not once per topic that names the term.
    """

    def __init__(self, text: str, tokens: tuple[str, ...], mentions: _Mentions) -> None:
        self.text, self.mentions, self.chars = text, mentions, frozenset(text)
        self.singles = frozenset(tokens) | frozenset(_modal_tails(tokens))
        self.found: dict[str, float] = {}

    def __call__(self, term: str) -> float:
        """Return how well the question contains ``term``: 1, FUZZY_CREDIT or 0."""
        found = self.found.get(term)
        if found is None:
            found = self.found[term] = self._weigh(term)
        return found

    def said(self, term: str) -> bool:
        """Tell whether the question says ``term`` as written (it weighs 1, no typo in it)."""
        if "+" in term:
            return all(self.said(part) for part in term.split("+"))
        if term.startswith("@"):
            return any(self.said(w) for w in vocabulary().groups[term[1:]])
        if term.startswith("#"):
            return self.mentions.has(term[1:])
        if len(term) == 1:
            return term in self.singles
        return term in self.text

    def possible(self) -> frozenset[str]:
        """Return the keyword terms that may count here: each part shares a character with it.

        A word counts only with one of its characters as written (exactly, with one wrong
        character, or as a same-sound typo): a term with a part sharing none weighs 0.
        """
        chars = self.chars
        always, by_char = _term_needs()
        return always.union(
            term
            for char in chars
            for term, others in by_char.get(char, ())
            if all(not n.isdisjoint(chars) for n in others)
        )

    def _weigh(self, term: str) -> float:
        text = self.text
        if "+" in term:
            return min(self(part) for part in term.split("+"))
        if term.startswith("@"):  # a word sharing no character with the text weighs 0
            words = vocabulary().groups[term[1:]]
            return max((self(w) for w in words if not self.chars.isdisjoint(w)), default=0.0)
        if term.startswith("#"):
            return 1.0 if self.mentions.has(term[1:]) else 0.0
        if len(term) == 1:
            return 1.0 if term in self.singles else 0.0
        if term in text:
            return 1.0
        if self.chars.isdisjoint(term):  # a typo keeps one of the word's characters
            return 0.0
        if len(term) >= FUZZY_MIN_LENGTH and _close_enough(term, text):  # most terms are short
            return FUZZY_CREDIT
        return PINYIN_CREDIT if _sounds_in(term, text) else 0.0


_Needs = tuple[frozenset[str], dict[str, tuple[tuple[str, tuple[frozenset[str], ...]], ...]]]


@cache
def _term_needs() -> _Needs:
    """Return the topic keyword terms that need no character, and the others by character.

    Each part of a term needs one of its characters in the question: an entity (#stage)
    none, a group (@deadline_words) one of any of its words'. A term is listed under each
    character of its most demanding part, with what its other parts need.
    """
    groups = vocabulary().groups
    always: set[str] = set()
    by_char: dict[str, list[tuple[str, tuple[frozenset[str], ...]]]] = {}
    for term in dict.fromkeys(t for topic in vocabulary().topics for t, _ in topic.keywords):
        needs = sorted(
            (
                frozenset("".join(groups[part[1:]]) if part.startswith("@") else part)
                for part in term.split("+")
                if not part.startswith("#")
            ),
            key=len,
        )
        if not needs:
            always.add(term)
            continue
        for char in needs[0]:
            by_char.setdefault(char, []).append((term, tuple(needs[1:])))
    return frozenset(always), {char: tuple(rows) for char, rows in by_char.items()}


def _modal_tails(tokens: tuple[str, ...]) -> tuple[str, ...]:
    """Return the single characters jieba glued to a modal or a particle, so they still count.

    "能换", "还能报" give 还, 能, 换, 报; "交行", "交了", "交还行" give 交 ("明天交行不行" asks
    about 交); so do "一交行" and "前交完" (下礼拜一交行不, 月底前交完).
    """
    found: list[str] = []
    for token in tokens:
        head = token.rstrip(PARTICLES).rstrip(MODALS) if len(token) > 1 else token
        if 0 < len(head) < len(token) and len(head) == 1:
            found.append(head)
        body = token.lstrip(MODALS)
        if 0 < len(token) - len(body) and len(body) == 1:
            found += [*token]
        if len(token) == 3 and token[:2] in TWO_CHAR_MODALS:  # "可以改", "能够交": 改, 交
            found.append(token[2])
        core = token.rstrip(PARTICLES).lstrip(BEFORE)  # "一交行", "前交完": 交
        if len(core) == 1 and len(token) > 1 and core not in PARTICLES + BEFORE:
            found.append(core)
    return tuple(found)


def _first_mention(
    texts: Iterable[str], candidates: Iterable[tuple[str, Any]], *, fuzzy: bool = False
) -> Any:
    """Return the value of the candidate word found earliest (then longest) in any text."""
    best: tuple[tuple[int, int], Any] | None = None
    candidates = [(word, value) for word, value in candidates if word]
    for text in texts:
        for word, value in candidates:
            at = text.find(word)
            if at >= 0 and (best is None or (at, -len(word)) < best[0]):
                best = ((at, -len(word)), value)
    if best is None and fuzzy:
        for text in texts:
            for word, value in candidates:
                if _close_enough(word, text, NAME_FUZZY_MIN_LENGTH) or _sounds_in(word, text):
                    return value
    return best[1] if best else None


def _mentions(plain: str, text: str, contest: Contest) -> _Mentions:
    """Find the stage, category and district body of this contest that the question names."""
    vocab = vocabulary()
    texts = (plain, text)
    # "评分标准是什么" names no stage (评分 is the review's word only outside these)
    stage_texts = tuple(_NO_STAGE.sub("|", t) for t in texts)
    found_stage = _first_mention(stage_texts, _stage_candidates(contest), fuzzy=True)
    criterion = named_criterion(plain, contest)
    if criterion is not None and found_stage is None:
        found_stage = (criterion.kind, criterion)  # "创新程度满分30分吗": the review's points
    category_candidates: list[tuple[str, Category]] = []
    for c in contest.categories:
        name = _normalise(c.name)
        category_candidates.append((name, c))
        if len(name) >= 4:
            category_candidates += [(name[:2] + suffix, c) for suffix in ("类", "组")]
    category = _first_mention(texts, category_candidates, fuzzy=True)
    named = chosen_between(plain, contest)
    choosing = bool(named)
    if choosing:  # "加装电梯 是服务民生类还是赋能发展类": which of the two fits the project
        category = None
    district_names = [
        _normalise(s.name) for s in contest.registration.submitters if not s.city_level
    ]
    district_candidates = [(n, True) for n in district_names]
    district_candidates += [(n[:2], True) for n in district_names]
    district_candidates += [(_normalise(s.group), True) for s in contest.district_submitters]
    next_level = contest.next_level
    next_names = [next_level.short_name, next_level.name] if next_level else []
    next_words = [_normalise(n) for n in next_names if n]
    next_words += [w for n in next_words for w in _level_words(n)]
    next_words += [n[-2:] for n in next_words if len(n) >= 8]  # 江川市…展评: "去江川市展评"
    next_round = bool(_first_mention(texts, [(w, True) for w in next_words]))
    mentions = _Mentions(
        next_round=next_round,
        participant=names_participant(plain, contest),
        show=any(form in plain for form in _show_forms(contest)),
        tier=any(_normalise(t.name) in plain for t in contest.awards.tiers if t.ranks is None),
        now=bool(_NOW.search(text)) and bool(_ASKS_YES_NO.search(text)),
        organizer=any(
            name in plain
            for name in {_normalise(n) for n in (*contest.organizers, contest.organizer_short)}
            if len(name) > 2
        ),
        stage_kind=found_stage[0] if found_stage else None,
        stage=found_stage[1] if found_stage else None,
        # a stage held somewhere (比拼, 决赛), not the one entries are handed in by
        event=bool(found_stage) and found_stage[1] not in (None, contest.submission_stage),
        criterion=criterion is not None,
        case_field=any(
            len(name) >= 4 and name in plain
            for name in (_normalise(f.label) for f in contest.forms.case.fields)
        ),
        fact=any(len(label) >= 3 and _normalise(label) in plain for label in contest.facts),
        category=category,
        district=bool(_first_mention(texts, district_candidates)),
    )
    hit = _Hits(text, _tokens(text), mentions)
    # the subject most of whose words are said ("提前到场地去彩排走一下台": rehearsal, not venue);
    # of two as often said, the later one (venue, the most general, comes first in the file)
    said = [(_said_of(u, hit, plain), u) for u in vocab.subjects]
    subject = max(
        (
            (count, index, u)
            for index, (count, u) in enumerate(said)
            if count and not u.stated_in(contest)
        ),
        default=(0, 0, None),
        key=lambda found: found[:2],
    )[2]
    project = None
    if category is None:
        synonyms = vocab.advice_synonyms
        described = plain
        if choosing:  # the names offered describe no project
            for c in named:
                described = described.replace(_normalise(c.name), " ")
        suggestions = suggest(described, contest, ignore=_question_pairs(), synonyms=synonyms)
        project = suggestions[0].category if suggestions else None
        if choosing and project not in named:
            project = None  # neither of the two offered: no advice between them
    form, fields = named_fields(question=plain, contest=contest)
    return replace(
        mentions,
        subject=subject,
        project=project,
        field_form=form,
        fields=tuple(dict.fromkeys(f.key for _, f in fields)),
    )


@cache
def _subject_words(subject: Subject) -> tuple[re.Pattern[str] | None, tuple[str, ...]]:
    """Return one pattern for the subject's plain words (longest first) and its other terms."""
    plain = sorted((w for w in subject.words if len(w) > 1 and not set(w) & set("+#@")), key=len)
    pattern = re.compile("|".join(re.escape(w) for w in reversed(plain))) if plain else None
    return pattern, tuple(w for w in subject.words if w not in plain)


def _said_of(subject: Subject, hit: _Hits, plain: str) -> int:
    """Return how many of the subject's words the question says (as ``hit.said`` reads them)."""
    pattern, others = _subject_words(subject)
    found = set(pattern.findall(hit.text)) | set(pattern.findall(plain)) if pattern else set()
    return len(found) + sum(1 for w in others if hit.said(w) or w in plain)


# The forms people fill in to register (the case's own form is the document: topic "form")
FIELD_FORMS = ("unit", "contact", "member")
_KIND_WORDS = {
    FieldKind.PHONE: ("座机", "固话", "固定电话", "办公电话"),
    FieldKind.MOBILE: ("手机", "手机号"),
}


def _form_words(key: str, contest: Contest) -> tuple[str, ...]:
    """Return the words that name one of the registration forms: its title, whose it is."""
    terms = contest.terms
    own = {
        "unit": ("单位", "党组织"),
        "contact": ("联系人", "联络员"),
        "member": (terms.member, terms.lead, "成员", "队员", "团队"),
    }[key]
    title = getattr(contest.forms, key).title
    return tuple(_normalise(w) for w in (*own, title) if w)


def named_fields(
    *, question: str, contest: Contest
) -> tuple[str | None, list[tuple[str, FormField]]]:
    """Return the registration form and the fields of it that the question names.

    "政治面貌要填吗" names the member form's 政治面貌; "联系人要填手机还是座机" the contact form's
    手机 and 办公电话 (a phone field is 座机). The form is None when the question names none of
    the forms (or several) and its fields are not all of one form; the fields are then those
    of every form with a field it names.
    """
    plain = _normalise(question)
    said = (plain, _canonical(plain))  # "企业wx号" says 企业微信号 (an alias of the vocabulary)
    found: list[tuple[str, FormField]] = []
    for key in FIELD_FORMS:
        form: Form = getattr(contest.forms, key)
        for f in form.fields:
            words = (_normalise(f.label), *_KIND_WORDS.get(f.kind, ()))
            if any(w and w in text for w in words for text in said):
                found.append((key, f))
    named = [k for k in FIELD_FORMS if any(w in plain for w in _form_words(k, contest))]
    chosen = [(k, f) for k, f in found if k in named]
    if len(named) == 1 and (chosen or not found):
        return named[0], chosen
    if not named and len({k for k, _ in found}) == 1:
        return found[0][0], found  # 政治面貌 is the member form's only: that form is meant
    return None, found


_StageWords = tuple[tuple[str, tuple[StageKind, Stage | None]], ...]


def named_criterion(plain: str, contest: Contest) -> Stage | None:
    """Return the stage whose judging criterion the question names with its points, if any.

    "答辩占40分吗", "创新程度满分多少分": a criterion's name beside 分 (the first stage's, in
    the file's order).
    """
    if "分" not in plain:
        return None
    for stage in contest.stages:
        if stage.judging is None:
            continue
        if any(_normalise(c.name) in plain for c in stage.judging.criteria):
            return stage
    return None


def _stage_candidates(contest: Contest) -> _StageWords:
    """Return the words that name a stage of this contest (or a kind it lacks), with it.

    Built once per contest (every question looks for a stage), not once per question.
    """
    kept = _STAGE_WORDS.get(id(contest))
    if kept is not None and kept[0] is contest:
        return kept[1]
    candidates: list[tuple[str, tuple[StageKind, Stage | None]]] = [
        (_normalise(s.name), (s.kind, s)) for s in contest.stages
    ]
    candidates += [(part, (s.kind, s)) for s in contest.stages for part in _name_parts(s)]
    for kind, words in vocabulary().stage_words.items():
        stage = next((s for s in contest.stages if s.kind is kind), None)
        if stage is None and kind is StageKind.SUBMISSION:
            stage = contest.submission_stage  # "申报期" names the stage entries are handed in by
            kind = stage.kind
        candidates += [(_normalise(w), (kind, stage)) for w in words]
    found = tuple(candidates)
    _STAGE_WORDS[id(contest)] = (contest, found)
    return found


_STAGE_WORDS: dict[int, tuple[Contest, _StageWords]] = {}
_CHOOSING = re.compile(r"还是|或者|或是|定系|抑或|or")


def chosen_between(question: str, contest: Contest) -> list[Category]:
    """Return the categories a question offers to choose between ("…服务民生类还是赋能发展类"):
    two or more named with 还是/或者, else none."""
    plain = _normalise(question)
    named = [c for c in contest.categories if _normalise(c.name) in plain]
    return named if len(named) >= 2 and _CHOOSING.search(plain) else []


_NO_STAGE = re.compile("评分标准|评分细则|打分标准|评分规则|评分办法")


def named_stage(question: str, contest: Contest) -> Stage | None:
    """Return the stage of this contest the question names ("现在是不是在比拼阶段": 比拼), if any.

    Read as the matcher reads it: the contest's own stage names and their ends, the usual words
    of each kind (决赛, 申报期), same-sound typos.
    """
    plain = respell(_normalise(dotted_days(question)), contest)
    text = _in_house(_canonical(plain), contest)
    found = _first_mention((plain, text), _stage_candidates(contest), fuzzy=True)
    return found[1] if found else None


def stages_named(question: str, contest: Contest) -> list[Stage]:
    """Return every stage of this contest the question names as written, in the file's order."""
    plain = respell(_normalise(dotted_days(question)), contest)
    text = _in_house(_canonical(plain), contest)
    found = {
        id(stage): stage
        for word, (_kind, stage) in _stage_candidates(contest)
        if stage is not None and word and (word in plain or word in text)
    }
    return [s for s in contest.stages if id(s) in found]


def says(word: str, question: str) -> bool:
    """Tell whether the question says ``word``, read as the matcher reads it.

    Synonyms and common typos count (负责人 says 牵头人, "付责人" sounds like 负责人), so a
    yes/no rule in :mod:`contest.asking` hears what the topic was matched on.
    """
    if not word:
        return False
    plain, own = _normalise(question), _normalise(word)
    text, wanted = _canonical(plain), _canonical(own)
    if wanted and (wanted in text or _sounds_in(wanted, text)):
        return True
    return bool(own) and (own in plain or _sounds_in(own, plain))


def names_participant(question: str, contest: Contest) -> bool:
    """Tell whether the question names a kind of body the contest's participants text names.

    "街道党工委能参加吗" asks whether 镇街 may enter: donghu-2026's notice says they may, so it
    is a question about who takes part, not about the route a district body hands in by. Any
    party body (党支部, 党委) is one of the 党组织 a notice opens the contest to; a body named
    with one of its people (支部书记) is not.
    """
    named, plain = _normalise(contest.participants), _normalise(question)
    groups = vocabulary().groups
    for person in sorted(groups.get("people_of", ()), key=len, reverse=True):
        for body in (*groups.get("party_bodies", ()), *groups.get("bodies", ())):
            plain = plain.replace(body + person, "")  # "支部书记能当负责人吗" asks about a person
    if "党组织" in named and any(body in plain for body in groups.get("party_bodies", ())):
        return True  # a 党支部 is a 党组织
    return bool(named) and any(body in plain and body in named for body in groups.get("bodies", ()))


def _show_forms(contest: Contest) -> tuple[str, ...]:
    """Return the forms of show a stage's presentation_form lists: 小品、情景剧、视频、PPT均可."""
    forms = (s.presentation_form for s in contest.stages if s.presentation_form)
    parts = (_normalise(p) for text in forms for p in _LISTED.split(text))
    return tuple(p for p in parts if 1 < len(p) <= 4 and "形式" not in p)


def _name_parts(stage: Stage) -> tuple[str, ...]:
    """Return the end of a long stage name that people say alone: 现场选拔比拼 → 比拼.

    Only for names of five characters or more, and only an end no group word or stage word of
    another kind contains (文本申报 keeps 申报 for handing in).
    """
    name = _normalise(stage.name)
    if len(name) < 5:
        return ()
    vocab = vocabulary()
    taken = {w for ws in vocab.groups.values() for w in ws}
    taken |= {w for kind, ws in vocab.stage_words.items() if kind is not stage.kind for w in ws}
    end = name[-2:]
    return () if any(end in w or w in end for w in taken) else (end,)


def _level_words(name: str) -> tuple[str, ...]:
    """Return how people name a round by its level: 市级展评 → 市里, 市级; 省级… → 省里."""
    level = re.match(r"([市省区县国])级", name)
    if not level:
        return ()
    head = level.group(1)
    return (f"{head}级", f"{head}里", f"{head}一级")


@cache
@cache
def _question_pairs() -> frozenset[str]:
    """Return the character pairs of how a category is asked for: no clue to the project."""
    words = vocabulary().groups.get("which_category", ())
    return frozenset(p for w in (*words, *vocabulary().filler) for p in pairs(w))


def _score(
    topic: Topic,
    text: str,
    tokens: tuple[str, ...],
    mentions: _Mentions,
    bm25: Mapping[str, float],
    hit: _Hits,
    possible: frozenset[str],
) -> float:
    named = mentions.has(topic.entity)
    if topic.needs_entity and not named:
        return 0.0
    # a term that cannot count adds 0 (skipped: the sum is the same)
    score = sum(weight * hit(term) for term, weight in topic.keywords if term in possible)
    if named:
        score += topic.entity_weight
    if tokens:
        # the closest example, if it is above the floor (below, it adds nothing)
        found = process.extractOne(
            " ".join(tokens),
            _example_tokens(topic.key),
            scorer=fuzz.token_sort_ratio,
            score_cutoff=EXAMPLE_FLOOR,
        )
        closest = found[1] if found else 0.0
        score += EXAMPLE_WEIGHT * max(0.0, closest - EXAMPLE_FLOOR) / (100.0 - EXAMPLE_FLOOR)
    score += BM25_WEIGHT * bm25.get(topic.key, 0.0)
    return max(score, 0.0)


def _params(topic: Topic, mentions: _Mentions) -> dict[str, str]:
    if topic.entity == "stage" and mentions.stage_kind is not None:
        params = {"kind": mentions.stage_kind.value}
        if mentions.stage is not None:
            params["stage"] = mentions.stage.key
        return params
    if topic.entity == "category" and mentions.category is not None:
        return {"category": mentions.category.key}
    if topic.entity == "project" and mentions.project is not None:
        return {"category": mentions.project.key}
    if topic.entity == "subject" and mentions.subject is not None:
        return {"subject": mentions.subject.key}
    if topic.entity == "field" and (mentions.fields or mentions.field_form):
        params = {"field": mentions.fields[0]} if mentions.fields else {}
        if mentions.field_form is not None:
            params["form"] = mentions.field_form
        return params
    return {}


def _kind(value: str) -> StageKind | None:
    try:
        return StageKind(value)
    except ValueError:
        return None


def _generic_stage_name(kind: str) -> str:
    """Return the usual name of a stage kind, for a stage this contest may not have."""
    stage_kind = _kind(kind)
    words = vocabulary().stage_words.get(stage_kind, ()) if stage_kind else ()
    return words[0] if words else kind


def _label(topic: Topic, params: Mapping[str, str], contest: Contest) -> str:
    stage = contest.stage(params.get("stage", ""))
    category = contest.category(params.get("category", ""))
    subject = vocabulary().subject(params.get("subject", ""))
    return topic.label.format_map(
        {
            "submission": contest.submission_stage.name,
            "stage": stage.name if stage else _generic_stage_name(params.get("kind", "")),
            "category": category.name if category else "",
            "subject": subject.label if subject else "",
            "entry": contest.terms.entry,
            "lead": contest.terms.lead,
            "member": contest.terms.member,
            "document": contest.terms.document_short,
            "next": contest.next_level.short_name if contest.next_level else "上一级比赛",
        }
    )


def _ref(topic: str, params: Mapping[str, str]) -> str:
    if "field" in params:  # "fields:member.political_status", "fields:*.mobile"
        return f"{topic}:{params.get('form', '*')}.{params['field']}"
    if "form" in params:  # "fields:member"
        return f"{topic}:{params['form']}"
    value = (
        params.get("stage") or params.get("kind") or params.get("category") or params.get("subject")
    )
    return f"{topic}:{value}" if value else topic


def match(question: str, contest: Contest) -> Answer:
    """Return the topic a contact person's free-text question asks about, for this contest."""
    return _match(in_common_words(question), contest, nearest=True)


def _asks_several(question: str, contest: Contest) -> bool:
    """Tell whether two pieces of the message are each sure of a topic (截止时间 还有团队几个人).

    Such a message is split into its questions by :func:`contest.asking.ask`; the nearest
    phrasings of it whole must not make it look like one.
    """
    pieces = [p for p in _PIECE_BREAK.split(question) if p]
    if len(pieces) < 2:
        return False
    sure = {a.topic for p in pieces for a in [_match(p, contest, nearest=False)] if a.confident}
    return len(sure) >= 2


def _match(question: str, contest: Contest, *, nearest: bool) -> Answer:
    vocab = vocabulary()
    typed = _normalise(dotted_days(question))
    plain = respell(typed, contest)  # "5.1交": 5月1号交
    chat = _small_talk(typed) or _small_talk(plain)  # "嗨" is no typo of 还
    chat = chat or (_small_talk(question.replace(" ", "")) if not typed else None)  # 👍
    if chat is not None:
        return Answer(topic=chat, params={}, confident=True, score=0.0, question=question)
    text = _read(plain, contest)
    tokens = _tokens(text) if text else ()
    mentions = _mentions(plain, text, contest)
    bm25 = _bm25_scores(text) if text else {}
    hit = _Hits(text, tokens, mentions)
    possible = hit.possible()
    scored = sorted(
        (
            (topic, _score(topic, text, tokens, mentions, bm25, hit, possible))
            for topic in vocab.topics
        ),
        key=lambda pair: -pair[1],
    )
    (best, best_score), (_, second_score) = scored[0], scored[1]
    confident = best_score >= vocab.min_score and best_score - second_score >= vocab.min_margin
    # The nearest labelled phrasings, when the two closest agree, outweigh the keywords (on 240
    # fresh phrasings they named the right topic 90 % of the time, the keywords 81 %), unless no
    # keyword of theirs is in the question: "前20名能进比拼吗" is no 市级展评's 前几名 (README 24)
    closest = _nearest_topic(text, mentions, over=confident) if nearest and text else None
    if closest is not None and confident and closest.key != best.key:
        closest = closest if next(s for t, s in scored if t is closest) > 0 else None
    if (
        closest is not None
        and (closest.key != best.key or not confident)
        and not _asks_several(question, contest)
    ):
        best, confident = closest, True

    offered = [t for t, s in scored if s > 0 and (t is not best or not confident)]
    for key in vocab.fallback:
        topic = vocab.topic(key)
        if topic is not None and topic not in offered and (topic is not best or not confident):
            offered.append(topic)
    alternatives = tuple(
        Alternative(t.key, params, _label(t, params, contest))
        for t in offered[:ALTERNATIVES]
        for params in [_params(t, mentions)]
    )
    if not confident:
        return Answer(
            topic=UNSURE,
            params={},
            confident=False,
            alternatives=alternatives,
            score=best_score,
            question=question,
        )
    return Answer(
        topic=best.key,
        params=_params(best, mentions),
        confident=True,
        alternatives=alternatives,
        score=best_score,
        question=question,
    )


def _read(plain: str, contest: Contest) -> str:
    return _in_house(_canonical(plain), contest)


def matcher_text(question: str, contest: Contest) -> str:
    """Return the question as the matcher reads it: canonical words, no contest's own words."""
    return _read(respell(_normalise(dotted_days(question)), contest), contest)


def _in_house(text: str, contest: Contest) -> str:
    """Read the contest's own words as the vocabulary's, from the contest file alone.

    项目 asks what 案例 asks, 评审专家 what 评委 asks, 申报书 what 说明书 asks; a stage called by
    its own name (现场选拔比拼, or its end 比拼) is read as the usual word of its kind (决赛), which
    the topics' keywords and example phrasings use. Longest word first.
    """
    for word, usual in _house_words(contest):
        if word in text:
            text = text.replace(word, usual)
    return text


_HOUSE: dict[int, tuple[Contest, tuple[tuple[str, str], ...]]] = {}


def _house_words(contest: Contest) -> tuple[tuple[str, str], ...]:
    """Return (the contest's word, the vocabulary's word) pairs, longest first, per contest."""
    kept = _HOUSE.get(id(contest))
    if kept is not None and kept[0] is contest:
        return kept[1]
    terms = contest.terms
    pairs: dict[str, str] = {}
    for own, usual in (
        (terms.entry, "案例"),
        (terms.document, "说明书"),
        (terms.document_short, "说明书"),
        (terms.lead, "牵头人"),
        (terms.member, "队员"),
        (terms.judge, "评委"),
    ):
        word = _canonical(_normalise(own)) if own else ""
        if len(word) > 1 and word != usual and usual not in word:
            pairs[word] = usual
    generic = {_normalise(w) for ws in vocabulary().stage_words.values() for w in ws}
    for stage in contest.stages:
        if stage is contest.submission_stage:
            continue  # its name is read with the words of handing in (初选能进几个), kept as is
        usual = _usual_stage_word(stage.kind)
        for name in (_normalise(stage.name), *_name_parts(stage)):
            if usual and name not in generic and name not in pairs:
                pairs[name] = usual
    found = tuple(sorted(pairs.items(), key=lambda pair: -len(pair[0])))
    _HOUSE[id(contest)] = (contest, found)
    return found


@cache
def _usual_stage_word(kind: StageKind) -> str:
    """Return the word of this stage kind the topics' example phrasings use most (决赛)."""
    vocab = vocabulary()
    words = vocab.stage_words.get(kind, ())
    examples = [e for t in vocab.topics for e in t.examples]
    return max(words, key=lambda w: (sum(w in e for e in examples), -words.index(w)), default="")


def _small_talk(plain: str) -> str | None:
    """Return "greeting" or "thanks" when the message is only that (你好, 在吗, 谢谢老师)."""
    vocab = vocabulary()
    found: list[tuple[int, str]] = []
    rest = plain
    for kind, words in vocab.small_talk.items():
        for word in sorted(words, key=len, reverse=True):
            if word in rest:
                found.append((list(vocab.small_talk).index(kind), kind))
                # a gap, not nothing: "懂了感谢解答" less 感谢 must not leave a 了解 to find
                rest = rest.replace(word, " ")
    if not found:
        return None
    for word in sorted(vocab.filler, key=len, reverse=True):
        rest = rest.replace(word, " ")
    return max(found)[1] if not rest.strip() else None


def answer_for(ref: str, contest: Contest) -> Answer | None:
    """Return the answer a button's ``ref`` stands for, or None if it names nothing here."""
    key, _, value = ref.partition(":")
    topic = vocabulary().topic(key)
    if topic is None:
        return None
    params: dict[str, str] = {}
    if topic.entity == "stage":
        stage = contest.stage(value)
        if stage is not None:
            params = {"kind": stage.kind.value, "stage": stage.key}
        elif (kind := _kind(value)) is not None:
            params = {"kind": kind.value}
            same_kind = next((s for s in contest.stages if s.kind is kind), None)
            if same_kind is not None:
                params["stage"] = same_kind.key
        else:
            return None
    elif topic.entity in ("category", "project") and value:
        if contest.category(value) is None:
            return None
        params = {"category": value}
    elif topic.entity == "subject" and value:
        if vocabulary().subject(value) is None:
            return None
        params = {"subject": value}
    elif topic.entity == "field" and value:
        form, dot, field_key = value.partition(".")
        if not dot:
            if form not in FIELD_FORMS:
                return None
            params = {"form": form}
        elif _named_rows(contest, form if form != "*" else None, field_key) == []:
            return None
        else:
            params = {"field": field_key} | ({"form": form} if form != "*" else {})
    elif value:
        return None
    return Answer(topic=key, params=params, confident=True)


def _named_rows(contest: Contest, form: str | None, key: str) -> list[tuple[Form, FormField]]:
    """Return (form, field) for the field ``key`` of ``form``, or of every registration form."""
    keys = [form] if form is not None else list(FIELD_FORMS)
    if not key or any(k not in FIELD_FORMS for k in keys):
        return []
    forms = [getattr(contest.forms, k) for k in keys]
    return [(f, field) for f in forms for field in f.fields if field.key == key]


def _overlaps(a: str, b: str) -> bool:
    """Tell whether two dotted keys name the same thing or one contains the other."""
    return all(x == y or "*" in (x, y) for x, y in zip(a.split("."), b.split("."), strict=False))


def _unconfirmed(answer: Answer, contest: Contest) -> bool:
    if answer.topic == UNSURE:
        depends: tuple[str, ...] = ("contacts",)
    else:
        topic = vocabulary().topic(answer.topic)
        depends = topic.depends if topic else ()
    known: dict[str, str] = {}
    for stage in reversed(contest.stages):
        known[stage.kind.value] = stage.key
    if "stage" in answer.params:
        known["stage"] = answer.params["stage"]
    resolved = []
    for dep in depends:
        try:
            resolved.append(dep.format_map(known))
        except KeyError:
            continue  # names a stage this contest does not have
    return any(_overlaps(dep, key) for dep in resolved for key in contest.unconfirmed)


def topic_texts(topic_key: str, contest: Contest, params: Mapping[str, str]) -> list[str]:
    """Return every text of the contest file that a topic's answer is made of (its depends).

    "rules.district_text", "stages.{stage}" (the answer's stage, or the stage of each kind):
    each path's strings, nested ones included.
    """
    topic = vocabulary().topic(topic_key)
    if topic is None:
        return []
    known = {stage.kind.value: stage.key for stage in reversed(contest.stages)}
    if "stage" in params:
        known["stage"] = params["stage"]
    found: list[str] = []
    for dep in topic.depends:
        try:
            path = dep.format_map(known)
        except KeyError:
            continue
        value: Any = contest
        for part in path.split("."):
            if isinstance(value, list):
                value = next((v for v in value if getattr(v, "key", None) == part), None)
            elif isinstance(value, Mapping):
                value = value.get(part)
            else:
                value = getattr(value, part, None)
            if value is None:
                break
        found.extend(_strings(value))
    return found


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return [str(int(value)) if float(value).is_integer() else str(value)]
    if hasattr(value, "model_dump"):
        return _strings(value.model_dump())
    if isinstance(value, Mapping):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, (list, tuple)):
        return [s for v in value for s in _strings(v)]
    return []


def verdict_words(answer: Answer) -> str:
    """Return how the verdict is said, in the question's own verb ("来得及", "不能"), or ""."""
    if answer.verdict is None:
        return ""
    topic = vocabulary().topic(answer.topic)
    pair = topic.verdict_words if topic else None
    if pair is None:
        plain = _normalise(answer.question)
        pair = next(
            ((yes, no) for cue, yes, no in vocabulary().verdict_words if cue in plain),
            ("是", "不是"),
        )
    if pair[0] == "会" and _LATE_WORDS.search(_normalise(answer.question)):
        pair = (pair[1], pair[0])  # "会不会晚": in time is 不会
    return pair[0] if answer.verdict == "yes" else pair[1]


def _fields_named(answer: Answer, contest: Contest) -> list[tuple[Form, FormField]]:
    """Return the fields a fields answer speaks of: every one the question names (手机, 座机)."""
    rows = _named_rows(contest, answer.params.get("form"), answer.params.get("field", ""))
    if answer.topic != "fields" or not rows or not answer.question:
        return rows
    form, found = named_fields(question=answer.question, contest=contest)
    if form != answer.params.get("form"):
        return rows
    return [(getattr(contest.forms, key), f) for key, f in found]


def _shown_forms(answer: Answer, contest: Contest) -> list[Form]:
    """Return the registration forms a fields answer lists whole: the one named, or all."""
    if answer.topic != "fields":
        return []
    if "form" in answer.params:
        return [getattr(contest.forms, answer.params["form"])]  # the whole form named
    return [] if "field" in answer.params else [getattr(contest.forms, k) for k in FIELD_FORMS]


def _compared(day: date | None, last_day: date) -> str:
    if day is None:
        return ""
    return "before" if day < last_day else "same" if day == last_day else "after"


def answer_context(
    answer: Answer, contest: Contest, now: datetime, asker: Asker | None = None
) -> dict[str, Any]:
    """Gather everything an answer template needs about ``contest`` at ``now`` and the asker."""
    stages = contest.stages
    day = named_day(answer.question, now, contest.zone) if answer.question else None
    last_day = contest.submission_stage.end.astimezone(contest.zone).date()
    suggestions: tuple[Suggestion, ...] = ()
    if answer.topic == "recommend":  # only its template shows them (a search over categories)
        synonyms = vocabulary().advice_synonyms
        suggestions = suggest(answer.question, contest, ignore=_question_pairs(), synonyms=synonyms)
        if not suggestions and (chosen := contest.category(answer.params.get("category", ""))):
            chosen_one = Suggestion(category=chosen, score=0.0, shared=(), reason=chosen.summary)
            suggestions = (chosen_one,)
    stage = contest.stage(answer.params.get("stage", ""))
    finished = [s for s in stages if s.end < now]
    return {
        "contest": contest,
        "now": now,
        "answer": answer,
        "zone": contest.zone,
        "position": position(contest, now),
        "first": stages[0],
        "last": stages[-1],
        "previous": finished[-1] if finished else None,
        "submission": contest.submission_stage,
        "stage": stage,
        "stage_name": stage.name if stage else _generic_stage_name(answer.params.get("kind", "")),
        "category": contest.category(answer.params.get("category", "")),
        "advance_stage": next((s for s in stages if s.advances), None),
        "next_level": contest.next_level,
        "final": next(
            (s for s in stages if s.presentation_minutes or s.presentation_form),
            next((s for s in stages if s.kind is StageKind.FINAL), None),
        ),
        "provincial_stage": next((s for s in stages if s.kind is StageKind.PROVINCIAL), None),
        "district_submitters": [s for s in contest.registration.submitters if not s.city_level],
        "case_fields": [f for f in contest.forms.case.fields if f.in_document],
        "counted_fields": [f for f in contest.forms.case.fields if f.counted],
        "unconfirmed": _unconfirmed(answer, contest),
        "asker": asker,
        "verdict_words": verdict_words(answer),
        "asked_day": day,
        "asked_day_text": format_date(day) if day else "",
        "asked_day_vs_deadline": _compared(day, last_day),
        "suggestions": suggestions,
        "subject": vocabulary().subject(answer.params.get("subject", "")),
        "named_fields": _fields_named(answer, contest),
        "shown_forms": _shown_forms(answer, contest),
        "official": contest.official_system,
    }
