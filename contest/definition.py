"""The contest definition: everything that differs from one contest to the next.

A contest file (TOML) names the contest, its categories, stages with exact moments, rules,
the forms entrants fill in, reminder offsets, contacts and awards. It is validated here with
pydantic; a bad file raises :class:`ContestFileError` naming the key and the reason, and the
bot refuses to start.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)


class ContestFileError(ValueError):
    """A contest file that cannot be used, with every problem named by its key."""


class Strict(BaseModel):
    """Base for definition models: unknown keys are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


_OFFSET = re.compile(r"^\s*(\d+)\s*([dhm])\s*$")


def parse_offset(value: str) -> timedelta:
    """Turn an offset such as "7d", "3h" or "30m" into a timedelta."""
    match = _OFFSET.match(value)
    if not match:
        raise ValueError(f"offset {value!r} must look like 7d, 3h or 30m")
    amount, unit = int(match.group(1)), match.group(2)
    units = {"d": timedelta(days=1), "h": timedelta(hours=1), "m": timedelta(minutes=1)}
    return amount * units[unit]


def _check_offset(value: str) -> str:
    parse_offset(value)
    return value


Offset = Annotated[str, AfterValidator(_check_offset)]
Key = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=32)]


class Contact(Strict):
    """An organizer's contact person, as printed in the notice."""

    name: str
    phone: str = ""
    mobile: str = ""
    role: str = ""


class Category(Strict):
    """A case category (案例类别) with what it collects and how it is judged."""

    key: Key
    name: str
    summary: str = Field(description="one line shown on the category button's explanation")
    description: str = ""
    emphasis: list[str] = Field(default_factory=list)


class StageKind(StrEnum):
    """What entrants do during a stage; the bot's behaviour hangs on this, not on names."""

    SUBMISSION = "submission"
    REVIEW = "review"
    COACHING = "coaching"
    FINAL = "final"
    PROVINCIAL = "provincial"
    OTHER = "other"


class Editing(StrEnum):
    """Which cases may be edited while a stage runs."""

    ALL = "all"
    ADVANCING = "advancing"
    NONE = "none"


class Criterion(Strict):
    """One thing judges score (评分项): its maximum, its weight and the notice's words."""

    key: Key
    name: str
    max: float = Field(gt=0, le=1000, description="the highest score a judge may give")
    weight: float = Field(default=1.0, gt=0, le=100, description="the total is Σ weight × score")
    text: str = Field(default="", description="the notice's words, shown to the judge")


class Ranking(StrEnum):
    """How the judges' totals of one entry become its score."""

    MEAN = "mean"
    TRIMMED_MEAN = "trimmed_mean"  # without the highest and the lowest, from trim_from judges


class Decides(StrEnum):
    """What a judged stage's ranking decides."""

    ADVANCING = "advancing"  # the top entries go on (advance_per_category / advance_total)
    AWARDS = "awards"  # the prize tiers (awards.tiers)


class StageJudging(Strict):
    """How judges (评委) score a stage: criteria per category, the ranking rule, blindness.

    ``criteria`` apply to every category not in ``by_category``; none at all: one score
    from 0 to 100. ``live``: entries are scored on stage, one after another, as the
    organizer opens each.
    """

    criteria: list[Criterion] = Field(default_factory=list)
    by_category: dict[str, list[Criterion]] = Field(default_factory=dict)
    ranking: Ranking = Ranking.MEAN
    trim_from: int = Field(default=5, ge=3, description="judges needed to drop high and low")
    blind: bool = Field(default=False, description="hide units and people from judges")
    live: bool = False
    decides: Decides | None = Field(
        default=None, description="empty: advancing if the stage has a quota, else awards"
    )
    text: str = Field(default="", description="the notice's words on how the stage is judged")

    @model_validator(mode="after")
    def _unique(self) -> StageJudging:
        _require_unique("judging.criteria", [c.key for c in self.criteria])
        for category, criteria in self.by_category.items():
            _require_unique(f"judging.by_category.{category}", [c.key for c in criteria])
        return self


class Stage(Strict):
    """One stage of the contest, pinned to exact moments.

    Quotas: ``advance_per_category`` entries of each category go on, or ``advance_total``
    entries in all; neither: the notice names no number.
    """

    key: Key
    name: str
    kind: StageKind
    start: datetime
    end: datetime
    entrant_action: str = Field(description="what entrants do during this stage")
    description: str = ""
    advance_per_category: int | None = Field(default=None, ge=1)
    advance_total: int | None = Field(default=None, ge=1)
    presentation_minutes: int | None = Field(default=None, ge=1)
    presentation_form: str = ""
    editing: Editing = Editing.NONE
    announce_to: Literal["all", "advancing", "none"] = "all"
    source_text: str = Field(default="", description="the notice's own words for the dates")
    judging: StageJudging | None = Field(default=None, description="judges score this stage")

    @property
    def approximate(self) -> bool:
        """Tell whether the notice names no day for this stage (9月上旬): its moments are ours."""
        return bool(self.source_text) and "日" not in self.source_text

    @field_validator("start", "end", mode="before")
    @classmethod
    def _not_a_day(cls, value: object) -> object:
        if isinstance(value, date) and not isinstance(value, datetime):
            raise ValueError(
                f"{value} is a day only: write the exact moment meant, e.g."
                f" {value}T23:59:59+08:00 for the end of that day"
            )
        return value

    @field_validator("start", "end")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("needs a UTC offset, e.g. 2024-07-15T23:59:59+08:00")
        return value

    @model_validator(mode="after")
    def _ordered(self) -> Stage:
        if self.end <= self.start:
            raise ValueError("end must be after start")
        if self.advance_per_category and self.advance_total:
            raise ValueError("give advance_per_category or advance_total, not both")
        return self

    @property
    def advances(self) -> bool:
        """Tell whether this stage names how many entries go on."""
        return bool(self.advance_per_category or self.advance_total)


class RestrictedWord(Strict):
    """A word or phrase pattern the text rules ask entrants to avoid."""

    word: str = Field(min_length=1)
    match: Literal["word", "suffix"] = "word"
    note: str = ""


class WordingRule(Strict):
    """Restricted words and what using one anyway requires."""

    words: list[RestrictedWord] = Field(default_factory=list)
    requires_evidence: bool = True
    rule_text: str = ""


class OriginalityRule(Strict):
    """Originality and re-entry of earlier years' cases (empty: the notice says nothing)."""

    rule_text: str = ""
    reentry_allowed: bool = True
    barred_prizes: list[str] = Field(default_factory=list)


class TeamRule(Strict):
    """Team size, eligibility and the lead / replacement rules.

    A number the notice does not give is None: no limit is enforced or shown.
    """

    max_members: int | None = Field(default=None, ge=1, le=50)
    eligibility: str = ""
    contract_min_months: int | None = Field(default=None, ge=0, le=120)
    lead_changeable: bool = False
    member_replacements: int | None = Field(default=None, ge=0)
    rule_text: str = ""
    recommendation: str = ""


class Rules(Strict):
    """The contest's rules as the notice states them."""

    enter_as: str = ""
    eligibility_text: str = ""
    word_limit: int | None = Field(default=None, ge=1, description="None: 字数 only counted")
    word_limit_text: str = ""
    team: TeamRule = Field(default_factory=TeamRule)
    wording: WordingRule = Field(default_factory=WordingRule)
    originality: OriginalityRule = Field(default_factory=OriginalityRule)
    accounts_text: str = ""
    cases_per_account: int | None = Field(default=None, ge=1)
    district_text: str = ""
    how_to_submit: str = ""


class Submitter(Strict):
    """Who submits for a unit: the city organs committee, a district's or a town's body."""

    key: Key
    name: str
    city_level: bool = False
    group: str = Field(default="", description="the level it groups units by, e.g. 区直, 镇街")


class Registration(Strict):
    """How units come in."""

    mode: Literal["invite", "open"] = "invite"
    invite_valid_days: int = Field(default=60, ge=1)
    submitters: list[Submitter] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique(self) -> Registration:
        _require_unique("submitters", [s.key for s in self.submitters])
        return self


class FieldKind(StrEnum):
    """The kinds of form field the form engine knows how to ask and validate."""

    TEXT = "text"
    LONG_TEXT = "long_text"
    CHOICE = "choice"
    PHONE = "phone"
    MOBILE = "mobile"
    YES_NO = "yes_no"
    DATE = "date"
    LIST = "list"


ONE_LINE_KINDS = frozenset({FieldKind.TEXT, FieldKind.PHONE, FieldKind.MOBILE, FieldKind.DATE})


class Choice(Strict):
    """One option of a choice field."""

    key: Key
    label: str
    hint: str = ""


class FormField(Strict):
    """One field of a form: what is asked, how it is validated, where it may come from."""

    key: Key
    label: str
    kind: FieldKind
    prompt: str = ""
    example: str = ""
    required: bool = True
    min_length: int = Field(default=1, ge=0)
    max_length: int | None = Field(default=None, ge=1)
    items: int | None = Field(default=None, ge=1, le=20)
    choices: list[Choice] = Field(default_factory=list)
    choices_from: Literal["categories", "submitters"] | None = None
    prefill: str | None = Field(default=None, description="dotted source, e.g. contact.mobile")
    counted: bool = Field(default=False, description="counts towards the word limit")
    checked: bool = Field(default=False, description="checked for restricted words")
    when: str | None = Field(
        default=None,
        description="ask only if another field has a value: 'key' (yes) or 'key=choice'",
    )
    in_document: bool = Field(default=True, description="part of the exported document")
    line: Key | None = Field(
        default=None,
        description="one-line fields with the same line share one line of the document",
    )
    document_label: str = Field(
        default="", description="the label the document prints, where it differs (职务)"
    )
    role: Key | None = Field(
        default=None,
        description="what the bot relies on this field for (a role key such as"
        " previous_prize), when the field's own key says it otherwise; the role becomes the"
        " key the answers are stored under",
    )

    @property
    def printed_label(self) -> str:
        """Return the label as the document prints it."""
        return self.document_label or self.label

    @model_validator(mode="after")
    def _shape(self) -> FormField:
        if self.kind is FieldKind.LIST and not self.items:
            raise ValueError("a list field needs items = N")
        if self.kind is FieldKind.CHOICE and not (self.choices or self.choices_from):
            raise ValueError("a choice field needs choices or choices_from")
        if self.line and self.kind not in ONE_LINE_KINDS:
            raise ValueError(f"line = {self.line!r}: only one-line fields share a line")
        return self


class Form(Strict):
    """An ordered list of fields."""

    title: str
    note: str = Field(default="", description="the closing note under the document, verbatim")
    fields: list[FormField] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> Form:
        keys = [f.key for f in self.fields]
        _require_unique("fields", keys)
        for f in self.fields:
            if f.when and f.when.partition("=")[0] not in keys:
                raise ValueError(f"field {f.key}: when = {f.when!r} names no field of this form")
        printed = [f.line for f in self.fields if f.in_document]
        for index, line in enumerate(printed):
            if line and line in printed[:index] and printed[index - 1] != line:
                raise ValueError(f"line = {line!r}: fields sharing a line must be adjacent")
        return self

    def field(self, key: str) -> FormField:
        """Return the field with this key."""
        for f in self.fields:
            if f.key == key:
                return f
        raise KeyError(key)

    def field_or_none(self, key: str) -> FormField | None:
        """Return the field with this key, if the form has one."""
        return next((f for f in self.fields if f.key == key), None)


class Forms(Strict):
    """The forms of a contest, each a list of fields.

    A field may name its role apart from its key (``key = "earlier_award"``,
    ``role = "previous_prize"``): the role becomes its key, and the file's other mentions of
    the old key (``when`` in its form, ``prefill`` anywhere) follow, so a rename is an alias.
    """

    unit: Form
    contact: Form
    member: Form
    case: Form

    @model_validator(mode="before")
    @classmethod
    def _roles_as_keys(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        renamed: dict[str, dict[str, str]] = {}
        forms = {name: form for name, form in data.items() if isinstance(form, dict)}
        for name, form in forms.items():
            fields = [f for f in form.get("fields", []) if isinstance(f, dict)]
            keys = {f.get("key") for f in fields}
            known = roles_of(name)
            for f in fields:
                role, key = f.get("role"), f.get("key")
                if role is None or role == key:
                    continue
                if role not in known:
                    raise ValueError(
                        f"forms.{name}.{key}: role = {role!r} is none of this form's roles"
                        f" ({', '.join(sorted(known)) or 'it has none'})"
                    )
                if role in keys:
                    raise ValueError(
                        f"forms.{name}.{key}: role = {role!r} is the key of another field"
                    )
                renamed.setdefault(name, {})[key] = role
        if not renamed:
            return data
        sources = {"unit": "unit", "contact": "contact", "lead": "member"}
        out = dict(data)
        for name, form in forms.items():
            mine = renamed.get(name, {})
            fields = []
            for f in form.get("fields", []):
                f = dict(f)
                f["key"] = mine.get(f.get("key"), f.get("key"))
                if isinstance(f.get("when"), str):
                    head, eq, tail = f["when"].partition("=")
                    f["when"] = mine.get(head, head) + eq + tail
                if isinstance(f.get("prefill"), str):
                    source, dot, key = f["prefill"].partition(".")
                    other = renamed.get(sources.get(source, ""), {})
                    f["prefill"] = source + dot + other.get(key, key)
                fields.append(f)
            out[name] = {**form, "fields": fields}
        return out


class Reminders(Strict):
    """When deadline reminders go out."""

    offsets: list[Offset] = Field(default_factory=lambda: ["7d", "3d", "1d", "3h"])
    send_at: time = time(10, 0)
    quiet_start: time = time(22, 0)
    quiet_end: time = time(8, 0)
    confirm_done: bool = True

    @cached_property
    def deltas(self) -> list[timedelta]:
        """Return the offsets as timedeltas, largest first."""
        return sorted((parse_offset(o) for o in self.offsets), reverse=True)


class AwardTier(Strict):
    """A prize: by rank within each category, a number of entries, or just its name.

    ``ranks = [1, 5]``: places 1–5 of each category; ``count = 15`` with ``per``
    ("category" or "total"): that many entries; neither: an item of a free list.
    """

    name: str
    ranks: tuple[int, int] | None = None
    count: int | None = Field(default=None, ge=1)
    per: Literal["category", "total"] = "category"
    text: str = ""

    @model_validator(mode="after")
    def _one_way(self) -> AwardTier:
        if self.ranks and self.count:
            raise ValueError("give ranks or count, not both")
        if self.ranks and not 1 <= self.ranks[0] <= self.ranks[1]:
            raise ValueError("ranks must be [first, last] with 1 <= first <= last")
        return self


class Awards(Strict):
    """Prizes and honours."""

    tiers: list[AwardTier] = Field(default_factory=list)
    organization: str = ""
    honours: list[str] = Field(default_factory=list)
    announcement: str = ""


class OfficialSystem(Strict):
    """How entries are handed in: in this bot, or in the organizer's own system.

    ``bot_is_official = true``: a case submitted in the bot counts as entered (``name`` may
    then be empty). Otherwise the bot is a drafting aid: after 提交 it says so, gives the
    ``steps`` with the .docx to upload, and the contact marks the case as submitted there
    (``done_label``, e.g. 已在官网提交); reminders go on until that mark is set.
    """

    name: str = Field(default="", description="what the notice calls it, e.g. 网络报名系统")
    short_name: str = Field(default="", description="said briefly, e.g. 官网; empty: name")
    url: str = ""
    steps: list[str] = Field(default_factory=list, description="the notice's steps, in order")
    bot_is_official: bool = Field(
        default=False,
        description="true only if a case submitted in the bot counts as submitted to the contest",
    )
    note: str = ""

    @model_validator(mode="after")
    def _aid_says_where(self) -> OfficialSystem:
        if not self.bot_is_official and not (self.name and self.steps):
            raise ValueError(
                "a drafting aid (bot_is_official = false) needs the system's name and the"
                " notice's steps, which the bot gives after 提交"
            )
        return self

    @property
    def short(self) -> str:
        """Return the system's name said briefly (官网)."""
        return self.short_name or self.name


class Terms(Strict):
    """The contest's own words for what every contest has; defaults are the usual ones.

    Templates say ``terms.entry`` (案例 / 项目) rather than a word of their own, so a contest
    that calls its entries 项目 and its lead 负责人 is spoken of in its own terms.
    """

    entry: str = Field(default="案例", description="what an entry is called: 案例, 项目")
    document: str = Field(default="", description="the entry's document; empty: forms.case.title")
    document_short: str = Field(default="说明书", description="the document said briefly")
    lead: str = Field(default="牵头人", description="the team lead in rules and answers")
    lead_member: str = Field(default="牵头队员", description="the lead as a team member")
    lead_is: str = Field(default="项目的主创者", description="who should lead; empty: not said")
    member: str = Field(default="队员", description="a team member")
    submitter: str = Field(default="申报渠道", description="what a submitting body is called")
    submitter_level: str = Field(
        default="区级", description="the level of the submitting bodies invites are made for"
    )
    city: str = Field(default="", description="the city, for hints such as the area code")
    area_code: str = Field(default="", description="the city's telephone area code, e.g. 010")
    earlier_level: str = Field(
        default="市赛", description="the level earlier prizes were won at (re-entry rule)"
    )
    judge: str = Field(default="评委", description="what the people who score entries are called")


class NextRound(Strict):
    """The contest the best entries go on to (a provincial or a city-level one)."""

    name: str = Field(description="its full name")
    short_name: str = Field(description="how people call it: 省赛, 市级比赛")
    text: str = Field(default="", description="the notice's own words about it")
    quota: int | None = Field(default=None, ge=1, description="how many entries go on")


class Contest(Strict):
    """A whole contest definition."""

    key: Key
    name: str
    short_name: str
    year: int
    organizers: list[str] = Field(min_length=1)
    organizer_short: str
    theme: str
    period: str = ""
    timezone: str = "Asia/Shanghai"
    website: str = ""
    participants: str = ""
    contacts: list[Contact] = Field(default_factory=list)
    categories: list[Category] = Field(min_length=1)
    stages: list[Stage] = Field(min_length=1)
    rules: Rules
    registration: Registration
    forms: Forms
    reminders: Reminders = Field(default_factory=Reminders)
    awards: Awards
    terms: Terms = Field(default_factory=Terms)
    next_round: NextRound | None = None
    provincial: str = Field(default="", description="older spelling of next_round.text (省赛)")
    official_system: OfficialSystem | None = None
    facts: dict[str, str] = Field(default_factory=dict, description="extra facts, e.g. statistics")
    unconfirmed: list[str] = Field(
        default_factory=list,
        description=(
            "dotted keys whose values are placeholders or carried over from an earlier edition, "
            "not stated by this contest's notice, e.g. 'stages.*.end' or 'rules.team'; "
            "answers built on them say they are still to be confirmed"
        ),
    )

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Contest:
        _require_unique("categories", [c.key for c in self.categories])
        _require_unique("stages", [s.key for s in self.stages])
        for earlier, later in zip(self.stages, self.stages[1:], strict=False):
            if later.start < earlier.start:
                raise ValueError(f"stage {later.key} starts before stage {earlier.key}")
        if self.provincial and self.next_round is not None:
            raise ValueError("give next_round or provincial, not both")
        if self.official_system is None:
            raise ValueError(
                "official_system: say how entries are handed in: bot_is_official = true if a"
                " case submitted in this bot counts as entered; otherwise the organizer's own"
                " system (name, steps), for which the bot is a drafting aid"
            )
        for dotted in self.unconfirmed:
            _check_path(self, dotted)
        check_roles(self)
        check_judging(self)
        return self

    @property
    def drafting_aid(self) -> OfficialSystem | None:
        """Return the organizer's own system when this bot only drafts for it, else None."""
        system = self.official_system
        return system if system is not None and not system.bot_is_official else None

    @property
    def judged_stages(self) -> list[Stage]:
        """Return the stages judges score, in order."""
        return [s for s in self.stages if s.judging is not None]

    @property
    def zone(self) -> ZoneInfo:
        """Return the contest's time zone."""
        return ZoneInfo(self.timezone)

    def category(self, key: str) -> Category | None:
        """Return the category with this key, if any."""
        return next((c for c in self.categories if c.key == key), None)

    def stage(self, key: str) -> Stage | None:
        """Return the stage with this key, if any."""
        return next((s for s in self.stages if s.key == key), None)

    def submitter(self, key: str) -> Submitter | None:
        """Return the submitting body with this key, if any."""
        return next((s for s in self.registration.submitters if s.key == key), None)

    @property
    def submission_stage(self) -> Stage:
        """Return the stage entries are first handed in by.

        The first stage of kind ``submission``; without one, the first stage that lets every
        entry be edited; without that, the first stage.
        """
        return next(
            (s for s in self.stages if s.kind is StageKind.SUBMISSION),
            next((s for s in self.stages if s.editing is Editing.ALL), self.stages[0]),
        )

    @property
    def document_name(self) -> str:
        """Return the entry document's name, e.g. 参赛案例说明书 or 项目申报书."""
        return self.terms.document or self.forms.case.title

    @property
    def words(self) -> Terms:
        """Return the contest's terms with the document's name filled in."""
        return self.terms.model_copy(update={"document": self.document_name})

    @property
    def next_level(self) -> NextRound | None:
        """Return the contest the best entries go on to, if the notice names one."""
        if self.next_round is not None:
            return self.next_round
        if self.provincial:
            return NextRound(name="", short_name="省赛", text=self.provincial)
        return None

    @property
    def district_submitters(self) -> list[Submitter]:
        """Return the submitting bodies below the city level."""
        return [s for s in self.registration.submitters if not s.city_level]


def _require_unique(what: str, keys: list[str]) -> None:
    seen: set[str] = set()
    for key in keys:
        if key in seen:
            raise ValueError(f"{what}: key {key!r} is used twice")
        seen.add(key)


@dataclass(frozen=True)
class Role:
    """A field the bot relies on, found by its key in one form."""

    form: str
    key: str
    does: str
    kinds: tuple[FieldKind, ...]
    needed: Callable[[Contest], bool] = lambda contest: True


def _optional(contest: Contest) -> bool:
    return False


def _reentry_ruled(contest: Contest) -> bool:
    rule = contest.rules.originality
    return bool(rule.barred_prizes) or not rule.reentry_allowed


def _contracts_ruled(contest: Contest) -> bool:
    return contest.rules.team.contract_min_months is not None


_TEXT = (FieldKind.TEXT,)
_CHOICE = (FieldKind.CHOICE,)

ROLES: tuple[Role, ...] = (
    Role("unit", "party_org", "the entrant organization's name, used in every list", _TEXT),
    Role(
        "unit",
        "submitter",
        'who submits for the unit (choices_from = "submitters"); invites and notices'
        " group units by it",
        _CHOICE,
        lambda contest: bool(contest.registration.submitters),
    ),
    Role("unit", "recommending_unit", "prefills the case's recommending unit", _TEXT, _optional),
    Role("contact", "name", "the contact person's name", _TEXT),
    Role("contact", "title", "the contact person's post", _TEXT, _optional),
    Role("contact", "office_phone", "the contact's office phone", (FieldKind.PHONE,), _optional),
    Role("contact", "mobile", "the contact person's mobile", (FieldKind.MOBILE,), _optional),
    Role("member", "name", "the member's name: the team rules tell people apart by it", _TEXT),
    Role("member", "title", "the member's post", _TEXT, _optional),
    Role("member", "office_phone", "the member's office phone", (FieldKind.PHONE,), _optional),
    Role("member", "mobile", "the member's mobile", (FieldKind.MOBILE,), _optional),
    Role(
        "member",
        "employment",
        'staff or contract (choice keys "staff", "contract"): checks'
        " rules.team.contract_min_months",
        _CHOICE,
        _contracts_ruled,
    ),
    Role(
        "member",
        "contract_start",
        "when a contract began: checks rules.team.contract_min_months",
        (FieldKind.DATE,),
        _contracts_ruled,
    ),
    Role(
        "case",
        "category",
        'the entry\'s category (choices_from = "categories")',
        _CHOICE,
    ),
    Role("case", "title", "the entry's title, shown in every list and notice", _TEXT),
    Role(
        "case",
        "reentered",
        "whether the entry took part in an earlier year: turns on rules.originality",
        (FieldKind.YES_NO,),
        _reentry_ruled,
    ),
    Role(
        "case",
        "previous_prize",
        "the prize an earlier entry won: bars re-entry when it is one of"
        " rules.originality.barred_prizes",
        _CHOICE,
        lambda contest: bool(contest.rules.originality.barred_prizes),
    ),
)


def roles_of(form: str) -> dict[str, Role]:
    """Return the roles of one form by key."""
    return {role.key: role for role in ROLES if role.form == form}


def check_roles(contest: Contest) -> None:
    """Refuse a contest whose forms lack a field the bot relies on, or give it a wrong kind."""
    for role in ROLES:
        form: Form = getattr(contest.forms, role.form)
        where = f"forms.{role.form}"
        found = next((f for f in form.fields if f.key == role.key), None)
        if found is None:
            if role.needed(contest):
                raise ValueError(
                    f"{where}: no field with key = {role.key!r}, which the bot needs: {role.does}"
                )
            continue
        if found.kind not in role.kinds:
            kinds = " or ".join(repr(k.value) for k in role.kinds)
            raise ValueError(f"{where}.{role.key}: kind must be {kinds}, because it is {role.does}")
    if contest.forms.case.field_or_none("category") is not None:
        if contest.forms.case.field("category").choices_from != "categories":
            raise ValueError('forms.case.category: needs choices_from = "categories"')
    unit_submitter = contest.forms.unit.field_or_none("submitter")
    if unit_submitter is not None and unit_submitter.choices_from != "submitters":
        raise ValueError('forms.unit.submitter: needs choices_from = "submitters"')
    employment = contest.forms.member.field_or_none("employment")
    if employment is not None and _contracts_ruled(contest):
        keys = {c.key for c in employment.choices}
        if not {"staff", "contract"} <= keys:
            raise ValueError(
                'forms.member.employment: needs the choices "staff" and "contract" to check'
                " rules.team.contract_min_months"
            )
    sources = {"unit": "unit", "contact": "contact", "lead": "member"}
    for form_key in type(contest.forms).model_fields:
        for f in getattr(contest.forms, form_key).fields:
            if f.prefill is None:
                continue
            source, _, key = f.prefill.partition(".")
            form_of = sources.get(source)
            if form_of is None or getattr(contest.forms, form_of).field_or_none(key) is None:
                raise ValueError(
                    f"forms.{form_key}.{f.key}: prefill = {f.prefill!r} names no field;"
                    " write unit.KEY, contact.KEY or lead.KEY with a key of that form"
                )
    prize = contest.forms.case.field_or_none("previous_prize")
    if prize is not None:
        labels = {c.label for c in prize.choices}
        for barred in contest.rules.originality.barred_prizes:
            if barred not in labels:
                raise ValueError(
                    f"rules.originality.barred_prizes: {barred!r} is no choice of"
                    " forms.case.previous_prize"
                )


def decides(contest: Contest, stage: Stage) -> Decides:
    """Return what a judged stage's ranking decides (said, or from its quota)."""
    assert stage.judging is not None
    if stage.judging.decides is not None:
        return stage.judging.decides
    return Decides.ADVANCING if stage.advances else Decides.AWARDS


def check_judging(contest: Contest) -> None:
    """Refuse judging that names unknown categories or decides what the file cannot give."""
    categories = {c.key for c in contest.categories}
    for stage in contest.stages:
        judging = stage.judging
        if judging is None:
            continue
        where = f"stages.{stage.key}.judging"
        for key in judging.by_category:
            if key not in categories:
                raise ValueError(f"{where}.by_category: {key!r} is no category of this contest")
        outcome = decides(contest, stage)
        if outcome is Decides.ADVANCING and not stage.advances:
            raise ValueError(
                f'{where}: decides = "advancing" needs advance_per_category or advance_total'
                " on the stage"
            )
        if outcome is Decides.AWARDS and not any(t.ranks or t.count for t in contest.awards.tiers):
            raise ValueError(
                f"{where}: decides the awards, but awards.tiers has no tier with ranks or count"
            )


def _check_path(root: BaseModel, dotted: str) -> None:
    """Refuse a dotted key that names nothing in the contest ('*' stands for every item)."""
    node: object = root
    for part in dotted.split("."):
        if isinstance(node, BaseModel):
            if part not in type(node).model_fields:
                raise ValueError(f"unconfirmed: {dotted!r}: {part!r} is not a key here")
            node = getattr(node, part)
        elif isinstance(node, list):
            if part == "*" or part.isdigit():
                index = int(part) if part.isdigit() else 0
                node = node[index] if index < len(node) else None
            else:
                node = next((item for item in node if getattr(item, "key", None) == part), None)
                if node is None:
                    raise ValueError(f"unconfirmed: {dotted!r}: no item with key {part!r}")
        elif isinstance(node, dict):
            node = node.get(part)
        elif node is None:
            return
        else:
            raise ValueError(f"unconfirmed: {dotted!r}: {part!r} goes past a single value")


def _describe(error: ValidationError) -> str:
    lines = []
    for problem in error.errors():
        where = ".".join(str(part) for part in problem["loc"]) or "(top level)"
        lines.append(f"  {where}: {problem['msg']}")
    return "\n".join(lines)


def parse_contest(text: str, *, source: str = "<contest>") -> Contest:
    """Parse and validate a contest definition from TOML text."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ContestFileError(f"{source}: not valid TOML: {exc}") from exc
    try:
        return Contest.model_validate(raw)
    except ValidationError as exc:
        raise ContestFileError(f"{source}: invalid contest definition\n{_describe(exc)}") from exc


def load_contest(path: str | Path) -> Contest:
    """Read and validate the contest file at ``path``."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ContestFileError(f"{path}: cannot read contest file: {exc.strerror}") from exc
    return parse_contest(text, source=str(path))
