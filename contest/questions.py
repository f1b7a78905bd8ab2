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

import logging
import re
import tomllib
import unicodedata
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz

from contest.definition import Category, Contest, Stage, StageKind
from contest.schedule import position

TOPICS_FILE = Path(__file__).with_name("topics.toml")
UNSURE = "unsure"
ALTERNATIVES = 3
FUZZY_MIN_LENGTH = 5
NAME_FUZZY_MIN_LENGTH = 4
FUZZY_CREDIT = 0.7
EXAMPLE_WEIGHT = 1.5
EXAMPLE_FLOOR = 60.0

_ENTITIES = ("stage", "category", "district", "next")
_PUNCTUATION = re.compile(r"[\W_]+")
_DIGITS = re.compile(r"\d+")


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
    of that kind) for the ``stage`` topic, ``category`` (a category key) for ``categories``.
    """

    topic: str
    params: Mapping[str, str] = field(default_factory=dict)
    confident: bool = True
    alternatives: tuple[Alternative, ...] = ()
    score: float = 0.0

    @property
    def ref(self) -> str:
        """Return a short reference for callback data, e.g. "categories:development"."""
        return _ref(self.topic, self.params)


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

    def topic(self, key: str) -> Topic | None:
        """Return the topic with this key, if any."""
        return next((t for t in self.topics if t.key == key), None)

    @property
    def words(self) -> set[str]:
        """Return every word worth keeping whole when segmenting a question."""
        words = set(self.aliases.values()) | self.stopwords
        words.update(w for ws in self.groups.values() for w in ws)
        words.update(w for ws in self.stage_words.values() for w in ws)
        for topic in self.topics:
            for term, _ in topic.keywords:
                words.update(p for p in term.split("+") if not p.startswith(("@", "#")))
        return {w for w in words if len(w) > 1}


@dataclass(frozen=True)
class _Mentions:
    """What a question names of this contest."""

    stage_kind: StageKind | None = None
    stage: Stage | None = None
    category: Category | None = None
    district: bool = False
    next_round: bool = False

    def has(self, entity: str | None) -> bool:
        if entity == "stage":
            return self.stage_kind is not None
        if entity == "category":
            return self.category is not None
        if entity == "district":
            return self.district
        if entity == "next":
            return self.next_round
        return False


def prepare() -> None:
    """Load the topic data and jieba's dictionary now (at start-up) rather than on first use."""
    _tokenizer()
    _alias_pattern()


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
        )
        for t in raw["topic"]
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


@cache
def _tokenizer() -> Any:
    """Return a jieba tokenizer of our own that keeps the topic words whole (built once)."""
    with warnings.catch_warnings():
        # Some jieba installs import pkg_resources or carry invalid escapes: not our concern.
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", SyntaxWarning)
        import jieba

        jieba.setLogLevel(logging.WARNING)
        tokenizer = jieba.Tokenizer()
        for word in sorted(vocabulary().words):
            tokenizer.add_word(word)
    return tokenizer


def _normalise(text: str) -> str:
    """Return the text in one width and case, without punctuation or spaces."""
    return _PUNCTUATION.sub("", unicodedata.normalize("NFKC", text).lower())


@cache
def _alias_pattern() -> re.Pattern[str]:
    variants = sorted(vocabulary().aliases, key=len, reverse=True)
    return re.compile("|".join(re.escape(v) for v in variants))


def _canonical(text: str) -> str:
    """Rewrite synonyms and common typos to their canonical word, longest variant first.

    Numbers are read as 几: "6个人" asks what "几个人" asks, "7月15号" is a "几月几号".
    """
    aliases = vocabulary().aliases
    return _alias_pattern().sub(lambda m: aliases[m.group(0)], _DIGITS.sub("几", text))


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


def _hit(term: str, text: str, tokens: tuple[str, ...], mentions: _Mentions) -> float:
    """Return how well the question contains ``term``: 1, FUZZY_CREDIT or 0."""
    if "+" in term:
        return min(_hit(part, text, tokens, mentions) for part in term.split("+"))
    if term.startswith("@"):
        words = vocabulary().groups[term[1:]]
        return max(_hit(word, text, tokens, mentions) for word in words)
    if term.startswith("#"):
        return 1.0 if mentions.has(term[1:]) else 0.0
    if len(term) == 1:
        return 1.0 if term in tokens else 0.0
    if term in text:
        return 1.0
    return FUZZY_CREDIT if _close_enough(term, text) else 0.0


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
                if _close_enough(word, text, NAME_FUZZY_MIN_LENGTH):
                    return value
    return best[1] if best else None


def _mentions(plain: str, text: str, contest: Contest) -> _Mentions:
    """Find the stage, category and district body of this contest that the question names."""
    vocab = vocabulary()
    texts = (plain, text)
    stage_candidates: list[tuple[str, tuple[StageKind, Stage | None]]] = [
        (_normalise(s.name), (s.kind, s)) for s in contest.stages
    ]
    for kind, words in vocab.stage_words.items():
        stage = next((s for s in contest.stages if s.kind is kind), None)
        stage_candidates += [(_normalise(w), (kind, stage)) for w in words]
    found_stage = _first_mention(texts, stage_candidates, fuzzy=True)
    category_candidates: list[tuple[str, Category]] = []
    for c in contest.categories:
        name = _normalise(c.name)
        category_candidates.append((name, c))
        if len(name) >= 4:
            category_candidates += [(name[:2] + suffix, c) for suffix in ("类", "组")]
    category = _first_mention(texts, category_candidates, fuzzy=True)
    district_names = [
        _normalise(s.name) for s in contest.registration.submitters if not s.city_level
    ]
    district_candidates = [(n, True) for n in district_names]
    district_candidates += [(n[:2], True) for n in district_names]
    district_candidates += [(_normalise(s.group), True) for s in contest.district_submitters]
    next_level = contest.next_level
    next_names = [next_level.short_name, next_level.name] if next_level else []
    next_round = bool(_first_mention(texts, [(_normalise(n), True) for n in next_names if n]))
    return _Mentions(
        next_round=next_round,
        stage_kind=found_stage[0] if found_stage else None,
        stage=found_stage[1] if found_stage else None,
        category=category,
        district=bool(_first_mention(texts, district_candidates)),
    )


def _score(topic: Topic, text: str, tokens: tuple[str, ...], mentions: _Mentions) -> float:
    named = mentions.has(topic.entity)
    if topic.needs_entity and not named:
        return 0.0
    score = sum(weight * _hit(term, text, tokens, mentions) for term, weight in topic.keywords)
    if named:
        score += topic.entity_weight
    if tokens:
        asked = " ".join(tokens)
        closest = max(
            (fuzz.token_sort_ratio(asked, example) for example in _example_tokens(topic.key)),
            default=0.0,
        )
        score += EXAMPLE_WEIGHT * max(0.0, closest - EXAMPLE_FLOOR) / (100.0 - EXAMPLE_FLOOR)
    return max(score, 0.0)


def _params(topic: Topic, mentions: _Mentions) -> dict[str, str]:
    if topic.entity == "stage" and mentions.stage_kind is not None:
        params = {"kind": mentions.stage_kind.value}
        if mentions.stage is not None:
            params["stage"] = mentions.stage.key
        return params
    if topic.entity == "category" and mentions.category is not None:
        return {"category": mentions.category.key}
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
    return topic.label.format_map(
        {
            "submission": contest.submission_stage.name,
            "stage": stage.name if stage else _generic_stage_name(params.get("kind", "")),
            "category": category.name if category else "",
            "entry": contest.terms.entry,
            "lead": contest.terms.lead,
            "member": contest.terms.member,
            "document": contest.terms.document_short,
            "next": contest.next_level.short_name if contest.next_level else "上一级比赛",
        }
    )


def _ref(topic: str, params: Mapping[str, str]) -> str:
    value = params.get("stage") or params.get("kind") or params.get("category")
    return f"{topic}:{value}" if value else topic


def match(question: str, contest: Contest) -> Answer:
    """Return the topic a contact person's free-text question asks about, for this contest."""
    vocab = vocabulary()
    plain = _normalise(question)
    text = _canonical(plain)
    tokens = _tokens(text) if text else ()
    mentions = _mentions(plain, text, contest)
    scored = sorted(
        ((topic, _score(topic, text, tokens, mentions)) for topic in vocab.topics),
        key=lambda pair: -pair[1],
    )
    (best, best_score), (_, second_score) = scored[0], scored[1]
    confident = best_score >= vocab.min_score and best_score - second_score >= vocab.min_margin

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
            topic=UNSURE, params={}, confident=False, alternatives=alternatives, score=best_score
        )
    return Answer(
        topic=best.key,
        params=_params(best, mentions),
        confident=True,
        alternatives=alternatives,
        score=best_score,
    )


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
    elif topic.entity == "category" and value:
        if contest.category(value) is None:
            return None
        params = {"category": value}
    elif value:
        return None
    return Answer(topic=key, params=params, confident=True)


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


def answer_context(answer: Answer, contest: Contest, now: datetime) -> dict[str, Any]:
    """Gather everything an answer template needs about ``contest`` at ``now``."""
    stages = contest.stages
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
    }
