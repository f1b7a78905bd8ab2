"""The organizers' /status in SQL: totals over every unit, and one filtered page of units.

Totals are counted by the database (one statement each), not by loading every unit; only
the drafts' missing items need the contest's rules, so only drafts are read for them. A
page is chosen by the database too (``LIMIT``/``OFFSET`` over a filter), and only its units
are then loaded in full (:func:`storage.reports.unit_reports` with their ids).

Filters: ``all``; ``empty`` (units without any case); ``draft`` (a case not submitted);
``submitted`` (a submitted case); ``unreachable`` (a contact the bot cannot write to).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import exists, func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from contest.reminders import CaseFacts
from storage.models import Advancement, Case, CaseStatus, Person, TeamMember, Unit
from storage.reports import to_member

FILTERS = ("all", "empty", "draft", "submitted", "unreachable")


@dataclass(frozen=True)
class Totals:
    """Every unit at a glance (``gaps`` is filled in by the caller from the drafts)."""

    units: int
    empty: int
    contacts: int
    unreachable: int
    cases: int
    submitted: int
    drafts: int
    advancing: int
    marked: int = 0  # submitted and marked as submitted in the organizer's own system


def _has_case(*where: Any) -> Any:
    return exists().where(col(Case.unit_id) == col(Unit.id), *where)


def _condition(kind: str) -> Any:
    """Return the SQL condition on Unit of a filter (None: every unit)."""
    if kind == "empty":
        return ~_has_case()
    if kind == "draft":
        return _has_case(col(Case.status) != CaseStatus.SUBMITTED)
    if kind == "submitted":
        return _has_case(col(Case.status) == CaseStatus.SUBMITTED)
    if kind == "unreachable":
        unreachable = col(Person.unreachable).is_(True)
        return exists().where(col(Person.unit_id) == col(Unit.id), unreachable)
    return None


async def _count(session: AsyncSession, query: Any) -> int:
    return int((await session.exec(query)).one() or 0)


async def status_totals(session: AsyncSession) -> Totals:
    """Count units, contacts and cases over the whole contest (one statement)."""
    units = select(func.count()).select_from(Unit)
    contacts = select(func.count()).select_from(Person).where(col(Person.unit_id).is_not(None))
    cases = select(func.count()).select_from(Case)
    advancing = select(func.count(func.distinct(Advancement.case_id))).where(
        col(Advancement.case_id).in_(select(Case.id))
    )
    counts = [
        units,
        units.where(_condition("empty")),
        contacts,
        contacts.where(col(Person.unreachable).is_(True)),
        cases,
        cases.where(col(Case.status) == CaseStatus.SUBMITTED),
        advancing,
        cases.where(  # marked as submitted there, or advancing: the organizer has it
            col(Case.status) == CaseStatus.SUBMITTED,
            col(Case.official_at).is_not(None) | col(Case.id).in_(select(Advancement.case_id)),
        ),
    ]
    row = (await session.exec(select(*(c.scalar_subquery() for c in counts)))).one()
    units_n, empty, contacts_n, unreachable, cases_n, submitted, advancing_n, marked = (
        int(n or 0) for n in row
    )
    return Totals(
        units=units_n,
        empty=empty,
        contacts=contacts_n,
        unreachable=unreachable,
        cases=cases_n,
        submitted=submitted,
        drafts=cases_n - submitted,
        advancing=advancing_n,
        marked=marked,
    )


async def draft_facts(session: AsyncSession) -> list[CaseFacts]:
    """Return every case not submitted, as the reminder rules see it (to count its gaps)."""
    drafts = list(
        (
            await session.exec(
                select(Case).where(col(Case.status) != CaseStatus.SUBMITTED).order_by(col(Case.id))
            )
        ).all()
    )
    if not drafts:
        return []
    unsubmitted = select(Case.id).where(col(Case.status) != CaseStatus.SUBMITTED)
    members: dict[int, list[Any]] = defaultdict(list)
    rows = await session.exec(
        select(TeamMember)
        .where(col(TeamMember.case_id).in_(unsubmitted), col(TeamMember.active).is_(True))
        .order_by(col(TeamMember.slot), col(TeamMember.id))
    )  # fmt: skip
    for row in rows.all():
        members[row.case_id].append(to_member(row))
    marked = set(
        (
            await session.exec(
                select(Advancement.case_id).where(col(Advancement.case_id).in_(unsubmitted))
            )
        ).all()
    )
    return [
        CaseFacts(
            case_id=c.id or 0,
            title=str(c.values.get("title") or ""),
            submitted=False,
            advancing=c.id in marked,
            values=c.values,
            evidence=c.evidence,
            members=members.get(c.id or 0, []),
        )
        for c in drafts
    ]


async def count_matching(session: AsyncSession, *, kind: str) -> int:
    """Return how many units match a filter."""
    condition = _condition(kind)
    count = select(func.count()).select_from(Unit)
    return await _count(session, count if condition is None else count.where(condition))


async def status_page(session: AsyncSession, *, kind: str, offset: int, limit: int) -> list[int]:
    """Return the ids of one page of the units that match a filter, in id order."""
    condition = _condition(kind)
    ids = select(Unit.id).order_by(col(Unit.id))
    if condition is not None:
        ids = ids.where(condition)
    page = (await session.exec(ids.offset(offset).limit(limit))).all()
    return [unit_id for unit_id in page if unit_id is not None]
