"""The organizers' /status in SQL: totals over every unit, and one filtered page of units.

Totals are counted by the database (one statement each), not by loading every unit; what
the drafts lack is counted from the counts stored on each case when it changed (字数,
required fields filled: :mod:`storage.case_facts`), so no draft is read or judged for it. A
page is chosen by the database too (``LIMIT``/``OFFSET`` over a filter), and only its units
are then loaded in full (:func:`storage.reports.unit_reports` with their ids).

Filters: ``all``; ``empty`` (units without any case); ``draft`` (a case not submitted);
``submitted`` (a submitted case); ``unreachable`` (a contact the bot cannot write to).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import case as when
from sqlalchemy import exists, func, literal
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Advancement, Case, CaseStatus, Person, Unit

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


@dataclass(frozen=True)
class Shortfalls:
    """What the drafts lack, from the counts stored on each case (``storage.case_facts``)."""

    incomplete: int  # drafts with a required field not filled
    over_limit: int  # drafts over the word limit


async def draft_shortfalls(session: AsyncSession, *, word_limit: int | None) -> Shortfalls:
    """Count the drafts that lack a required field and those over the limit (one statement)."""
    draft = col(Case.status) != CaseStatus.SUBMITTED
    incomplete = func.sum(when((draft & (col(Case.filled) < col(Case.required)), 1), else_=0))
    over = (
        func.sum(when((draft & (col(Case.words) > word_limit), 1), else_=0))
        if word_limit is not None
        else literal(0)
    )
    row = (await session.exec(select(incomplete, over))).one()
    return Shortfalls(incomplete=int(row[0] or 0), over_limit=int(row[1] or 0))


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
