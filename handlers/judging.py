"""Use cases of judging shared by both sides: judge codes, assignments, refusals, stages.

Judges (评委) are made per stage and category by an organizer with a judge code; using the
code makes the person that judge and assigns them the stage's cases of their categories,
never one of their own unit (``Judge.unit_id`` or the person's unit). The two flows are
apart: a judge scoring their cases (:mod:`handlers.judging_scoring`) and an organizer
running a judged stage (:mod:`handlers.judging_stage`); the workbooks are in
:mod:`handlers.judging_exports`. Every judge and organizer action is in the audit log,
refusals too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlmodel.ext.asyncio.session import AsyncSession

from config.services import Services
from contest.definition import Contest, Stage, StageJudging
from handlers import actions as ids
from handlers.audit import record as audit
from handlers.replies import Reply, actions
from handlers.visits import Visit
from storage.db import transaction
from storage.invites import create_invite
from storage.judging import (
    assign,
    assigned_case_ids,
    attach_judge,
    create_judge,
    judge_of_invite,
    judgeable_cases,
    judges_of_stage,
    person_unit,
)
from storage.models import Invite, InviteKind, Judge
from storage.people import accounts_of_person, get_person_by_id


class Refusal(StrEnum):
    """Why a judge cannot see or score a case (a template says it in words)."""

    NOT_JUDGE = "not_judge"
    NOT_ASSIGNED = "not_assigned"
    OWN_UNIT = "own_unit"
    CLOSED = "closed"
    NOT_OPEN = "not_open"  # live scoring: the organizer has not opened this case yet
    UNKNOWN_STAGE = "unknown_stage"


class JudgingRefused(Exception):
    """A judge's or organizer's request that may not be done, and why."""

    def __init__(self, refusal: Refusal, stage: Stage | None = None) -> None:
        super().__init__(refusal.value)
        self.refusal = refusal
        self.stage = stage


def refused_reply(refused: JudgingRefused) -> Reply:
    """Say why a request was refused, with the way back to the judge's stages."""
    values = {"refusal": refused.refusal.value, "stage": refused.stage}
    return Reply("judging/refused.html", values, actions([[("judging.home", ids.JUDGE_HOME)]]))


async def audit_refusal(
    session: AsyncSession, v: Visit, refused: JudgingRefused, judge_id: int, case_id: int
) -> None:
    """Write a judge's refused request to the audit log, in the caller's transaction."""
    await audit(
        session, v, "judge_refused", judge=judge_id, case=case_id, why=refused.refusal.value
    )


def judged_stage(contest: Contest, stage_key: str) -> Stage:
    """Return a judged stage by key, or refuse."""
    stage = contest.stage(stage_key)
    if stage is None or stage.judging is None:
        raise JudgingRefused(Refusal.UNKNOWN_STAGE)
    return stage


def rules_of(stage: Stage) -> StageJudging:
    """Return a judged stage's ``[stages.judging]`` rules."""
    assert stage.judging is not None
    return stage.judging


def entry_stage(contest: Contest, stage: Stage) -> Stage | None:
    """Return the stage whose advancing cases this stage judges (None: every submitted case)."""
    earlier = contest.stages[: contest.stages.index(stage)]
    return next((s for s in reversed(earlier) if s.advances or s.judging is not None), None)


def category_name(contest: Contest, key: str) -> str:
    """Return a category's name (its key if the file has no such category)."""
    category = contest.category(key)
    return category.name if category else key


# ---- judge codes and assignments --------------------------------------------------------


@dataclass(frozen=True)
class JudgeCode:
    """A judge code made by an organizer: the code and the judge it makes."""

    code: str
    judge: Judge
    stage: Stage
    expires_at: datetime


async def invite_judge(
    v: Visit,
    *,
    stage_key: str,
    categories: list[str],
    label: str = "",
    unit_id: int | None = None,
) -> JudgeCode:
    """Make a judge code for a stage and categories (every category when none is given)."""
    assert v.is_organizer
    contest = v.services.contest
    stage = judged_stage(contest, stage_key)
    known = [c.key for c in contest.categories]
    chosen = [c for c in known if c in categories] or known
    expires_at = v.now + timedelta(days=contest.registration.invite_valid_days)
    async with transaction(v.services.sessions) as session:
        count = len(await judges_of_stage(session, stage_key=stage.key))
        name = label.strip()[:40] or f"{contest.terms.judge}{count + 1}"
        invite = await create_invite(
            session, kind=InviteKind.JUDGE, expires_at=expires_at, now=v.now,
            created_by=v.person.id, label=name,
        )  # fmt: skip
        judge = await create_judge(
            session, stage_key=stage.key, invite_id=invite.id or 0, label=name,
            categories=chosen, unit_id=unit_id, created_by=v.person.id, now=v.now,
        )  # fmt: skip
        await audit(session, v, "judge_invite", stage=stage.key, judge=judge.id, categories=chosen)
    return JudgeCode(invite.code, judge, stage, expires_at)


async def accept_judge_code(session: AsyncSession, v: Visit, invite: Invite) -> list[Reply]:
    """Make the person the judge a code was made for and assign them their cases."""
    contest = v.services.contest
    judge = await judge_of_invite(session, invite_id=invite.id or 0)
    stage = contest.stage(judge.stage_key) if judge else None
    if judge is None or stage is None or stage.judging is None:
        return [Reply("judging/code_stale.html", {"contest": contest})]
    if judge.person_id not in (None, v.person.id):
        return [Reply("judging/code_taken.html", {"contest": contest})]
    await attach_judge(session, judge_id=judge.id or 0, person_id=v.person.id or 0)
    invite.uses += 1
    session.add(invite)
    judge.person_id = v.person.id
    assigned = await assign_one(session, contest, stage, judge)
    await audit(session, v, "judge_joined", stage=stage.key, judge=judge.id, assigned=assigned)
    values = {
        "contest": contest,
        "stage": stage,
        "categories": [category_name(contest, c) for c in judge.categories],
        "assigned": assigned,
    }
    return [Reply("judging/joined.html", values, actions([[("judging.start", ids.JUDGE_HOME)]]))]


async def assign_one(session: AsyncSession, contest: Contest, stage: Stage, judge: Judge) -> int:
    """Assign a judge the stage's cases of their categories, none of their own unit."""
    before = entry_stage(contest, stage)
    cases = await judgeable_cases(session, advancing_at=before.key if before else None)
    own = {judge.unit_id, await person_unit(session, person_id=judge.person_id)} - {None}
    wanted = [
        c.case.id or 0 for c in cases if c.category in judge.categories and c.unit.id not in own
    ]
    await assign(session, judge_id=judge.id or 0, case_ids=wanted, now=judge.created_at)
    return len(await assigned_case_ids(session, judge_id=judge.id or 0))


async def assign_in(session: AsyncSession, v: Visit, stage: Stage) -> dict[str, int]:
    """Assign every joined judge of a stage their cases, in the caller's transaction."""
    counts: dict[str, int] = {}
    for judge in await judges_of_stage(session, stage_key=stage.key):
        if judge.person_id is None:
            continue
        counts[judge.label] = await assign_one(session, v.services.contest, stage, judge)
    await audit(session, v, "judge_assign", stage=stage.key, judges=len(counts))
    return counts


async def assign_stage(v: Visit, *, stage_key: str) -> dict[str, int]:
    """Assign every joined judge of a stage the cases of their categories (not their own)."""
    assert v.is_organizer
    stage = judged_stage(v.services.contest, stage_key)
    async with transaction(v.services.sessions) as session:
        return await assign_in(session, v, stage)


# ---- the console -------------------------------------------------------------------------


async def console_visit(services: Services, *, person_id: int, now: datetime) -> Visit | None:
    """Return the visit of a signed-in console user (through an organizer account, if any)."""
    async with services.sessions() as session:
        person = await get_person_by_id(session, person_id=person_id)
        accounts = await accounts_of_person(session, person_id=person_id)
    if person is None:
        return None
    account = next(
        (a for a in accounts if services.is_configured_organizer(a.channel, a.external_id)),
        accounts[0] if accounts else None,
    )
    return Visit(services=services, person=person, now=now, account=account)
