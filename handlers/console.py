"""Use cases of the organizers' web console, free of any messenger or web framework.

Login: an organizer asks the bot for a one-time link (:func:`issue_login_link`), a random
token that expires in 10 minutes and is bound to that organizer; opening it
(:func:`redeem_login`) spends it and opens a session with its own CSRF token. Every request
re-checks the session and the organizer right (:func:`check_session`); a session idle for
longer than the idle limit ends. Each page's data is built by one function here, in one
transaction, as plain dataclasses the console renders.
"""

from __future__ import annotations

import difflib
import hmac
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from contest.definition import Contest, Editing, FormField, Stage
from contest.document import document_lines
from contest.extras import extra_fields, shown_value
from contest.lifecycle import Gap, standing
from contest.reminders import Slot, reminder_slots, unit_todo
from contest.schedule import Position, position
from contest.team import contract_months, team_problems
from contest.text import Hit
from messages import render
from messages.markup import plain_text
from storage.audit import AuditRow, list_events, record_event
from storage.broadcast_stats import BroadcastReach, broadcast_reach
from storage.case_table import (
    CaseCounts,
    CaseFilter,
    CaseRow,
    case_counts,
    case_detail,
    case_page,
    frozen_stages,
)
from storage.db import SessionFactory, transaction
from storage.judging import is_judge
from storage.logins import (
    create_console_session,
    create_login_token,
    end_console_session,
    find_console_session,
    find_login_token,
    take_login_token,
    touch_console_session,
)
from storage.models import CaseRevision, Person, TeamMember, Unit
from storage.people import accounts_of_person, get_person_by_id
from storage.reports import case_facts, to_member, unit_reports
from storage.unit_table import UnitRow, all_unit_rows, one_unit, unit_page

LOGIN_LIFETIME = timedelta(minutes=10)
PAGE_SIZE = 50
STATUSES = ("draft", "submitted")


# Whether a channel's account is configured an organizer (Services.is_configured_organizer).
Configured = Callable[[str, str], bool]


async def is_organizer(session: AsyncSession, person: Person, configured: Configured) -> bool:
    """Return True if this person holds the organizer right (promoted or configured)."""
    if person.is_organizer:
        return True
    accounts = await accounts_of_person(session, person_id=person.id or 0)
    return any(configured(a.channel, a.external_id) for a in accounts)


# ------------------------------------------------------------------------------ login


@dataclass(frozen=True)
class LoginLink:
    """A one-time link's secret and when it stops working."""

    token: str
    expires_at: datetime


async def issue_login_link(
    *, sessions: SessionFactory, who: Person, configured: Configured, now: datetime
) -> LoginLink | None:
    """Make a one-time login link for an organizer; None for anybody else."""
    if who.id is None:
        return None
    token = secrets.token_urlsafe(32)
    expires_at = now + LOGIN_LIFETIME
    async with transaction(sessions) as session:
        if not await is_organizer(session, who, configured) and not await is_judge(
            session, person_id=who.id
        ):
            return None
        await create_login_token(
            session, secret=token, person_id=who.id, expires_at=expires_at, now=now
        )
    return LoginLink(token, expires_at)


class Refusal(StrEnum):
    """Why a login link or a console request is refused (a template says it in words)."""

    UNKNOWN = "unknown"  # no such link: mistyped or forged
    USED = "used"  # the link was opened before
    EXPIRED = "expired"
    NOT_ORGANIZER = "not_organizer"


@dataclass(frozen=True)
class Login:
    """A redeemed link: the new session's cookie secret, or why there is none."""

    session_secret: str = ""
    refusal: Refusal | None = None
    judge_only: bool = False  # a judge (评委) who is no organizer: only the scoring pages


async def redeem_login(
    *, sessions: SessionFactory, token: str, configured: Configured, now: datetime
) -> Login:
    """Spend a one-time link and open a console session for its organizer."""
    async with transaction(sessions) as session:
        row = await find_login_token(session, secret=token) if token else None
        if row is None or row.id is None:
            return Login(refusal=Refusal.UNKNOWN)
        if row.used_at is not None:
            return Login(refusal=Refusal.USED)
        if now > row.expires_at:
            return Login(refusal=Refusal.EXPIRED)
        person = await get_person_by_id(session, person_id=row.person_id)
        organizer = person is not None and await is_organizer(session, person, configured)
        judge = person is not None and await is_judge(session, person_id=row.person_id)
        if person is None or not (organizer or judge):
            return Login(refusal=Refusal.NOT_ORGANIZER)
        if not await take_login_token(session, token_id=row.id, now=now):
            return Login(refusal=Refusal.USED)
        secret = secrets.token_urlsafe(32)
        await create_console_session(
            session, secret=secret, csrf_token=secrets.token_urlsafe(24),
            person_id=row.person_id, now=now,
        )  # fmt: skip
        await record_event(session, person_id=person.id, action="login", now=now)
    return Login(session_secret=secret, judge_only=not organizer)


@dataclass(frozen=True)
class Signed:
    """A checked console session: who is signed in and the CSRF token of their forms."""

    person_id: int
    name: str
    csrf_token: str
    organizer: bool = True  # False: a judge on the scoring pages

    def csrf_matches(self, given: str) -> bool:
        """Return True if a form's CSRF token is this session's (compared in constant time)."""
        return bool(given) and hmac.compare_digest(given, self.csrf_token)


async def check_session(
    *,
    sessions: SessionFactory,
    secret: str,
    configured: Configured,
    idle: timedelta,
    now: datetime,
    judges: bool = False,
) -> Signed | None:
    """Return the signed-in organizer (or, with ``judges``, judge), or None (no session,
    idle too long, right lost)."""
    if not secret:
        return None
    async with transaction(sessions) as session:
        row = await find_console_session(session, secret=secret)
        if row is None or row.id is None:
            return None
        person = await get_person_by_id(session, person_id=row.person_id)
        organizer = person is not None and await is_organizer(session, person, configured)
        judge = (
            person is not None
            and not organizer
            and await is_judge(session, person_id=row.person_id)
        )
        if now - row.last_seen_at > idle or person is None or not (organizer or judge):
            await end_console_session(session, session_id=row.id, now=now)
            return None
        if not organizer and not judges:
            return None  # a judge's session on an organizer's page: refused, kept
        await touch_console_session(session, session_id=row.id, now=now)
    name = person.name or person.display_name
    return Signed(row.person_id, name, row.csrf_token, organizer)


async def log_out(*, sessions: SessionFactory, secret: str, now: datetime) -> None:
    """End the session with this cookie secret."""
    async with transaction(sessions) as session:
        row = await find_console_session(session, secret=secret)
        if row is not None and row.id is not None:
            await end_console_session(session, session_id=row.id, now=now)
            await record_event(session, person_id=row.person_id, action="logout", now=now)


# --------------------------------------------------------------------------- overview


@dataclass(frozen=True)
class Overview:
    """The 总览 page: counts by category × status and by submitting body, days, schedule."""

    counts: CaseCounts
    categories: list[tuple[str, str]]  # (key, name), with ("", "未选类别") if any
    submitters: list[tuple[str, str]]
    days: list[date]
    position: Position
    now: datetime


def _offset_minutes(contest: Contest, now: datetime) -> int:
    offset = now.astimezone(contest.zone).utcoffset() or timedelta()
    return int(offset.total_seconds() // 60)


async def overview(*, sessions: SessionFactory, contest: Contest, now: datetime) -> Overview:
    """Count the cases by category × status, by submitting body and per day."""
    async with sessions() as session:
        counts = await case_counts(
            session, zone=str(contest.zone), offset_minutes=_offset_minutes(contest, now)
        )
    categories = [(c.key, c.name) for c in contest.categories]
    if any(key == "" for key, _ in counts.by_category):
        categories.append(("", "未选类别"))
    submitters = [(s.key, s.name) for s in contest.registration.submitters]
    known = {key for key, _ in submitters}
    if any(key not in known for key, _ in counts.by_submitter):
        submitters.append(("", "本单位直接报送"))
    moments = [*counts.created_per_day, *counts.submitted_per_day]
    days: list[date] = []
    if moments:
        day, last = min(moments), max(moments)
        while day <= last:
            days.append(day)
            day += timedelta(days=1)
    return Overview(counts, categories, submitters, days, position(contest, now), now)


# ------------------------------------------------------------------------------ units


@dataclass(frozen=True)
class Pages:
    """Where a paginated table stands."""

    page: int
    pages: int
    total: int


def _pages(page: int, total: int, size: int = PAGE_SIZE) -> tuple[Pages, int]:
    pages = max(1, -(-total // size))
    page = min(max(page, 1), pages)
    return Pages(page, pages, total), (page - 1) * size


@dataclass(frozen=True)
class UnitTable:
    """The 单位 page: a page of units matching the search."""

    rows: list[UnitRow]
    pages: Pages
    search: str
    submitter: str
    submitters: dict[str, str]


async def unit_table(
    *, sessions: SessionFactory, contest: Contest, search: str, submitter: str, page: int
) -> UnitTable:
    """Return one page of the units table."""
    search, submitter = search.strip()[:50], submitter.strip()[:50]
    async with sessions() as session:
        _, total = await unit_page(
            session, search=search, submitter_key=submitter, limit=0, offset=0
        )
        pages, offset = _pages(page, total)
        rows, _ = await unit_page(
            session, search=search, submitter_key=submitter, limit=PAGE_SIZE, offset=offset
        )
    names = {s.key: s.name for s in contest.registration.submitters}
    return UnitTable(rows, pages, search, submitter, names)


# ------------------------------------------------------------------------------ cases


@dataclass(frozen=True)
class CaseLine:
    """One case row of the table: figures and what is missing, judged at ``now``."""

    row: CaseRow
    category: str
    title: str
    words: int
    gaps: list[Gap]
    open_hits: list[Hit]


def _category_name(contest: Contest, key: object) -> str:
    return next((c.name for c in contest.categories if c.key == key), "")


def case_line(contest: Contest, row: CaseRow, now: datetime) -> CaseLine:
    """Judge one case for the table: 字数, gaps, restricted words without 依据."""
    values = row.case.values
    where = standing(
        contest, status=row.case.status, values=values, evidence=row.case.evidence,
        members=[to_member(m) for m in row.members], advancing=row.advancing, now=now,
    )  # fmt: skip
    return CaseLine(
        row,
        _category_name(contest, values.get("category")),
        str(values.get("title") or ""),
        where.completeness.words,
        [] if where.submitted else where.gaps,
        where.open_hits,
    )


@dataclass(frozen=True)
class CaseTable:
    """The 案例 page: a page of the filtered, sorted table."""

    lines: list[CaseLine]
    pages: Pages
    where: CaseFilter
    categories: list[tuple[str, str]]


def case_filter(
    *, category: str = "", status: str = "", search: str = "", sort: str = "", unit: str = ""
) -> CaseFilter:
    """Return the filter a request asks for, with unknown values dropped."""
    return CaseFilter(
        category=category.strip()[:50],
        status=status if status in STATUSES else "",
        unit_id=int(unit) if unit.isdigit() else None,
        search=search.strip()[:50],
        sort=sort if sort else "id",
    )


async def case_table(
    *, sessions: SessionFactory, contest: Contest, where: CaseFilter, page: int, now: datetime
) -> CaseTable:
    """Return one page of the case table, each case judged at ``now``."""
    async with sessions() as session:
        _, total = await case_page(session, where=where, limit=0, offset=0)
        pages, offset = _pages(page, total)
        rows, _ = await case_page(session, where=where, limit=PAGE_SIZE, offset=offset)
    lines = [case_line(contest, row, now) for row in rows]
    categories = [(c.key, c.name) for c in contest.categories]
    return CaseTable(lines, pages, where, categories)


@dataclass(frozen=True)
class MemberView:
    """A team member with whether they may be on the team (在编, or 聘用 long enough)."""

    member: TeamMember
    months: int | None
    eligible: bool


@dataclass(frozen=True)
class HitEvidence:
    """A restricted-word use and the 依据 recorded for it."""

    hit: Hit
    field_label: str
    evidence: str


@dataclass(frozen=True)
class RevisionView:
    """A frozen copy of the text and its diff against the copy before it."""

    revision: CaseRevision
    stage_name: str
    diff: list[tuple[str, str]]  # ("+", line), ("-", line), (" ", line) around changes


@dataclass(frozen=True)
class CaseView:
    """The case page: the 说明书 as laid out officially, 依据, team, revisions."""

    line: CaseLine
    unit: Unit
    document: list[tuple[str, str]]
    hits: list[HitEvidence]
    members: list[MemberView]
    team_problems: list[Any]
    revisions: list[RevisionView]
    contacts: list[Person]


def _diff(before: list[str], after: list[str]) -> list[tuple[str, str]]:
    lines: list[tuple[str, str]] = []
    for text in difflib.unified_diff(before, after, lineterm="", n=1):
        if text.startswith(("---", "+++")):
            continue
        if text.startswith("@@"):
            lines.append(("@", "…"))
        else:
            lines.append((text[:1], text[1:]))
    return lines


async def case_view(
    *, sessions: SessionFactory, contest: Contest, case_id: int, now: datetime
) -> CaseView | None:
    """Return everything the case page shows, or None if there is no such case."""
    async with sessions() as session:
        detail = await case_detail(session, case_id=case_id)
    if detail is None:
        return None
    row = detail.row
    line = case_line(contest, row, now)
    labels = {f.key: f.label for f in contest.forms.case.fields}
    hits = [
        HitEvidence(h, labels.get(h.field, h.field), row.case.evidence.get(h.hit_id, ""))
        for h in standing(
            contest, status=row.case.status, values=row.case.values, evidence=row.case.evidence,
            members=[], advancing=row.advancing, now=now,
        ).hits
    ]  # fmt: skip
    on = contest.submission_stage.end.astimezone(contest.zone).date()
    members = []
    for m in row.members:
        months = contract_months(m.contract_start, on) if m.contract_start else None
        eligible = m.employment != "contract" or (
            months is not None and months >= contest.rules.team.contract_min_months
        )
        members.append(MemberView(m, months, eligible))
    problems = team_problems(
        [to_member(m) for m in row.members], contest.rules.team, contest.submission_stage.end,
        zone=contest.zone,
    )  # fmt: skip
    revisions: list[RevisionView] = []
    previous: list[str] = []
    for revision in detail.revisions:
        text = [t for _, t in document_lines(contest, revision.values)]
        stage = next((s.name for s in contest.stages if s.key == revision.stage_key), "")
        diff = _diff(previous, text) if previous else []
        revisions.append(RevisionView(revision, stage, diff))
        previous = text
    return CaseView(
        line, row.unit, document_lines(contest, row.case.values), hits, members, problems,
        revisions, detail.contacts,
    )  # fmt: skip


@dataclass(frozen=True)
class UnitView:
    """A unit's page: its contacts and its cases."""

    row: UnitRow
    lines: list[CaseLine]
    submitter: str
    unit_extras: list[tuple[str, str]] = field(default_factory=list)
    contact_labels: list[str] = field(default_factory=list)
    contact_extras: dict[int, list[str]] = field(default_factory=dict)


def _shown(form_field: FormField, extra: Mapping[str, Any] | None) -> str:
    """Return one added field's value as the page shows it: a choice's label, items joined."""
    value = shown_value(form_field, (extra or {}).get(form_field.key))
    if isinstance(value, list):
        return "；".join(str(item) for item in value)
    if isinstance(value, bool):
        return "是" if value else "否"
    return "" if value is None else str(value)


def unit_view_of(contest: Contest, row: UnitRow, lines: list[CaseLine]) -> UnitView:
    """Return a unit's page with the fields its contest file adds to the unit and contact forms."""
    names = {s.key: s.name for s in contest.registration.submitters}
    unit_fields = extra_fields("unit", contest.forms.unit)
    contact_fields = extra_fields("contact", contest.forms.contact)
    return UnitView(
        row,
        lines,
        names.get(row.unit.submitter_key, ""),
        unit_extras=[(f.label, _shown(f, row.unit.extra)) for f in unit_fields],
        contact_labels=[f.label for f in contact_fields],
        contact_extras={
            p.id or 0: [_shown(f, p.extra) for f in contact_fields] for p in row.contacts
        },
    )


async def unit_view(
    *, sessions: SessionFactory, contest: Contest, unit_id: int, now: datetime
) -> UnitView | None:
    """Return a unit with its contacts and every case judged at ``now``."""
    async with sessions() as session:
        row = await one_unit(session, unit_id=unit_id)
        mine, _ = await case_page(session, where=CaseFilter(unit_id=unit_id), limit=1000, offset=0)
    if row is None:
        return None
    return unit_view_of(contest, row, [case_line(contest, c, now) for c in mine])


# ---------------------------------------------------------------------------- notices


@dataclass(frozen=True)
class ReminderPreview:
    """A reminder still to come: when, before which deadline; for the next one, to whom
    (units and people with something left, units told they are done) and one unit's text."""

    stage: Stage
    offset: str
    moment: datetime
    units: int | None = None
    people: int | None = None
    done_units: int | None = None
    sample: str = ""


@dataclass(frozen=True)
class Notices:
    """The 通知 page: notices with their reach per unit, and the reminders due next."""

    reach: list[BroadcastReach]
    pages: Pages
    reminders: list[ReminderPreview]


async def notices(
    *, sessions: SessionFactory, contest: Contest, page: int, now: datetime
) -> Notices:
    """Return a page of notices with delivery and 已知悉 per unit, and the next reminders."""
    async with sessions() as session:
        _, total = await broadcast_reach(session, limit=0)
        pages, offset = _pages(page, total, 10)
        reach, _ = await broadcast_reach(session, limit=10, offset=offset)
        coming = [s for s in reminder_slots(contest) if s.moment > now][:5]
        previews = [ReminderPreview(s.stage, s.offset, s.moment) for s in coming]
        if coming and coming[0].stage.editing is Editing.ALL:
            previews[0] = await _next_reminder(session, contest, coming[0])
    return Notices(reach, pages, previews)


async def _next_reminder(session: AsyncSession, contest: Contest, slot: Slot) -> ReminderPreview:
    rows = await all_unit_rows(session)
    reachable = {
        r.unit.id: [p for p in r.contacts if not p.reminders_muted and not p.unreachable]
        for r in rows
    }
    remind = [r for r in rows if reachable[r.unit.id] and (r.drafts or not r.cases)]
    done = [r for r in rows if reachable[r.unit.id] and r.cases and not r.drafts]
    sample = ""
    if remind:
        (report,) = await unit_reports(session, unit_ids=[remind[0].unit.id or 0])
        todo = unit_todo(contest, slot.stage, case_facts(report), slot.moment)
        sample = plain_text(
            render(
                "reminders/deadline.html", contest=contest, stage=slot.stage, slot=slot,
                todo=todo, unit=report.unit, person=reachable[remind[0].unit.id][0],
                now=slot.moment,
            )
        )  # fmt: skip
    return ReminderPreview(
        slot.stage, slot.offset, slot.moment, units=len(remind),
        people=sum(len(reachable[r.unit.id]) for r in remind),
        done_units=len(done) if contest.reminders.confirm_done else 0, sample=sample,
    )  # fmt: skip


# ------------------------------------------------------------------------------ audit


@dataclass(frozen=True)
class AuditLog:
    """The 操作记录 page."""

    rows: list[AuditRow]
    pages: Pages


async def audit_log(*, sessions: SessionFactory, page: int) -> AuditLog:
    """Return a page of the audit log, newest first."""
    async with sessions() as session:
        _, total = await list_events(session, limit=0)
        pages, offset = _pages(page, total)
        rows, _ = await list_events(session, limit=PAGE_SIZE, offset=offset)
    return AuditLog(rows, pages)


async def record_action(
    *, sessions: SessionFactory, who: int | None, action: str, now: datetime, **detail: Any
) -> None:
    """Write one organizer action to the audit log in its own transaction."""
    async with transaction(sessions) as session:
        await record_event(session, person_id=who, action=action, now=now, detail=detail)


@dataclass(frozen=True)
class ExportChoices:
    """The 导出 page: the stages with frozen copies."""

    stages: list[Stage] = field(default_factory=list)


async def export_choices(*, sessions: SessionFactory, contest: Contest) -> ExportChoices:
    """Return the stages whose close-time copies can be exported."""
    async with sessions() as session:
        keys = set(await frozen_stages(session))
    return ExportChoices([s for s in contest.stages if s.key in keys])
