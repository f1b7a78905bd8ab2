"""The organizers' view of all cases: counts grouped in SQL, a filtered page of the table,
one case with everything about it, and every case for the exports.

The category and the title live in the case's JSON values; they are read in SQL with
SQLAlchemy's JSON index (``json_extract`` on SQLite, ``->>`` on PostgreSQL).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, String, cast, func, literal_column, or_, tuple_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.cases import STAGE_CLOSE
from storage.models import (
    Advancement,
    Case,
    CaseRevision,
    CaseStatus,
    Person,
    TeamMember,
    Unit,
)

SORTS = ("id", "-id", "submitted", "-submitted", "unit", "title", "-updated")


def category_of() -> ColumnElement[Any]:
    """Return the SQL expression for a case's category key."""
    return Case.__table__.c["values"]["category"].as_string()  # type: ignore[attr-defined]


def title_of() -> ColumnElement[Any]:
    """Return the SQL expression for a case's title."""
    return Case.__table__.c["values"]["title"].as_string()  # type: ignore[attr-defined]


def _dialect(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


def _local_day(session: AsyncSession, column: Any, zone: str, offset_minutes: int) -> Any:
    if _dialect(session) == "postgresql":
        return cast(func.date(func.timezone(zone, column)), String)
    return func.date(column, f"{offset_minutes:+d} minutes")


# ------------------------------------------------------------------------------ counts


@dataclass(frozen=True)
class CaseCounts:
    """How many cases stand where: by category × status, by submitting body, per day."""

    by_category: dict[tuple[str, str], int]
    by_submitter: dict[tuple[str, str], int]
    created_per_day: dict[date, int]
    submitted_per_day: dict[date, int]
    units: int
    units_with_cases: int


async def case_counts(session: AsyncSession, *, zone: str, offset_minutes: int) -> CaseCounts:
    """Count the cases grouped in SQL; days are local days in the contest's time zone."""
    # Grouped by the output column's name: PostgreSQL cannot tell that two JSON lookups
    # (or time zone conversions) with separately bound parameters are the same expression.
    category = category_of().label("category")
    rows = await session.exec(
        select(category, Case.status, func.count()).group_by(
            literal_column("category"), Case.status
        )
    )
    by_category = {(c or "", s): n for c, s, n in rows.all()}
    rows = await session.exec(
        select(Unit.submitter_key, Case.status, func.count())
        .join(Unit, col(Unit.id) == col(Case.unit_id))
        .group_by(Unit.submitter_key, Case.status)
    )
    by_submitter = {(k or "", s): n for k, s, n in rows.all()}
    created_day = _local_day(session, Case.__table__.c.created_at, zone, offset_minutes)
    rows = await session.exec(
        select(created_day.label("day"), func.count()).group_by(literal_column("day"))
    )
    created = {date.fromisoformat(str(d)): n for d, n in rows.all() if d}
    submitted_day = _local_day(session, Case.__table__.c.submitted_at, zone, offset_minutes)
    rows = await session.exec(
        select(submitted_day.label("day"), func.count())
        .where(Case.status == CaseStatus.SUBMITTED, col(Case.submitted_at).is_not(None))
        .group_by(literal_column("day"))
    )
    submitted = {date.fromisoformat(str(d)): n for d, n in rows.all() if d}
    units = (await session.exec(select(func.count()).select_from(Unit))).one()  # type: ignore[call-overload]
    with_cases = (
        await session.exec(select(func.count(func.distinct(Case.unit_id))))  # type: ignore[call-overload]
    ).one()
    return CaseCounts(by_category, by_submitter, created, submitted, units, with_cases)


# ------------------------------------------------------------------------------- table


@dataclass
class CaseRow:
    """One case as the table shows it, with its unit, team and revision figures."""

    case: Case
    unit: Unit
    members: list[TeamMember] = field(default_factory=list)
    revisions: int = 0
    advancing: bool = False


@dataclass(frozen=True)
class CaseFilter:
    """What the case table is narrowed to and sorted by."""

    category: str = ""
    status: str = ""
    unit_id: int | None = None
    search: str = ""
    sort: str = "id"


def _filtered(query: Any, where: CaseFilter) -> Any:
    if where.category:
        query = query.where(category_of() == where.category)
    if where.status:
        query = query.where(Case.status == where.status)
    if where.unit_id is not None:
        query = query.where(Case.unit_id == where.unit_id)
    if where.search:
        like = f"%{where.search}%"
        query = query.where(
            or_(
                title_of().like(like),
                col(Unit.recommending_unit).like(like),
                col(Unit.party_org).like(like),
            )
        )
    return query


def _ordered(query: Any, sort: str) -> Any:
    order = {
        "id": [col(Case.id)],
        "-id": [col(Case.id).desc()],
        "submitted": [col(Case.submitted_at).asc().nulls_last(), col(Case.id)],
        "-submitted": [col(Case.submitted_at).desc().nulls_last(), col(Case.id)],
        "unit": [col(Unit.recommending_unit), col(Case.id)],
        "title": [title_of(), col(Case.id)],
        "-updated": [col(Case.updated_at).desc(), col(Case.id)],
    }.get(sort, [col(Case.id)])
    return query.order_by(*order)


async def _attach(session: AsyncSession, rows: list[CaseRow]) -> list[CaseRow]:
    ids = [r.case.id for r in rows if r.case.id is not None]
    if not ids:
        return rows
    members: dict[int, list[TeamMember]] = defaultdict(list)
    query = (
        select(TeamMember)
        .where(col(TeamMember.case_id).in_(ids), col(TeamMember.active).is_(True))
        .order_by(col(TeamMember.slot), col(TeamMember.id))
    )
    for member in (await session.exec(query)).all():
        members[member.case_id].append(member)
    counts = await session.exec(
        select(CaseRevision.case_id, func.count())
        .where(col(CaseRevision.case_id).in_(ids))
        .group_by(CaseRevision.case_id)
    )
    revisions = dict(counts.all())
    marks = await session.exec(
        select(Advancement.case_id).where(col(Advancement.case_id).in_(ids)).distinct()
    )
    advancing = set(marks.all())
    for row in rows:
        case_id = row.case.id or 0
        row.members = members.get(case_id, [])
        row.revisions = revisions.get(case_id, 0)
        row.advancing = case_id in advancing
    return rows


async def case_page(
    session: AsyncSession, *, where: CaseFilter, limit: int, offset: int
) -> tuple[list[CaseRow], int]:
    """Return one page of the filtered, sorted case table and the number of matching cases."""
    base = select(Case, Unit).join(Unit, col(Unit.id) == col(Case.unit_id))
    query = _ordered(_filtered(base, where), where.sort).limit(limit).offset(offset)
    rows = [CaseRow(case, unit) for case, unit in (await session.exec(query)).all()]
    count = _filtered(
        select(func.count()).select_from(Case).join(Unit, col(Unit.id) == col(Case.unit_id)),
        where,
    )
    total = (await session.exec(count)).one()
    return await _attach(session, rows), total


async def all_cases(
    session: AsyncSession, *, submitted_only: bool = False, case_ids: Sequence[int] | None = None
) -> list[CaseRow]:
    """Return every case (or the submitted ones) with unit and team, for the exports."""
    query = select(Case, Unit).join(Unit, col(Unit.id) == col(Case.unit_id)).order_by(col(Case.id))
    if submitted_only:
        query = query.where(Case.status == CaseStatus.SUBMITTED)
    if case_ids is not None:
        query = query.where(col(Case.id).in_(list(case_ids)))
    rows = [CaseRow(case, unit) for case, unit in (await session.exec(query)).all()]
    return await _attach(session, rows)


async def cases_after(
    session: AsyncSession, *, after: int, limit: int, submitted_only: bool = False
) -> list[CaseRow]:
    """Return up to ``limit`` cases with an id above ``after``, with unit and team.

    Keyset pages, in id order: the exports read the cases a batch at a time, never all.
    """
    query = (
        select(Case, Unit)
        .join(Unit, col(Unit.id) == col(Case.unit_id))
        .where(col(Case.id) > after)
        .order_by(col(Case.id))
        .limit(limit)
    )
    if submitted_only:
        query = query.where(Case.status == CaseStatus.SUBMITTED)
    rows = [CaseRow(case, unit) for case, unit in (await session.exec(query)).all()]
    return await _attach(session, rows)


async def count_cases(session: AsyncSession, *, submitted_only: bool = False) -> int:
    """Return how many cases there are (or submitted ones)."""
    query = select(func.count()).select_from(Case)
    if submitted_only:
        query = query.where(Case.status == CaseStatus.SUBMITTED)
    return int((await session.exec(query)).one() or 0)  # type: ignore[call-overload]


@dataclass
class CaseDetail:
    """One case with its unit, team, revisions and the unit's contact persons."""

    row: CaseRow
    revisions: list[CaseRevision]
    contacts: list[Person]


async def case_detail(session: AsyncSession, *, case_id: int) -> CaseDetail | None:
    """Return one case with everything the console's case page shows."""
    rows = await all_cases(session, case_ids=[case_id])
    if not rows:
        return None
    revisions = await session.exec(
        select(CaseRevision)
        .where(CaseRevision.case_id == case_id)
        .order_by(col(CaseRevision.number))
    )
    contacts = await session.exec(
        select(Person).where(Person.unit_id == rows[0].unit.id).order_by(col(Person.id))
    )
    return CaseDetail(rows[0], list(revisions.all()), list(contacts.all()))


@dataclass(frozen=True)
class StageCopy:
    """A case's text as frozen when a stage closed, with its case and unit."""

    revision: CaseRevision
    case: Case
    unit: Unit


async def stage_copies(session: AsyncSession, *, stage_key: str) -> list[StageCopy]:
    """Return the copies taken when this stage closed, one per case."""
    query = (
        select(CaseRevision, Case, Unit)
        .join(Case, col(Case.id) == col(CaseRevision.case_id))
        .join(Unit, col(Unit.id) == col(Case.unit_id))
        .where(CaseRevision.reason == STAGE_CLOSE, CaseRevision.stage_key == stage_key)
        .order_by(col(CaseRevision.case_id), col(CaseRevision.number))
    )
    return [StageCopy(r, c, u) for r, c, u in (await session.exec(query)).all()]


async def stage_copies_after(
    session: AsyncSession, *, stage_key: str, after: tuple[int, int], limit: int
) -> list[StageCopy]:
    """Return up to ``limit`` copies after ``(case id, revision number)``, in that order."""
    query = (
        select(CaseRevision, Case, Unit)
        .join(Case, col(Case.id) == col(CaseRevision.case_id))
        .join(Unit, col(Unit.id) == col(Case.unit_id))
        .where(CaseRevision.reason == STAGE_CLOSE, CaseRevision.stage_key == stage_key)
        .where(tuple_(col(CaseRevision.case_id), col(CaseRevision.number)) > tuple_(*after))
        .order_by(col(CaseRevision.case_id), col(CaseRevision.number))
        .limit(limit)
    )
    return [StageCopy(r, c, u) for r, c, u in (await session.exec(query)).all()]


async def count_stage_copies(session: AsyncSession, *, stage_key: str) -> int:
    """Return how many copies were taken when this stage closed."""
    query = (
        select(func.count())
        .select_from(CaseRevision)
        .where(CaseRevision.reason == STAGE_CLOSE, CaseRevision.stage_key == stage_key)
    )
    return int((await session.exec(query)).one() or 0)  # type: ignore[call-overload]


async def frozen_stages(session: AsyncSession) -> list[str]:
    """Return the keys of the stages that have copies taken at their close."""
    query = select(CaseRevision.stage_key).where(CaseRevision.reason == STAGE_CLOSE).distinct()
    return [key for key in (await session.exec(query)).all() if key]


def latest_activity(rows: Sequence[CaseRow]) -> datetime | None:
    """Return the last moment any of these cases changed."""
    return max((r.case.updated_at for r in rows), default=None)
