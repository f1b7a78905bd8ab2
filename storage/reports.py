"""Where every unit stands, as organizers and pushes see it: units, people, cases, results.

Read-mostly queries over Unit, Person, Case, TeamMember and Advancement, shaped for
/status, the reminder job and the results flow. Team rows come back as the team rules'
:class:`~contest.team.Member`. Also here, because only pushes and organizers write them:
a person's reminder switch and a case's advancement marks.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from contest.reminders import CaseFacts
from contest.team import Member
from storage.models import Advancement, Case, CaseStatus, Person, TeamMember, Unit


@dataclass
class CaseReport:
    """One case with its team (as the team rules see it) and whether it advances."""

    case: Case
    members: list[Member]
    advancing: bool

    @property
    def title(self) -> str:
        """Return the case's title, or "" while it has none."""
        return str(self.case.values.get("title") or "")

    @property
    def submitted(self) -> bool:
        """Return True if the case stands submitted."""
        return self.case.status == CaseStatus.SUBMITTED


@dataclass
class UnitReport:
    """One unit: its contact persons and its cases."""

    unit: Unit
    people: list[Person] = field(default_factory=list)
    cases: list[CaseReport] = field(default_factory=list)

    @property
    def unreachable(self) -> list[Person]:
        """Return the unit's people the bot cannot write to."""
        return [p for p in self.people if p.unreachable]


def case_facts(report: UnitReport) -> list[CaseFacts]:
    """Return a unit's cases as the reminder rules see them."""
    return [
        CaseFacts(
            case_id=c.case.id or 0,
            title=c.title,
            submitted=c.submitted,
            advancing=c.advancing,
            values=c.case.values,
            evidence=c.case.evidence,
            members=c.members,
            marked=c.case.official_at is not None,
        )
        for c in report.cases
    ]


def to_member(row: TeamMember) -> Member:
    """Return a team member row as the team rules see it."""
    return Member(
        name=row.name,
        employment="contract" if row.employment == "contract" else "staff",
        contract_start=row.contract_start,
        is_lead=row.is_lead,
        slot=row.slot,
        replaced=row.replaced,
        pending=tuple(row.pending or ()),
    )


async def unit_reports(
    session: AsyncSession, *, unit_ids: Iterable[int] | None = None
) -> list[UnitReport]:
    """Return every unit (or the given ones) with its people and cases, in id order."""
    units_query = select(Unit).order_by(col(Unit.id))
    people_query = select(Person).where(col(Person.unit_id).is_not(None))
    cases_query = select(Case)
    if unit_ids is not None:
        wanted = list(unit_ids)
        units_query = units_query.where(col(Unit.id).in_(wanted))
        people_query = people_query.where(col(Person.unit_id).in_(wanted))
        cases_query = cases_query.where(col(Case.unit_id).in_(wanted))
    reports = {unit.id: UnitReport(unit) for unit in (await session.exec(units_query)).all()}
    for person in (await session.exec(people_query.order_by(col(Person.id)))).all():
        if person.unit_id in reports:
            reports[person.unit_id].people.append(person)
    cases = list((await session.exec(cases_query.order_by(col(Case.id)))).all())
    case_ids = [c.id for c in cases]
    members: dict[int, list[Member]] = defaultdict(list)
    advancing: set[int] = set()
    if case_ids:
        member_rows = await session.exec(
            select(TeamMember)
            .where(col(TeamMember.case_id).in_(case_ids), col(TeamMember.active).is_(True))
            .order_by(col(TeamMember.slot), col(TeamMember.id))
        )
        for row in member_rows.all():
            members[row.case_id].append(to_member(row))
        marks = await session.exec(
            select(Advancement.case_id).where(col(Advancement.case_id).in_(case_ids))
        )
        advancing = set(marks.all())
    for case in cases:
        if case.unit_id in reports and case.id is not None:
            report = CaseReport(case, members.get(case.id, []), case.id in advancing)
            reports[case.unit_id].cases.append(report)
    return list(reports.values())


async def unit_people(session: AsyncSession, *, unit_ids: Iterable[int]) -> dict[int, list[Person]]:
    """Return the given units' people by unit, in id order (units without any left out)."""
    query = select(Person).where(col(Person.unit_id).in_(list(unit_ids))).order_by(col(Person.id))
    people: dict[int, list[Person]] = defaultdict(list)
    for person in (await session.exec(query)).all():
        people[person.unit_id or 0].append(person)
    return dict(people)


async def case_states(
    session: AsyncSession, *, unit_ids: Iterable[int]
) -> dict[int, list[CaseFacts]]:
    """Return the given units' cases by unit, as the reminder rules see them, without texts.

    Status, marks and advancing only (``values``, ``evidence`` and the team left empty):
    enough to tell which reminder a unit is due, not what it says; no case text is read.
    """
    query = (
        select(
            col(Case.id),
            col(Case.unit_id),
            col(Case.status),
            col(Case.official_at).is_not(None),
            col(Case.id).in_(select(Advancement.case_id)),
        )
        .where(col(Case.unit_id).in_(list(unit_ids)))
        .order_by(col(Case.id))
    )
    states: dict[int, list[CaseFacts]] = defaultdict(list)
    for case_id, unit_id, status, marked, advancing in (await session.exec(query)).all():  # type: ignore[call-overload]
        states[unit_id].append(
            CaseFacts(
                case_id=case_id,
                title="",
                submitted=status == CaseStatus.SUBMITTED,
                advancing=bool(advancing),
                values={},
                evidence={},
                members=(),
                marked=bool(marked),
            )
        )
    return dict(states)


async def unit_ids(session: AsyncSession) -> list[int]:
    """Return every unit's id, in order (to take the units a batch at a time)."""
    return list((await session.exec(select(Unit.id).order_by(col(Unit.id)))).all())  # type: ignore[arg-type]


async def visitors(session: AsyncSession) -> list[Person]:
    """Return the people who talked to the bot without belonging to a unit."""
    query = select(Person).where(col(Person.unit_id).is_(None)).order_by(col(Person.id))
    return list((await session.exec(query)).all())


async def list_units(session: AsyncSession) -> list[Unit]:
    """Return every unit, in id order."""
    return list((await session.exec(select(Unit).order_by(col(Unit.id)))).all())


async def get_unit(session: AsyncSession, *, unit_id: int) -> Unit | None:
    """Return the unit with this id, if any."""
    return await session.get(Unit, unit_id)


async def set_reminders_muted(session: AsyncSession, *, person_id: int, muted: bool) -> None:
    """Switch a person's deadline reminders off (muted) or on."""
    statement = update(Person).where(col(Person.id) == person_id).values(reminders_muted=muted)
    await session.exec(statement)


# ----------------------------------------------------------------------------- results


@dataclass
class ResultCase:
    """A case an organizer may mark as advancing, with its unit and its mark."""

    case: Case
    unit: Unit
    marked: bool

    @property
    def title(self) -> str:
        """Return the case's title, or "" while it has none."""
        return str(self.case.values.get("title") or "")

    @property
    def category(self) -> str:
        """Return the case's category key, or ""."""
        return str(self.case.values.get("category") or "")


async def result_cases(session: AsyncSession, *, stage_key: str) -> list[ResultCase]:
    """Return the cases ever submitted, with whether each is marked at this stage."""
    query = (
        select(Case, Unit)
        .join(Unit, col(Unit.id) == col(Case.unit_id))
        .where(col(Case.ever_submitted).is_(True))
        .order_by(col(Case.id))
    )
    rows = (await session.exec(query)).all()
    marks = await session.exec(
        select(Advancement.case_id).where(Advancement.stage_key == stage_key)
    )
    marked = set(marks.all())
    return [ResultCase(case, unit, case.id in marked) for case, unit in rows]


async def mark_advancing(
    session: AsyncSession,
    *,
    case_id: int,
    stage_key: str,
    marked_by: int | None,
    now: datetime,
    advancing: bool = True,
) -> bool:
    """Mark (or unmark) a case as going on after a stage; return True if anything changed."""
    existing = (
        await session.exec(
            select(Advancement).where(
                Advancement.case_id == case_id, Advancement.stage_key == stage_key
            )
        )
    ).first()
    if advancing and existing is None:
        session.add(
            Advancement(case_id=case_id, stage_key=stage_key, marked_by=marked_by, created_at=now)
        )
        await session.flush()
        return True
    if not advancing and existing is not None:
        await session.exec(delete(Advancement).where(col(Advancement.id) == existing.id))
        return True
    return False


async def advancing_cases(session: AsyncSession, *, stage_key: str) -> list[ResultCase]:
    """Return the cases marked at this stage, with their units."""
    return [r for r in await result_cases(session, stage_key=stage_key) if r.marked]
