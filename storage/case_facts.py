"""A case's 字数 and completeness, kept on the case row when its values change.

``count(contest, case, now)`` sets ``words``, ``filled``, ``required`` and ``counted_for``
(the fingerprint of the contest's case form and word limit) on a case being written;
``refresh_facts`` counts every case whose fingerprint is not the current one (after the
migration that added the columns, or after the contest file's case form changed), a batch
at a time. ``unit_progress`` is the aggregate over them, one row per unit, in SQL.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, false, func, or_, true, update
from sqlalchemy import case as when
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from contest.definition import Contest
from contest.lifecycle import completeness
from storage.models import Case, CaseStatus

BATCH = 200
FACTS = ("words", "filled", "required", "counted_for")
COUNT_RULE = "visible-fields-2"  # the counting rule (FormEngine.tally): a change recounts all


_FINGERPRINTS: dict[int, tuple[Contest, str]] = {}  # by identity: a definition is immutable


def fingerprint(contest: Contest) -> str:
    """Return a short digest of what the counts depend on: the case form and the limit."""
    known = _FINGERPRINTS.get(id(contest))
    if known is not None and known[0] is contest:
        return known[1]  # counted on every change of a draft: digested once
    if len(_FINGERPRINTS) >= 16:
        _FINGERPRINTS.clear()
    digest = _digest(contest)
    _FINGERPRINTS[id(contest)] = (contest, digest)
    return digest


def _digest(contest: Contest) -> str:
    parts = [
        f"{f.key}:{f.kind}:{int(f.counted)}:{int(f.required)}" for f in contest.forms.case.fields
    ]
    parts.append(str(contest.rules.word_limit))
    parts.append(COUNT_RULE)
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def facts(contest: Contest, values: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    """Return the stored counts of a case with these values."""
    counted = completeness(contest, values, now=now)
    return {
        "words": counted.words,
        "filled": counted.filled,
        "required": counted.total,
        "counted_for": fingerprint(contest),
    }


def count(contest: Contest, case: Case, now: datetime) -> Case:
    """Set the counts on a case whose values are being written."""
    for key, value in facts(contest, case.values, now).items():
        setattr(case, key, value)
    return case


async def refresh_batch(
    session: AsyncSession, *, contest: Contest, now: datetime, batch: int = BATCH
) -> int:
    """Count up to ``batch`` cases not counted against the current form; return how many.

    The counting runs in a thread, so the event loop stays free; call it in a transaction
    of its own per batch until it returns 0.
    """
    current = fingerprint(contest)
    # Not ``counted_for != current``: no index serves "not equal", so SQLite read every case
    # row (≈130 ms on 10,000 cases of 2,500 字) at every start only to find none. Two
    # ranges of the index find the ids, and only those rows are read.
    stale = select(Case.id).where(
        or_(col(Case.counted_for) < current, col(Case.counted_for) > current)
    )
    query = (
        select(Case.id, Case.values)
        .where(col(Case.id).in_(stale))
        .order_by(col(Case.id))
        .limit(batch)
    )
    rows = list((await session.exec(query)).all())  # type: ignore[call-overload]
    if not rows:
        return 0

    def counted() -> list[dict[str, Any]]:
        return [
            {"case_id": case_id, **{f"new_{k}": v for k, v in facts(contest, values, now).items()}}
            for case_id, values in rows
        ]

    table = Case.__table__  # type: ignore[attr-defined]
    statement = (
        update(table)
        .where(table.c.id == bindparam("case_id"))
        .values({key: bindparam(f"new_{key}") for key in FACTS})
    )
    connection = await session.connection()
    await connection.execute(statement, await asyncio.to_thread(counted))
    return len(rows)


async def refresh_facts(session: AsyncSession, *, contest: Contest, now: datetime) -> int:
    """Count every case not counted against the current form, in one transaction."""
    done = 0
    while counted := await refresh_batch(session, contest=contest, now=now):
        done += counted
    return done


@dataclass(frozen=True)
class UnitProgress:
    """One unit's cases at a glance, from the stored counts."""

    unit_id: int
    cases: int
    submitted: int
    drafts: int
    complete_drafts: int  # every required field filled, within the word limit
    over_limit: int  # cases over the word limit
    words: int  # 字数 over all its cases


async def unit_progress(session: AsyncSession, *, contest: Contest) -> list[UnitProgress]:
    """Return every unit with cases, counted in SQL over the stored counts, by unit id."""
    limit = contest.rules.word_limit
    draft = col(Case.status) != CaseStatus.SUBMITTED
    words = func.coalesce(col(Case.words), 0)
    within = words <= limit if limit is not None else true()
    complete = draft & (col(Case.filled) >= col(Case.required)) & within
    over = (words > limit) if limit is not None else false()
    query = (
        select(
            col(Case.unit_id),
            func.count(),
            func.sum(when((~draft, 1), else_=0)),
            func.sum(when((draft, 1), else_=0)),
            func.sum(when((complete, 1), else_=0)),
            func.sum(when((over, 1), else_=0)),
            func.sum(words),
        )
        .group_by(col(Case.unit_id))
        .order_by(col(Case.unit_id))
    )
    rows = (await session.exec(query)).all()  # type: ignore[call-overload]
    return [UnitProgress(*(int(value or 0) for value in row)) for row in rows]
