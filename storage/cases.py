"""Queries on cases (参赛案例): drafts, submissions, revisions, evidence, stage-close copies.

A case belongs to one unit; every function that acts for a person takes the unit and
refuses (returns None) a case of another unit, so a forged id never reaches another unit's
text. The advancement marks (written by the organizer side) are read here too; team
members and units are read through ``storage.team`` and ``storage.units``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, exists, func
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from contest.definition import Contest
from storage.case_facts import count, facts
from storage.db import update_row
from storage.models import Advancement, Case, CaseRevision, CaseStatus, FormProgress

SUBMISSION = "submission"
STAGE_CLOSE = "stage_close"


async def create_case(
    session: AsyncSession,
    *,
    unit_id: int,
    created_by: int | None,
    values: Mapping[str, Any],
    now: datetime,
    contest: Contest | None = None,
) -> Case:
    """Start a draft case for a unit with its first values (e.g. the prefilled ones).

    With ``contest``, its 字数 and completeness are counted now; without, at the next start.
    """
    case = Case(
        unit_id=unit_id,
        created_by=created_by,
        status=CaseStatus.DRAFT,
        values=dict(values),
        evidence={},
        created_at=now,
        updated_at=now,
    )
    _recount(case, contest, now)
    session.add(case)
    await session.flush()
    return case


async def get_case(session: AsyncSession, *, case_id: int) -> Case | None:
    """Return the case with this id, whoever it belongs to (for background work only)."""
    return await session.get(Case, case_id)


async def unit_case(session: AsyncSession, *, case_id: int, unit_id: int | None) -> Case | None:
    """Return the case if it belongs to this unit; None for another unit's or a missing id."""
    if unit_id is None:
        return None
    case = await session.get(Case, case_id)
    return case if case is not None and case.unit_id == unit_id else None


# A unit's case with whether it is marked as advancing: a form's gate on every typed answer,
# so built once (building and keying it anew took ≈5 % of the bot's CPU under load).
_CASE_ADVANCING = select(
    Case, exists().where(col(Advancement.case_id) == col(Case.id))
).where(col(Case.id) == bindparam("case_id"), col(Case.unit_id) == bindparam("unit_id"))


async def unit_case_advancing(
    session: AsyncSession, *, case_id: int, unit_id: int | None
) -> tuple[Case, bool] | None:
    """Return the case if it belongs to this unit, and whether it is marked as advancing
    (:func:`is_advancing`), read in one statement; None for another unit's or a missing id."""
    if unit_id is None:
        return None
    ids = {"case_id": case_id, "unit_id": unit_id}
    found = (await session.exec(_CASE_ADVANCING, params=ids)).first()  # type: ignore[call-overload]
    return (found[0], bool(found[1])) if found is not None else None


_CASE_TABLE: Table = Case.__table__  # type: ignore[attr-defined]
# What an answer about "our cases" reads of a unit's cases, on every question: each one's
# title, whether it is submitted and whether it is marked as advancing, in one statement
# built once, read without an ORM session (loading whole Case rows and a second statement
# for their marks cost ≈0.3 ms of CPU a question).
_BRIEFS = (
    select(  # type: ignore[call-overload]
        _CASE_TABLE.c["values"]["title"],
        _CASE_TABLE.c.status,
        exists().where(col(Advancement.case_id) == _CASE_TABLE.c.id),
    )
    .where(_CASE_TABLE.c.unit_id == bindparam("unit_id"))
    .order_by(_CASE_TABLE.c.id)
)


async def case_briefs(connection: AsyncConnection, *, unit_id: int) -> list[tuple[Any, str, bool]]:
    """Return a unit's cases, oldest first, as (title, status, advancing); the title as
    stored in the values (None if missing)."""
    rows = await connection.execute(_BRIEFS, {"unit_id": unit_id})
    return [(title, status, bool(advancing)) for title, status, advancing in rows]


async def list_cases(session: AsyncSession, *, unit_id: int) -> list[Case]:
    """Return a unit's cases, oldest first."""
    query = select(Case).where(Case.unit_id == unit_id).order_by(col(Case.id))
    return list((await session.exec(query)).all())


UNCOUNTED = {"counted_for": ""}  # counted again by storage.case_facts.refresh_facts


def _recount(case: Case, contest: Contest | None, now: datetime) -> None:
    if contest is not None:
        count(contest, case, now)
    else:
        case.counted_for = ""  # counted again by storage.case_facts.refresh_facts


async def save_values(
    session: AsyncSession,
    *,
    case: Case,
    values: Mapping[str, Any],
    now: datetime,
    contest: Contest | None = None,
) -> Case:
    """Replace a case's field values (and, with ``contest``, count its 字数 and gaps now).

    Written at once, with one prepared UPDATE (:func:`storage.db.update_row`): a draft is
    saved on every typed paragraph.
    """
    written: dict[str, Any] = {"values": dict(values), "updated_at": now}
    written |= facts(contest, written["values"], now) if contest is not None else UNCOUNTED
    await update_row(session, case, written)
    return case


async def record_evidence(
    session: AsyncSession, *, case: Case, hit_id: str, text: str, now: datetime
) -> Case:
    """Store the evidence (依据) for one restricted-word use, keyed by its hit id."""
    case.evidence = {**case.evidence, hit_id: text}
    case.updated_at = now
    session.add(case)
    await session.flush()
    return case


async def _next_number(session: AsyncSession, case_id: int) -> int:
    query = select(func.max(CaseRevision.number)).where(CaseRevision.case_id == case_id)
    highest = (await session.exec(query)).first()
    return (highest or 0) + 1


async def add_revision(
    session: AsyncSession,
    *,
    case: Case,
    reason: str,
    stage_key: str,
    values: Mapping[str, Any],
    evidence: Mapping[str, str],
    created_by: int | None,
    now: datetime,
) -> CaseRevision:
    """Keep a frozen copy of a case's text."""
    assert case.id is not None
    revision = CaseRevision(
        case_id=case.id,
        number=await _next_number(session, case.id),
        reason=reason,
        stage_key=stage_key,
        values=dict(values),
        evidence=dict(evidence),
        created_by=created_by,
        created_at=now,
    )
    session.add(revision)
    await session.flush()
    return revision


async def submit_case(
    session: AsyncSession, *, case: Case, stage_key: str, person_id: int | None, now: datetime
) -> CaseRevision:
    """Mark a case submitted and keep the submitted text as a revision."""
    case.status = CaseStatus.SUBMITTED
    case.ever_submitted = True
    case.submitted_at = now
    case.updated_at = now
    session.add(case)
    return await add_revision(
        session,
        case=case,
        reason=SUBMISSION,
        stage_key=stage_key,
        values=case.values,
        evidence=case.evidence,
        created_by=person_id,
        now=now,
    )


async def withdraw_case(session: AsyncSession, *, case: Case, now: datetime) -> Case:
    """Take a submitted case back to draft (its submission revisions stay).

    A mark that it was submitted in the organizer's own system goes too: the text changes,
    so the copy there is no longer the one to be judged.
    """
    case.status = CaseStatus.DRAFT
    case.updated_at = now
    case.official_at = None
    case.official_by = None
    session.add(case)
    await session.flush()
    return case


async def mark_official(
    session: AsyncSession, *, case: Case, person_id: int | None, now: datetime | None
) -> Case:
    """Mark a case as submitted in the organizer's own system (``now``), or unmark it (None)."""
    case.official_at = now
    case.official_by = person_id if now is not None else None
    session.add(case)
    await session.flush()
    return case


async def list_revisions(session: AsyncSession, *, case_id: int) -> list[CaseRevision]:
    """Return a case's revisions, oldest first."""
    query = (
        select(CaseRevision)
        .where(CaseRevision.case_id == case_id)
        .order_by(col(CaseRevision.number))
    )
    return list((await session.exec(query)).all())


async def last_submission(
    session: AsyncSession, *, case_id: int, until: datetime | None = None
) -> CaseRevision | None:
    """Return the case's latest submission revision (made by ``until``, if given)."""
    query = select(CaseRevision).where(
        CaseRevision.case_id == case_id, CaseRevision.reason == SUBMISSION
    )
    if until is not None:
        query = query.where(col(CaseRevision.created_at) <= until)
    return (await session.exec(query.order_by(col(CaseRevision.number).desc()))).first()


async def freeze_stage(
    session: AsyncSession,
    *,
    stage_key: str,
    closed_at: datetime,
    only_advancing: bool,
    now: datetime,
) -> int:
    """Keep each concerned case's text as submitted when a stage closed; return how many.

    The copy is the case's last submission made by ``closed_at``, so a late catch-up (the
    bot was down at the close) copies exactly what stood submitted then. A case withdrawn
    and not submitted again is copied with its last submitted text; a case never submitted
    by then has nothing to copy. Idempotent: a case already copied for this stage is skipped.
    """
    done = select(CaseRevision.case_id).where(
        CaseRevision.reason == STAGE_CLOSE, CaseRevision.stage_key == stage_key
    )
    query = select(Case).where(col(Case.ever_submitted).is_(True), col(Case.id).not_in(done))
    if only_advancing:
        query = query.where(col(Case.id).in_(select(Advancement.case_id)))
    frozen = 0
    for case in (await session.exec(query.order_by(col(Case.id)))).all():
        assert case.id is not None
        last = await last_submission(session, case_id=case.id, until=closed_at)
        if last is None:
            continue
        await add_revision(
            session,
            case=case,
            reason=STAGE_CLOSE,
            stage_key=stage_key,
            values=last.values,
            evidence=last.evidence,
            created_by=None,
            now=now,
        )
        frozen += 1
    return frozen


async def is_advancing(session: AsyncSession, *, case_id: int) -> bool:
    """Tell whether an organizer marked this case as going on after a stage."""
    query = select(Advancement.id).where(Advancement.case_id == case_id)
    return (await session.exec(query)).first() is not None


async def advancing_ids(session: AsyncSession, *, case_ids: Sequence[int]) -> set[int]:
    """Return which of these cases are marked as advancing."""
    if not case_ids:
        return set()
    query = select(Advancement.case_id).where(col(Advancement.case_id).in_(list(case_ids)))
    return set((await session.exec(query)).all())


async def case_forms(session: AsyncSession, *, case_id: int, form_key: str) -> list[FormProgress]:
    """Return every person's progress in a form about this case."""
    query = select(FormProgress).where(
        FormProgress.form_key == form_key, FormProgress.subject_id == case_id
    )
    return list((await session.exec(query)).all())


async def forget_case_forms(
    session: AsyncSession, *, case_id: int, form_keys: Sequence[str]
) -> int:
    """Drop every person's form progress about this case (its text changed elsewhere)."""
    rows: list[FormProgress] = []
    for form_key in form_keys:
        rows += await case_forms(session, case_id=case_id, form_key=form_key)
    for row in rows:
        await session.delete(row)
    await session.flush()
    return len(rows)


async def progress_of(session: AsyncSession, *, progress_id: int) -> FormProgress | None:
    """Return a form progress row by id (a form button carries it; callers check the person)."""
    return await session.get(FormProgress, progress_id)
