"""Queries on judges (评委), their assignments and scores, judged rounds and awards.

A judge is one row per stage; their scores are one row per case, the criteria's exact
decimals kept as text. Progress per judge is counted in SQL; the ranking rules themselves
(mean, trimmed mean, ties) are the domain's (``contest/judging.py``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, delete, func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import (
    Advancement,
    Award,
    Case,
    Judge,
    JudgeAssignment,
    JudgeScore,
    JudgingRound,
    Person,
    Unit,
)


async def create_judge(
    session: AsyncSession,
    *,
    stage_key: str,
    invite_id: int,
    label: str,
    categories: list[str],
    unit_id: int | None,
    created_by: int | None,
    now: datetime,
) -> Judge:
    """Write a judge waiting for their code to be used."""
    judge = Judge(
        stage_key=stage_key, invite_id=invite_id, label=label, categories=list(categories),
        unit_id=unit_id, created_by=created_by, created_at=now,
    )  # fmt: skip
    session.add(judge)
    await session.flush()
    return judge


async def judge_of_invite(session: AsyncSession, *, invite_id: int) -> Judge | None:
    """Return the judge a judge code was made for."""
    return (await session.exec(select(Judge).where(Judge.invite_id == invite_id))).first()


async def get_judge(session: AsyncSession, *, judge_id: int) -> Judge | None:
    """Return the judge with this id, if any."""
    return await session.get(Judge, judge_id)


async def attach_judge(session: AsyncSession, *, judge_id: int, person_id: int) -> Judge | None:
    """Make a person the judge a code was made for."""
    judge = await session.get(Judge, judge_id)
    if judge is None:
        return None
    judge.person_id = person_id
    session.add(judge)
    await session.flush()
    return judge


async def judges_of_person(session: AsyncSession, *, person_id: int) -> list[Judge]:
    """Return the stages (as judge rows) a person judges, in id order."""
    query = select(Judge).where(Judge.person_id == person_id).order_by(col(Judge.id))
    return list((await session.exec(query)).all())


async def is_judge(session: AsyncSession, *, person_id: int) -> bool:
    """Tell whether a person judges any stage."""
    query = select(func.count()).select_from(Judge).where(Judge.person_id == person_id)
    return int((await session.exec(query)).one()) > 0


async def judges_of_stage(session: AsyncSession, *, stage_key: str) -> list[Judge]:
    """Return the judges of one stage, in id order."""
    query = select(Judge).where(Judge.stage_key == stage_key).order_by(col(Judge.id))
    return list((await session.exec(query)).all())


async def person_unit(session: AsyncSession, *, person_id: int | None) -> int | None:
    """Return the unit a person belongs to, if any."""
    if person_id is None:
        return None
    person = await session.get(Person, person_id)
    return person.unit_id if person else None


# ---- cases and assignments --------------------------------------------------------------


@dataclass(frozen=True)
class JudgedCase:
    """A case as judging sees it: the row and its unit."""

    case: Case
    unit: Unit

    @property
    def category(self) -> str:
        """Return the case's category key, or ""."""
        return str(self.case.values.get("category") or "")

    @property
    def title(self) -> str:
        """Return the case's title, or ""."""
        return str(self.case.values.get("title") or "")


async def judgeable_cases(
    session: AsyncSession, *, advancing_at: str | None, case_ids: Iterable[int] | None = None
) -> list[JudgedCase]:
    """Return the cases ever submitted (or those marked at ``advancing_at``), in id order."""
    query = (
        select(Case, Unit)
        .join(Unit, col(Unit.id) == col(Case.unit_id))
        .where(col(Case.ever_submitted).is_(True))
        .order_by(col(Case.id))
    )
    if advancing_at is not None:
        query = query.join(
            Advancement,
            and_(col(Advancement.case_id) == col(Case.id), Advancement.stage_key == advancing_at),
        )
    if case_ids is not None:
        query = query.where(col(Case.id).in_(list(case_ids)))
    return [JudgedCase(case, unit) for case, unit in (await session.exec(query)).all()]


async def assign(
    session: AsyncSession, *, judge_id: int, case_ids: Iterable[int], now: datetime
) -> int:
    """Assign cases to a judge (those not yet assigned); return how many were new."""
    have = set(await assigned_case_ids(session, judge_id=judge_id))
    fresh = [c for c in dict.fromkeys(case_ids) if c not in have]
    for case_id in fresh:
        session.add(JudgeAssignment(judge_id=judge_id, case_id=case_id, created_at=now))
    await session.flush()
    return len(fresh)


async def assigned_case_ids(session: AsyncSession, *, judge_id: int) -> list[int]:
    """Return the ids of the cases assigned to a judge, in id order."""
    query = (
        select(JudgeAssignment.case_id)
        .where(JudgeAssignment.judge_id == judge_id)
        .order_by(col(JudgeAssignment.case_id))
    )
    return list((await session.exec(query)).all())


async def is_assigned(session: AsyncSession, *, judge_id: int, case_id: int) -> bool:
    """Tell whether this case is assigned to this judge."""
    query = (
        select(func.count())
        .select_from(JudgeAssignment)
        .where(JudgeAssignment.judge_id == judge_id, JudgeAssignment.case_id == case_id)
    )
    return int((await session.exec(query)).one()) > 0


async def judges_of_case(session: AsyncSession, *, case_id: int, stage_key: str) -> list[Judge]:
    """Return the judges of a stage this case is assigned to."""
    query = (
        select(Judge)
        .join(JudgeAssignment, col(JudgeAssignment.judge_id) == col(Judge.id))
        .where(JudgeAssignment.case_id == case_id, Judge.stage_key == stage_key)
        .order_by(col(Judge.id))
    )
    return list((await session.exec(query)).all())


# ---- scores ----------------------------------------------------------------------------


async def get_score(session: AsyncSession, *, judge_id: int, case_id: int) -> JudgeScore | None:
    """Return a judge's scores of a case, if they began."""
    query = select(JudgeScore).where(JudgeScore.judge_id == judge_id, JudgeScore.case_id == case_id)
    return (await session.exec(query)).first()


async def save_score(
    session: AsyncSession,
    *,
    judge_id: int,
    case_id: int,
    scores: Mapping[str, str],
    comment: str,
    asking: str,
    confirmed_at: datetime | None,
    now: datetime,
) -> JudgeScore:
    """Write a judge's scores of a case (created on first write)."""
    row = await get_score(session, judge_id=judge_id, case_id=case_id)
    if row is None:
        row = JudgeScore(judge_id=judge_id, case_id=case_id)
    row.scores = dict(scores)
    row.comment = comment
    row.asking = asking
    row.confirmed_at = confirmed_at
    row.updated_at = now
    session.add(row)
    await session.flush()
    return row


async def scores_of_judge(session: AsyncSession, *, judge_id: int) -> dict[int, JudgeScore]:
    """Return a judge's score rows by case id."""
    query = select(JudgeScore).where(JudgeScore.judge_id == judge_id)
    return {row.case_id: row for row in (await session.exec(query)).all()}


@dataclass(frozen=True)
class GivenScore:
    """One judge's confirmed scores of one case, as ranking and the score sheet read them."""

    judge_id: int
    case_id: int
    scores: dict[str, str]


async def confirmed_scores(session: AsyncSession, *, stage_key: str) -> list[GivenScore]:
    """Return every confirmed score of a stage's judges on cases assigned to them."""
    query = (
        select(JudgeScore.judge_id, JudgeScore.case_id, JudgeScore.scores)
        .join(Judge, col(Judge.id) == col(JudgeScore.judge_id))
        .join(
            JudgeAssignment,
            and_(
                col(JudgeAssignment.judge_id) == col(JudgeScore.judge_id),
                col(JudgeAssignment.case_id) == col(JudgeScore.case_id),
            ),
        )
        .where(Judge.stage_key == stage_key, col(JudgeScore.confirmed_at).is_not(None))
        .order_by(col(JudgeScore.case_id), col(JudgeScore.judge_id))
    )
    rows = (await session.exec(query)).all()
    return [GivenScore(judge_id, case_id, dict(scores)) for judge_id, case_id, scores in rows]


@dataclass(frozen=True)
class Progress:
    """How far one judge is: cases assigned, scores confirmed, the last change."""

    judge: Judge
    assigned: int
    scored: int
    last_at: datetime | None

    @property
    def left(self) -> int:
        """Return how many assigned cases still lack a confirmed score."""
        return self.assigned - self.scored


async def progress(session: AsyncSession, *, stage_key: str) -> list[Progress]:
    """Count each judge's assigned cases and confirmed scores (in SQL), in judge order."""
    assigned = (
        select(JudgeAssignment.judge_id, func.count().label("n"))
        .group_by(col(JudgeAssignment.judge_id))
        .subquery()
    )
    scored = (
        select(
            JudgeScore.judge_id,
            func.count().label("n"),
            func.max(JudgeScore.updated_at).label("last_at"),
        )
        .join(
            JudgeAssignment,
            and_(
                col(JudgeAssignment.judge_id) == col(JudgeScore.judge_id),
                col(JudgeAssignment.case_id) == col(JudgeScore.case_id),
            ),
        )
        .where(col(JudgeScore.confirmed_at).is_not(None))
        .group_by(col(JudgeScore.judge_id))
        .subquery()
    )
    query = (
        select(Judge, assigned.c.n, scored.c.n, scored.c.last_at)
        .outerjoin(assigned, assigned.c.judge_id == col(Judge.id))
        .outerjoin(scored, scored.c.judge_id == col(Judge.id))
        .where(Judge.stage_key == stage_key)
        .order_by(col(Judge.id))
    )
    rows = (await session.exec(query)).all()
    return [Progress(judge, int(a or 0), int(s or 0), last) for judge, a, s, last in rows]


# ---- the round: live scoring, the proposal, awards -------------------------------------


async def judging_round(session: AsyncSession, *, stage_key: str, now: datetime) -> JudgingRound:
    """Return where a judged stage stands (created on first use)."""
    row = (
        await session.exec(select(JudgingRound).where(JudgingRound.stage_key == stage_key))
    ).first()
    if row is None:
        row = JudgingRound(stage_key=stage_key, updated_at=now)
        session.add(row)
        await session.flush()
    return row


async def save_round(session: AsyncSession, *, row: JudgingRound, now: datetime) -> JudgingRound:
    """Write a judged stage's state."""
    row.updated_at = now
    session.add(row)
    await session.flush()
    return row


async def set_awards(
    session: AsyncSession,
    *,
    stage_key: str,
    awards: Mapping[int, tuple[str, int | None]],
    marked_by: int | None,
    now: datetime,
) -> None:
    """Replace a stage's awards with these: case id → (tier, rank)."""
    await session.exec(delete(Award).where(col(Award.stage_key) == stage_key))
    for case_id, (tier, place) in awards.items():
        session.add(
            Award(case_id=case_id, stage_key=stage_key, tier=tier, rank=place,
                  marked_by=marked_by, created_at=now)
        )  # fmt: skip
    await session.flush()


async def awards_of_stage(session: AsyncSession, *, stage_key: str) -> dict[int, Award]:
    """Return a stage's confirmed awards by case id."""
    query = select(Award).where(Award.stage_key == stage_key)
    return {row.case_id: row for row in (await session.exec(query)).all()}


async def advancing_ids(session: AsyncSession, *, stage_key: str) -> set[int]:
    """Return the ids of the cases marked as going on after a stage."""
    query = select(Advancement.case_id).where(Advancement.stage_key == stage_key)
    return set((await session.exec(query)).all())
