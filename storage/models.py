"""Table models (SQLModel) and the column types they share.

Times are stored in UTC and come back timezone-aware on every backend. JSON columns hold
form values and states, which the domain defines; storage does not interpret them.
Table models do not validate on construction: build them from domain-checked values.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, DateTime, Index, UniqueConstraint
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored as UTC and always returned timezone-aware."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    """Return the current moment in UTC (for row defaults only; logic takes `now` as input)."""
    return datetime.now(UTC)


def _moment(*, nullable: bool = False) -> Any:
    if nullable:
        return Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    return Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


def _json(default: Any) -> Any:
    return Field(default_factory=default, sa_column=Column(JSON, nullable=False))


class UnitStatus(StrEnum):
    """Whether a unit may take part: open registration needs an organizer's confirmation."""

    ACTIVE = "active"
    PENDING = "pending"


class Unit(SQLModel, table=True):
    """A participating unit (参赛单位), entered in its party organization's name."""

    id: int | None = Field(default=None, primary_key=True)
    party_org: str = ""
    recommending_unit: str = ""
    submitter_key: str = ""
    status: str = Field(default=UnitStatus.ACTIVE, index=True)
    registered: bool = False
    created_at: datetime = _moment()
    extra: dict[str, Any] = _json(dict)  # unit-form fields without a column, by key


class Person(SQLModel, table=True):
    """Somebody who talks to the bot: a contact person (联系人), an organizer, or a visitor.

    How they are reached is their :class:`Account` (one per channel they use).
    """

    id: int | None = Field(default=None, primary_key=True)
    display_name: str = ""
    unit_id: int | None = Field(default=None, foreign_key="unit.id", index=True)
    name: str = ""
    title: str = ""
    office_phone: str = ""
    mobile: str = ""
    profile_done: bool = False
    is_organizer: bool = False
    reminders_muted: bool = False
    unreachable: bool = False
    created_at: datetime = _moment()
    extra: dict[str, Any] = _json(dict)  # contact-form fields without a column, by key


class Account(SQLModel, table=True):
    """A person's identity on one channel: who they are there and which chat reaches them."""

    __table_args__ = (UniqueConstraint("channel", "external_id"),)

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    channel: str  # "telegram", "wecom", …
    external_id: str  # the sender's id on that channel (Telegram user id, 企业微信 userid)
    chat_id: str  # where to write to them on that channel
    created_at: datetime = _moment()


class InviteKind(StrEnum):
    """What an invite code attaches its user to."""

    UNIT = "unit"
    DISTRICT = "district"
    ORGANIZER = "organizer"
    JUDGE = "judge"


class Invite(SQLModel, table=True):
    """An invite code: t.me/<bot>?start=<code> or typed."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, index=True)
    kind: str
    unit_id: int | None = Field(default=None, foreign_key="unit.id")
    submitter_key: str = ""
    label: str = ""
    created_by: int | None = Field(default=None, foreign_key="person.id")
    expires_at: datetime = _moment()
    revoked: bool = False
    uses: int = 0
    created_at: datetime = _moment()


class FormProgress(SQLModel, table=True):
    """Where a person stands in one form: the state the form engine resumes from."""

    __table_args__ = (UniqueConstraint("person_id", "form_key", "subject_id"),)

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    form_key: str
    subject_id: int = 0
    state: dict[str, Any] = _json(dict)
    active: bool = True
    updated_at: datetime = _moment()


class CaseStatus(StrEnum):
    """The lifecycle of a case."""

    DRAFT = "draft"
    SUBMITTED = "submitted"


class Case(SQLModel, table=True):
    """A contest case (参赛案例) and its document's values."""

    __tablename__ = "contest_case"

    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    created_by: int | None = Field(default=None, foreign_key="person.id")
    status: str = Field(default=CaseStatus.DRAFT, index=True)
    values: dict[str, Any] = _json(dict)
    evidence: dict[str, str] = _json(dict)
    ever_submitted: bool = False
    submitted_at: datetime | None = _moment(nullable=True)
    created_at: datetime = _moment()
    updated_at: datetime = _moment()
    # Counted when the values change (storage.case_facts), so that judging a whole contest
    # does not count every text again: 字数 of the counted fields, required fields filled,
    # and the contest form they were counted against ("" = to be counted).
    words: int | None = None
    filled: int | None = None
    required: int | None = None
    counted_for: str = Field(default="", index=True, sa_column_kwargs={"server_default": ""})
    # Where the bot is a drafting aid (contest.official_system): when, and by whom, the case
    # was marked as submitted in the organizer's own system (已在官网提交).
    official_at: datetime | None = _moment(nullable=True)
    official_by: int | None = Field(default=None, foreign_key="person.id")


class CaseRevision(SQLModel, table=True):
    """A frozen copy of a case's text: at each submission and at each stage close."""

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="contest_case.id", index=True)
    number: int
    reason: str
    stage_key: str = ""
    values: dict[str, Any] = _json(dict)
    evidence: dict[str, str] = _json(dict)
    created_by: int | None = Field(default=None, foreign_key="person.id")
    created_at: datetime = _moment()


class Advancement(SQLModel, table=True):
    """An organizer's mark that a case goes on after a stage."""

    __table_args__ = (UniqueConstraint("case_id", "stage_key"),)

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="contest_case.id", index=True)
    stage_key: str
    marked_by: int | None = Field(default=None, foreign_key="person.id")
    created_at: datetime = _moment()


class TeamMember(SQLModel, table=True):
    """A member of a case's project team (项目团队); a slot keeps its replacement count."""

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="contest_case.id", index=True)
    slot: int
    name: str = ""
    title: str = ""
    office_phone: str = ""
    mobile: str = ""
    employment: str = ""
    contract_start: date | None = None
    is_lead: bool = False
    replaced: int = 0
    active: bool = True
    created_at: datetime = _moment()
    extra: dict[str, Any] = _json(dict)  # member-form fields without a column, by key
    # Member-form fields the member form requires but this member lacks (待补充): a lead
    # taken from the case document's 牵头人 fields, until the contact completes them.
    pending: list[str] = _json(list)


class DeliveryStatus(StrEnum):
    """Where an outbox row stands."""

    PENDING = "pending"
    SENT = "sent"
    UNREACHABLE = "unreachable"
    FAILED = "failed"


class OutboxMessage(SQLModel, table=True):
    """One message to one person, written before it is sent by the delivery worker."""

    __table_args__ = (Index("ix_outbox_due", "status", "due_at"),)

    id: int | None = Field(default=None, primary_key=True)
    dedupe_key: str = Field(unique=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    account_id: int = Field(foreign_key="account.id")
    kind: str
    broadcast_id: int | None = Field(default=None, foreign_key="broadcast.id", index=True)
    text: str  # rendered from messages/ (the channel turns it into its own markup)
    # Buttons as neutral actions: [[{"text": …, "id": …}, …], …] (see handlers/replies.py).
    actions: list[Any] | None = Field(default=None, sa_column=Column(JSON))
    document: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    status: str = Field(default=DeliveryStatus.PENDING)
    attempts: int = 0
    due_at: datetime = _moment()
    sent_at: datetime | None = _moment(nullable=True)
    message_id: str | None = None  # the channel's id of the sent message
    error: str = ""
    created_at: datetime = _moment()
    # Claimed by a worker until then (several instances share the sending); see outbox.claim.
    leased_until: datetime | None = _moment(nullable=True)
    leased_by: str | None = None


class Broadcast(SQLModel, table=True):
    """An organizer's notice to an audience."""

    id: int | None = Field(default=None, primary_key=True)
    created_by: int = Field(foreign_key="person.id")
    text: str = ""
    audience: dict[str, Any] = _json(dict)
    document: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    status: str = "draft"
    scheduled_at: datetime | None = _moment(nullable=True)
    # The organizer's message that shows the sending progress, edited in place.
    progress_account_id: int | None = Field(default=None, foreign_key="account.id")
    progress_message_id: str | None = None
    created_at: datetime = _moment()


class Acknowledgement(SQLModel, table=True):
    """A recipient's “已知悉” on a broadcast."""

    __table_args__ = (UniqueConstraint("broadcast_id", "person_id"),)

    id: int | None = Field(default=None, primary_key=True)
    broadcast_id: int = Field(foreign_key="broadcast.id", index=True)
    person_id: int = Field(foreign_key="person.id")
    created_at: datetime = _moment()


class LoginToken(SQLModel, table=True):
    """A one-time link into the web console, bound to one organizer (only its hash is kept)."""

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(unique=True, index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    expires_at: datetime = _moment()
    used_at: datetime | None = _moment(nullable=True)
    created_at: datetime = _moment()


class ConsoleSession(SQLModel, table=True):
    """An organizer's signed-in browser: the cookie's hash, its CSRF token, idle expiry."""

    id: int | None = Field(default=None, primary_key=True)
    session_hash: str = Field(unique=True, index=True)
    csrf_token: str
    person_id: int = Field(foreign_key="person.id", index=True)
    last_seen_at: datetime = _moment()
    ended_at: datetime | None = _moment(nullable=True)
    created_at: datetime = _moment()


class AuditEvent(SQLModel, table=True):
    """One organizer action (login, export, invite, broadcast, results): who, what, when."""

    id: int | None = Field(default=None, primary_key=True)
    person_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    action: str = Field(index=True)
    detail: dict[str, Any] = _json(dict)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False, index=True)
    )


class CodeFailure(SQLModel, table=True):
    """A wrong invite code tried by a person (joining is throttled on these)."""

    __tablename__ = "code_failure"

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    at: datetime = _moment()


class ErasureStatus(StrEnum):
    """Where a person's request to delete their data stands."""

    PENDING = "pending"
    DONE = "done"
    DECLINED = "declined"


class ErasureRequest(SQLModel, table=True):
    """A person's request to delete what the bot holds about them (an organizer confirms)."""

    __tablename__ = "erasure_request"

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    status: str = Field(default=ErasureStatus.PENDING)
    requested_at: datetime = _moment()
    decided_by: int | None = Field(default=None, foreign_key="person.id")
    decided_at: datetime | None = _moment(nullable=True)


class InboxUpdate(SQLModel, table=True):
    """An incoming update, stored before it is confirmed to its channel and handled from here.

    ``applied_by`` is the dispatch whose transaction wrote the update's effect (one dispatch
    only: a redelivered or re-read update changes nothing); ``done_at`` says its reply went
    out. The payload is cleared when done.
    """

    __tablename__ = "inbox_update"
    __table_args__ = (Index("ix_inbox_update_open", "done_at", "claimed_until"),)

    channel: str = Field(primary_key=True)
    update_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    sender: str = ""  # whose updates keep their order: the user's id, else the chat's
    payload: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    received_at: datetime = _moment()
    claimed_until: datetime | None = _moment(nullable=True)  # a live instance handles it
    applied_by: str | None = None
    applied_at: datetime | None = _moment(nullable=True)
    done_at: datetime | None = _moment(nullable=True)


class PaceBucket(SQLModel, table=True):
    """A token bucket shared by every instance (the bulk sending pace across processes)."""

    __tablename__ = "pace_bucket"

    name: str = Field(primary_key=True)
    tokens: float = 0.0
    stamp: float = 0.0  # seconds since the epoch of the last refill


class Judge(SQLModel, table=True):
    """A judge (评委) of one stage: the categories they score, and the unit they belong to.

    Made by an organizer with a judge code (an :class:`Invite` of kind ``judge``); the person
    is set when the code is used. A judge is never assigned a case of ``unit_id`` nor of
    the person's own unit.
    """

    id: int | None = Field(default=None, primary_key=True)
    stage_key: str = Field(index=True)
    invite_id: int = Field(foreign_key="invite.id", unique=True)
    person_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    label: str = ""  # how the organizer calls the judge (评委甲), shown in progress and exports
    unit_id: int | None = Field(default=None, foreign_key="unit.id")
    categories: list[str] = _json(list)
    created_by: int | None = Field(default=None, foreign_key="person.id")
    created_at: datetime = _moment()


class JudgeAssignment(SQLModel, table=True):
    """A case a judge is to score."""

    __tablename__ = "judge_assignment"
    __table_args__ = (UniqueConstraint("judge_id", "case_id"),)

    id: int | None = Field(default=None, primary_key=True)
    judge_id: int = Field(foreign_key="judge.id", index=True)
    case_id: int = Field(foreign_key="contest_case.id", index=True)
    created_at: datetime = _moment()


class JudgeScore(SQLModel, table=True):
    """One judge's scores of one case: per criterion (exact decimals as text), a comment.

    ``confirmed_at`` is None while the judge is still scoring; ``asking`` is the criterion the
    bot asks next ("" when every one is given), so a flow resumes where the judge was.
    """

    __tablename__ = "judge_score"
    __table_args__ = (UniqueConstraint("judge_id", "case_id"),)

    id: int | None = Field(default=None, primary_key=True)
    judge_id: int = Field(foreign_key="judge.id", index=True)
    case_id: int = Field(foreign_key="contest_case.id", index=True)
    scores: dict[str, str] = _json(dict)
    comment: str = ""
    asking: str = ""
    confirmed_at: datetime | None = _moment(nullable=True)
    updated_at: datetime = _moment()


class JudgingRound(SQLModel, table=True):
    """Where a judged stage stands: the case open for live scoring, the proposal, the result.

    ``proposal`` maps a case id (as text) to its tier ("" = goes on); ``opened`` lists the
    cases the organizer has opened for live scoring, in order.
    """

    __tablename__ = "judging_round"

    id: int | None = Field(default=None, primary_key=True)
    stage_key: str = Field(unique=True)
    live_case_id: int | None = Field(default=None, foreign_key="contest_case.id")
    opened: list[int] = _json(list)
    proposal: dict[str, str] = _json(dict)
    confirmed_at: datetime | None = _moment(nullable=True)
    confirmed_by: int | None = Field(default=None, foreign_key="person.id")
    updated_at: datetime = _moment()


class Award(SQLModel, table=True):
    """A prize a case won at a stage, confirmed by an organizer from the ranking."""

    __table_args__ = (UniqueConstraint("case_id", "stage_key"),)

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="contest_case.id", index=True)
    stage_key: str
    tier: str
    rank: int | None = None
    marked_by: int | None = Field(default=None, foreign_key="person.id")
    created_at: datetime = _moment()
