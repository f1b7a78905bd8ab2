"""Use cases of judging: judge codes, assignments, scoring, progress, ranking and results.

Judges (评委) are made per stage and category by an organizer with a judge code; using the
code makes the person that judge and assigns them the stage's cases of their categories,
never one of their own unit (``Judge.unit_id`` or the person's unit). A judge sees only the
cases assigned to them, without units and people when the stage is blind. Scores can be
given and changed until the stage's end (that moment included), then they are locked. In a
live stage (``judging.live``) a case can be scored once the organizer has opened it.

Organizers see each judge's progress, remind those who lag (through the outbox), rank the
cases by the file's rule, propose the top N or the prize tiers, adjust and confirm:
confirming marks the advancing cases (``Advancement``, the results flow of /organizer) or
the awards, and tells each unit once. Every judge and organizer action here is in the
audit log.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from config.services import Services
from contest.definition import (
    Contest,
    Criterion,
    Decides,
    FieldKind,
    Stage,
    StageJudging,
    decides,
)
from contest.judging import (
    Entry,
    Proposal,
    Ranked,
    ScoreProblem,
    awarded_tiers,
    criteria_for,
    maximum,
    parse_score,
    propose_advancing,
    propose_awards,
    rank,
    scoring_open,
    total,
)
from delivery import wake
from handlers import actions as ids
from handlers.audit import record as audit
from handlers.notices import result_rows
from handlers.replies import Reply, actions, stored
from handlers.visits import Visit
from messages import per_channel
from storage.db import SessionFactory, transaction
from storage.forms import delete_form, save_form
from storage.invites import create_invite, get_invite
from storage.judging import (
    GivenScore,
    JudgedCase,
    Progress,
    advancing_ids,
    assign,
    assigned_case_ids,
    attach_judge,
    awards_of_stage,
    confirmed_scores,
    create_judge,
    get_judge,
    get_score,
    is_assigned,
    judge_of_invite,
    judgeable_cases,
    judges_of_case,
    judges_of_person,
    judges_of_stage,
    judging_round,
    person_unit,
    progress,
    save_round,
    save_score,
    scores_of_judge,
    set_awards,
)
from storage.models import Invite, InviteKind, Judge, JudgeScore
from storage.outbox import enqueue_many
from storage.people import accounts_of_person, get_person_by_id
from storage.reports import mark_advancing, unit_reports

TYPED = "judge_score"  # the waiting form: the next message is a typed score or a comment
COMMENT = "_comment"  # ``asking`` while the comment is awaited
CARD = "_card"  # ``asking`` once everything is given: the review card
COMMENT_LIMIT = 500


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


def judged_stage(contest: Contest, stage_key: str) -> Stage:
    """Return a judged stage by key, or refuse."""
    stage = contest.stage(stage_key)
    if stage is None or stage.judging is None:
        raise JudgingRefused(Refusal.UNKNOWN_STAGE)
    return stage


def _judging(stage: Stage) -> StageJudging:
    assert stage.judging is not None
    return stage.judging


def entry_stage(contest: Contest, stage: Stage) -> Stage | None:
    """Return the stage whose advancing cases this stage judges (None: every submitted case)."""
    earlier = contest.stages[: contest.stages.index(stage)]
    return next((s for s in reversed(earlier) if s.advances or s.judging is not None), None)


def _category_name(contest: Contest, key: str) -> str:
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
    assigned = await _assign_one(session, contest, stage, judge)
    await audit(session, v, "judge_joined", stage=stage.key, judge=judge.id, assigned=assigned)
    values = {
        "contest": contest,
        "stage": stage,
        "categories": [_category_name(contest, c) for c in judge.categories],
        "assigned": assigned,
    }
    return [Reply("judging/joined.html", values, actions([[("judging.start", ids.JUDGE_HOME)]]))]


async def _assign_one(session: AsyncSession, contest: Contest, stage: Stage, judge: Judge) -> int:
    """Assign a judge the stage's cases of their categories, none of their own unit."""
    before = entry_stage(contest, stage)
    cases = await judgeable_cases(session, advancing_at=before.key if before else None)
    own = {judge.unit_id, await person_unit(session, person_id=judge.person_id)} - {None}
    wanted = [
        c.case.id or 0 for c in cases if c.category in judge.categories and c.unit.id not in own
    ]
    await assign(session, judge_id=judge.id or 0, case_ids=wanted, now=judge.created_at)
    return len(await assigned_case_ids(session, judge_id=judge.id or 0))


async def assign_stage(v: Visit, *, stage_key: str) -> dict[str, int]:
    """Assign every joined judge of a stage the cases of their categories (not their own)."""
    assert v.is_organizer
    contest = v.services.contest
    stage = judged_stage(contest, stage_key)
    counts: dict[str, int] = {}
    async with transaction(v.services.sessions) as session:
        for judge in await judges_of_stage(session, stage_key=stage.key):
            if judge.person_id is None:
                continue
            counts[judge.label] = await _assign_one(session, contest, stage, judge)
        await audit(session, v, "judge_assign", stage=stage.key, judges=len(counts))
    return counts


# ---- what a judge sees -------------------------------------------------------------------


@dataclass(frozen=True)
class StageWork:
    """One stage a person judges: how far they are and what is next."""

    judge: Judge
    stage: Stage
    assigned: int
    scored: int
    next_case: int | None
    open: bool
    live_case: int | None


async def judge_home(v: Visit) -> list[StageWork]:
    """Return the stages this person judges, with their progress and next case."""
    contest = v.services.contest
    work: list[StageWork] = []
    async with v.services.sessions() as session:
        for judge in await judges_of_person(session, person_id=v.person.id or 0):
            stage = contest.stage(judge.stage_key)
            if stage is None or stage.judging is None:
                continue
            case_ids = await assigned_case_ids(session, judge_id=judge.id or 0)
            scores = await scores_of_judge(session, judge_id=judge.id or 0)
            done = [c for c in case_ids if c in scores and scores[c].confirmed_at is not None]
            round_ = await judging_round(session, stage_key=stage.key, now=v.now)
            candidates = [c for c in case_ids if c not in done]
            if stage.judging.live:
                candidates = [c for c in candidates if c in round_.opened]
            live = round_.live_case_id if round_.live_case_id in case_ids else None
            work.append(
                StageWork(
                    judge,
                    stage,
                    len(case_ids),
                    len(done),
                    candidates[0] if candidates else None,
                    scoring_open(stage, v.now),
                    live,
                )  # fmt: skip
            )
    return work


@dataclass(frozen=True)
class CaseForJudge:
    """A case as its judge sees it: blind or not, the criteria and their scores so far."""

    judge: Judge
    stage: Stage
    case_id: int
    title: str
    category: str
    unit: str | None  # None when the review is blind
    lines: list[tuple[str, str]]  # (label, text) of the case's fields the judge may read
    criteria: list[Criterion]
    score: JudgeScore | None
    open: bool
    position: int  # the case's place among the judge's cases (1-based)
    count: int
    previous: int | None
    next: int | None

    @property
    def scores(self) -> dict[str, Decimal]:
        """Return the scores given so far, by criterion."""
        return {k: Decimal(v) for k, v in (self.score.scores if self.score else {}).items()}

    @property
    def total(self) -> Decimal | None:
        """Return this judge's total, once every criterion is scored."""
        return total(self.scores, self.criteria)

    @property
    def maximum(self) -> Decimal:
        """Return the highest total possible."""
        return maximum(self.criteria)

    @property
    def confirmed(self) -> bool:
        """Tell whether the judge confirmed these scores."""
        return self.score is not None and self.score.confirmed_at is not None

    @property
    def asking(self) -> Criterion | None:
        """Return the criterion the judge is asked for next, if one."""
        key = self.score.asking if self.score else ""
        return next((c for c in self.criteria if c.key == key), None)


HIDDEN_WHEN_BLIND = (FieldKind.PHONE, FieldKind.MOBILE, FieldKind.YES_NO, FieldKind.DATE)


def case_lines(contest: Contest, values: dict[str, Any], *, blind: bool) -> list[tuple[str, str]]:
    """Return the case's fields as (label, text); blind: only the entry's own text."""
    lines: list[tuple[str, str]] = []
    for f in contest.forms.case.fields:
        if f.key in ("title", "category"):
            continue
        if blind and (f.kind in HIDDEN_WHEN_BLIND or f.kind in (FieldKind.TEXT, FieldKind.CHOICE)):
            continue
        value = values.get(f.key)
        if value in (None, "", []):
            continue
        if isinstance(value, list):
            text = "\n".join(f"{n}. {item}" for n, item in enumerate(value, start=1))
        elif isinstance(value, bool):
            text = "是" if value else "否"
        elif f.kind is FieldKind.CHOICE:
            choice = next((c for c in f.choices if c.key == value), None)
            text = choice.label if choice else str(value)
        else:
            text = str(value)
        lines.append((f.label, text))
    return lines


async def _own_judge(session: AsyncSession, v: Visit, judge_id: int) -> tuple[Judge, Stage]:
    judge = await get_judge(session, judge_id=judge_id)
    if judge is None or judge.person_id != v.person.id:
        raise JudgingRefused(Refusal.NOT_JUDGE)
    stage = v.services.contest.stage(judge.stage_key)
    if stage is None or stage.judging is None:
        raise JudgingRefused(Refusal.UNKNOWN_STAGE)
    return judge, stage


async def _check_case(
    session: AsyncSession, v: Visit, judge: Judge, stage: Stage, case_id: int
) -> JudgedCase:
    found = await judgeable_cases(session, advancing_at=None, case_ids=[case_id])
    if found:
        own = {judge.unit_id, await person_unit(session, person_id=judge.person_id)} - {None}
        if found[0].unit.id in own:
            raise JudgingRefused(Refusal.OWN_UNIT, stage)
    if not found or not await is_assigned(session, judge_id=judge.id or 0, case_id=case_id):
        raise JudgingRefused(Refusal.NOT_ASSIGNED, stage)
    return found[0]


async def _view(
    session: AsyncSession, v: Visit, judge: Judge, stage: Stage, item: JudgedCase
) -> CaseForJudge:
    contest = v.services.contest
    judging = _judging(stage)
    case_ids = await assigned_case_ids(session, judge_id=judge.id or 0)
    index = case_ids.index(item.case.id or 0)
    score = await get_score(session, judge_id=judge.id or 0, case_id=item.case.id or 0)
    return CaseForJudge(
        judge=judge, stage=stage, case_id=item.case.id or 0, title=item.title,
        category=_category_name(contest, item.category),
        unit=None if judging.blind else item.unit.party_org,
        lines=case_lines(contest, item.case.values, blind=judging.blind),
        criteria=criteria_for(judging, item.category), score=score,
        open=scoring_open(stage, v.now), position=index + 1, count=len(case_ids),
        previous=case_ids[index - 1] if index > 0 else None,
        next=case_ids[index + 1] if index + 1 < len(case_ids) else None,
    )  # fmt: skip


async def case_for_judge(v: Visit, *, judge_id: int, case_id: int) -> CaseForJudge:
    """Return an assigned case for its judge to read (refused for any other case)."""
    try:
        async with transaction(v.services.sessions) as session:
            judge, stage = await _own_judge(session, v, judge_id)
            item = await _check_case(session, v, judge, stage, case_id)
            await audit(session, v, "judge_view", stage=stage.key, judge=judge.id, case=case_id)
            return await _view(session, v, judge, stage, item)
    except JudgingRefused as refused:
        await _refused_in_audit(v, refused, judge_id, case_id)
        raise


async def _scorable(
    session: AsyncSession, v: Visit, judge_id: int, case_id: int
) -> tuple[Judge, Stage, JudgedCase]:
    judge, stage = await _own_judge(session, v, judge_id)
    item = await _check_case(session, v, judge, stage, case_id)
    if not scoring_open(stage, v.now):
        raise JudgingRefused(Refusal.CLOSED, stage)
    if _judging(stage).live:
        round_ = await judging_round(session, stage_key=stage.key, now=v.now)
        if case_id not in round_.opened:
            raise JudgingRefused(Refusal.NOT_OPEN, stage)
    return judge, stage, item


async def _refused_in_audit(v: Visit, refused: JudgingRefused, judge_id: int, case_id: int) -> None:
    async with transaction(v.services.sessions) as session:
        await audit(
            session, v, "judge_refused", judge=judge_id, case=case_id, why=refused.refusal.value
        )


async def start_scoring(v: Visit, *, judge_id: int, case_id: int) -> CaseForJudge:
    """Begin (or begin again) scoring a case: ask the first criterion; typed numbers count."""
    try:
        async with transaction(v.services.sessions) as session:
            judge, stage, item = await _scorable(session, v, judge_id, case_id)
            criteria = criteria_for(_judging(stage), item.category)
            old = await get_score(session, judge_id=judge_id, case_id=case_id)
            await save_score(
                session, judge_id=judge_id, case_id=case_id,
                scores=old.scores if old else {}, comment=old.comment if old else "",
                asking=criteria[0].key, confirmed_at=None, now=v.now,
            )  # fmt: skip
            await _await_typing(session, v, judge_id, case_id)
            await audit(
                session, v, "judge_score_start", stage=stage.key, judge=judge_id, case=case_id
            )
            return await _view(session, v, judge, stage, item)
    except JudgingRefused as refused:
        await _refused_in_audit(v, refused, judge_id, case_id)
        raise


async def _await_typing(session: AsyncSession, v: Visit, judge_id: int, case_id: int) -> None:
    await save_form(
        session, person_id=v.person.id or 0, form_key=TYPED,
        state={"judge": judge_id, "case": case_id}, now=v.now,
    )  # fmt: skip


@dataclass(frozen=True)
class Step:
    """What a judge's input did: the case as it now stands, or why the input was refused."""

    view: CaseForJudge
    problem: ScoreProblem | None = None
    criterion: Criterion | None = None  # the criterion a refused score was for


async def give_score(
    v: Visit, *, judge_id: int, case_id: int, criterion_key: str, text: str
) -> Step:
    """Take one criterion's score (a button's value or a typed number) and ask the next."""
    try:
        async with transaction(v.services.sessions) as session:
            judge, stage, item = await _scorable(session, v, judge_id, case_id)
            criteria = criteria_for(_judging(stage), item.category)
            row = await get_score(session, judge_id=judge_id, case_id=case_id)
            if criterion_key.isdigit() and int(criterion_key) < len(criteria):
                criterion_key = criteria[int(criterion_key)].key  # a button gives its number
            criterion = next((c for c in criteria if c.key == criterion_key), None)
            if row is None or criterion is None:
                return Step(await _view(session, v, judge, stage, item))
            parsed = parse_score(text, criterion)
            if parsed.value is None:
                return Step(await _view(session, v, judge, stage, item), parsed.problem, criterion)
            scores = {**row.scores, criterion.key: str(parsed.value)}
            keys = [c.key for c in criteria]
            later = [k for k in keys[keys.index(criterion.key) + 1 :] if k not in scores]
            earlier = [k for k in keys if k not in scores]
            asking = (later or earlier or [COMMENT])[0]
            await save_score(
                session, judge_id=judge_id, case_id=case_id, scores=scores,
                comment=row.comment, asking=asking, confirmed_at=None, now=v.now,
            )  # fmt: skip
            await audit(
                session, v, "judge_score", stage=stage.key, judge=judge_id, case=case_id,
                criterion=criterion.key, score=str(parsed.value),
            )  # fmt: skip
            return Step(await _view(session, v, judge, stage, item))
    except JudgingRefused as refused:
        await _refused_in_audit(v, refused, judge_id, case_id)
        raise


async def give_comment(v: Visit, *, judge_id: int, case_id: int, text: str | None) -> Step:
    """Take the judge's comment (None: skipped) and show the review card."""
    try:
        async with transaction(v.services.sessions) as session:
            judge, stage, item = await _scorable(session, v, judge_id, case_id)
            row = await get_score(session, judge_id=judge_id, case_id=case_id)
            if row is None:
                return Step(await _view(session, v, judge, stage, item))
            comment = row.comment if text is None else text.strip()[:COMMENT_LIMIT]
            await save_score(
                session, judge_id=judge_id, case_id=case_id, scores=row.scores,
                comment=comment, asking=CARD, confirmed_at=None, now=v.now,
            )  # fmt: skip
            await audit(session, v, "judge_comment", stage=stage.key, judge=judge_id, case=case_id)
            return Step(await _view(session, v, judge, stage, item))
    except JudgingRefused as refused:
        await _refused_in_audit(v, refused, judge_id, case_id)
        raise


async def score_all(
    v: Visit, *, judge_id: int, case_id: int, given: dict[str, str], comment: str
) -> Step:
    """Take every criterion at once (the console's form) and confirm if all are valid."""
    try:
        async with transaction(v.services.sessions) as session:
            judge, stage, item = await _scorable(session, v, judge_id, case_id)
            criteria = criteria_for(_judging(stage), item.category)
            scores: dict[str, str] = {}
            for criterion in criteria:
                parsed = parse_score(given.get(criterion.key, ""), criterion)
                if parsed.value is None:
                    return Step(
                        await _view(session, v, judge, stage, item), parsed.problem, criterion
                    )
                scores[criterion.key] = str(parsed.value)
            await save_score(
                session, judge_id=judge_id, case_id=case_id, scores=scores,
                comment=comment.strip()[:COMMENT_LIMIT], asking="", confirmed_at=v.now, now=v.now,
            )  # fmt: skip
            await audit(
                session, v, "judge_confirm", stage=stage.key, judge=judge_id, case=case_id,
                total=str(total({k: Decimal(s) for k, s in scores.items()}, criteria)),
            )  # fmt: skip
            return Step(await _view(session, v, judge, stage, item))
    except JudgingRefused as refused:
        await _refused_in_audit(v, refused, judge_id, case_id)
        raise


async def confirm_score(v: Visit, *, judge_id: int, case_id: int) -> CaseForJudge:
    """Confirm the judge's scores of a case (every criterion given), ending the typed wait."""
    try:
        async with transaction(v.services.sessions) as session:
            judge, stage, item = await _scorable(session, v, judge_id, case_id)
            criteria = criteria_for(_judging(stage), item.category)
            row = await get_score(session, judge_id=judge_id, case_id=case_id)
            given = {k: Decimal(s) for k, s in (row.scores if row else {}).items()}
            judged = total(given, criteria)
            if row is not None and judged is not None:
                await save_score(
                    session, judge_id=judge_id, case_id=case_id, scores=row.scores,
                    comment=row.comment, asking="", confirmed_at=v.now, now=v.now,
                )  # fmt: skip
                await delete_form(session, person_id=v.person.id or 0, form_key=TYPED)
                await audit(
                    session, v, "judge_confirm", stage=stage.key, judge=judge_id, case=case_id,
                    total=str(judged),
                )  # fmt: skip
            return await _view(session, v, judge, stage, item)
    except JudgingRefused as refused:
        await _refused_in_audit(v, refused, judge_id, case_id)
        raise


async def typed(v: Visit, *, state: dict[str, Any], text: str) -> Step:
    """Take a typed message while scoring: the asked criterion's score, or the comment."""
    judge_id, case_id = int(state.get("judge", 0)), int(state.get("case", 0))
    async with v.services.sessions() as session:
        row = await get_score(session, judge_id=judge_id, case_id=case_id)
    asking = row.asking if row else ""
    if asking == COMMENT:
        return await give_comment(v, judge_id=judge_id, case_id=case_id, text=text)
    if asking and asking != CARD:
        return await give_score(
            v, judge_id=judge_id, case_id=case_id, criterion_key=asking, text=text
        )
    view = await case_for_judge(v, judge_id=judge_id, case_id=case_id)
    return Step(view)


async def stop_typing(v: Visit) -> None:
    """Stop taking typed scores (the judge left the scoring)."""
    async with transaction(v.services.sessions) as session:
        await delete_form(session, person_id=v.person.id or 0, form_key=TYPED)


# ---- organizers: progress, reminders, live scoring ---------------------------------------


@dataclass(frozen=True)
class StageProgress:
    """A judged stage as an organizer sees it: judges' progress and where the round stands."""

    stage: Stage
    judges: list[Progress]
    codes: dict[int, str]  # judge id → the code, while it is unused
    live_case: int | None
    live_title: str
    opened: list[int]
    next_to_open: int | None
    confirmed_at: datetime | None
    open: bool


async def stage_progress(v: Visit, *, stage_key: str) -> StageProgress:
    """Return every judge's progress on a stage and the live-scoring state."""
    assert v.is_organizer
    contest = v.services.contest
    stage = judged_stage(contest, stage_key)
    async with transaction(v.services.sessions) as session:
        rows = await progress(session, stage_key=stage.key)
        codes: dict[int, str] = {}
        for row in rows:
            if row.judge.person_id is None:
                invite = await get_invite(session, invite_id=row.judge.invite_id)
                codes[row.judge.id or 0] = invite.code if invite else ""
        round_ = await judging_round(session, stage_key=stage.key, now=v.now)
        before = entry_stage(contest, stage)
        cases = await judgeable_cases(session, advancing_at=before.key if before else None)
    titles = {c.case.id: c.title for c in cases}
    waiting = [c.case.id for c in cases if c.case.id not in round_.opened]
    return StageProgress(
        stage, rows, codes, round_.live_case_id, titles.get(round_.live_case_id, ""),
        list(round_.opened), waiting[0] if waiting else None, round_.confirmed_at,
        scoring_open(stage, v.now),
    )  # fmt: skip


async def remind_judges(v: Visit, *, stage_key: str) -> int:
    """Write a reminder to every joined judge with cases left to score; return how many."""
    assert v.is_organizer
    contest = v.services.contest
    stage = judged_stage(contest, stage_key)
    async with transaction(v.services.sessions) as session:
        rows = [
            p for p in await progress(session, stage_key=stage.key)
            if p.judge.person_id is not None and p.left > 0
        ]  # fmt: skip
        stamp = v.now.strftime("%Y%m%d%H%M")
        messages = [
            {
                "person_id": p.judge.person_id,
                "kind": "judge_reminder",
                "dedupe_key": f"jrem:{stage.key}:{p.judge.id}:{stamp}",
                "text": per_channel(
                    "judging/reminder.html",
                    contest=contest,
                    stage=stage,
                    left=p.left,
                    assigned=p.assigned,
                    now=v.now,
                ),  # fmt: skip
                "due_at": v.now,
                "actions": stored(actions([[("judging.start", ids.JUDGE_HOME)]])),
            }
            for p in rows
        ]
        written = await enqueue_many(session, messages=messages) if messages else 0
        await audit(session, v, "judge_remind", stage=stage.key, judges=written)
    wake(v.services)
    return written


async def open_live(v: Visit, *, stage_key: str, case_id: int) -> int:
    """Open a case for live scoring and tell its judges; return how many were told."""
    assert v.is_organizer
    contest = v.services.contest
    stage = judged_stage(contest, stage_key)
    async with transaction(v.services.sessions) as session:
        before = entry_stage(contest, stage)
        found = await judgeable_cases(
            session, advancing_at=before.key if before else None, case_ids=[case_id]
        )
        if not found:
            return 0
        item = found[0]
        round_ = await judging_round(session, stage_key=stage.key, now=v.now)
        round_.live_case_id = case_id
        if case_id not in round_.opened:
            round_.opened = [*round_.opened, case_id]
        await save_round(session, row=round_, now=v.now)
        judges = list(await judges_of_case(session, case_id=case_id, stage_key=stage.key))
        messages = [
            {
                "person_id": j.person_id,
                "kind": "judge_live",
                "dedupe_key": f"jlive:{stage.key}:{case_id}:{j.id}",
                "text": per_channel(
                    "judging/live_open.html",
                    contest=contest,
                    stage=stage,
                    title=item.title,
                    category=_category_name(contest, item.category),
                    blind=_judging(stage).blind,
                    unit=item.unit.party_org,
                ),  # fmt: skip
                "due_at": v.now,
                "actions": stored(
                    actions([[("judging.score", ids.judge(ids.JUDGE_SCORE, j.id or 0, case_id))]])
                ),
            }
            for j in judges
            if j.person_id is not None
        ]
        written = await enqueue_many(session, messages=messages) if messages else 0
        await audit(session, v, "judge_live_open", stage=stage.key, case=case_id, judges=written)
    wake(v.services)
    return written


# ---- ranking, proposal, confirmation -----------------------------------------------------


@dataclass(frozen=True)
class RankRow:
    """One case in the ranking: its judges' totals, its score and place, its proposed tier."""

    case_id: int
    title: str
    unit: str
    unit_id: int
    category: str
    ranked: Ranked
    totals: dict[int, Decimal]  # judge id → total
    proposed: str | None  # "" goes on, a tier name, None: not proposed


@dataclass(frozen=True)
class RankingView:
    """A stage's ranking per category, the proposal's open ties, and what it decides."""

    stage: Stage
    decides: Decides
    judges: list[Judge]
    rows: list[RankRow]
    ties: list[tuple[str, list[str]]]  # (tier, titles) a cut runs through
    tiers: list[str]
    confirmed_at: datetime | None
    counts: dict[str, int] = field(default_factory=dict)  # proposed per category

    def by_category(self) -> list[tuple[str, list[RankRow]]]:
        """Return the rows grouped by category, in the file's order."""
        groups: dict[str, list[RankRow]] = defaultdict(list)
        for row in self.rows:
            groups[row.category].append(row)
        return list(groups.items())


async def _ranking_data(
    session: AsyncSession, contest: Contest, stage: Stage
) -> tuple[list[JudgedCase], list[Judge], dict[int, dict[int, Decimal]], list[Ranked]]:
    judging = _judging(stage)
    before = entry_stage(contest, stage)
    cases = await judgeable_cases(session, advancing_at=before.key if before else None)
    judges = await judges_of_stage(session, stage_key=stage.key)
    totals: dict[int, dict[int, Decimal]] = defaultdict(dict)
    categories = {c.case.id: c.category for c in cases}
    for score in await confirmed_scores(session, stage_key=stage.key):
        criteria = criteria_for(judging, categories.get(score.case_id, ""))
        value = total({k: Decimal(s) for k, s in score.scores.items()}, criteria)
        if value is not None:
            totals[score.case_id][score.judge_id] = value
    order = {c.key: n for n, c in enumerate(contest.categories)}
    cases.sort(key=lambda c: (order.get(c.category, len(order)), c.case.id or 0))
    entries = [
        Entry(c.case.id or 0, c.category, tuple(totals[c.case.id or 0].values())) for c in cases
    ]
    return cases, judges, totals, rank(entries, judging)


async def ranking(v: Visit, *, stage_key: str) -> RankingView:
    """Rank a stage's cases per category by the file's rule, with the current proposal."""
    assert v.is_organizer
    contest = v.services.contest
    stage = judged_stage(contest, stage_key)
    async with transaction(v.services.sessions) as session:
        cases, judges, totals, ranked = await _ranking_data(session, contest, stage)
        round_ = await judging_round(session, stage_key=stage.key, now=v.now)
    return _ranking_view(contest, stage, cases, judges, totals, ranked, round_.proposal,
                         round_.confirmed_at, ties=_ties_of(round_.proposal))  # fmt: skip


def _ties_of(proposal: dict[str, str]) -> list[tuple[str, list[int]]]:
    raw = proposal.get("_ties", "")
    out: list[tuple[str, list[int]]] = []
    for part in raw.split(";") if raw else []:
        tier, _, ids_ = part.partition("=")
        out.append((tier, [int(i) for i in ids_.split(",") if i]))
    return out


def _ranking_view(
    contest: Contest, stage: Stage, cases: list[JudgedCase], judges: list[Judge],
    totals: dict[int, dict[int, Decimal]], ranked: list[Ranked], proposal: dict[str, str],
    confirmed_at: datetime | None, *, ties: list[tuple[str, list[int]]],
) -> RankingView:  # fmt: skip
    by_case = {r.case_id: r for r in ranked}
    titles = {c.case.id or 0: c.title for c in cases}
    rows: list[RankRow] = []
    counts: dict[str, int] = defaultdict(int)
    for c in cases:
        case_id = c.case.id or 0
        proposed = proposal.get(str(case_id))
        if proposed is not None:
            counts[_category_name(contest, c.category)] += 1
        rows.append(
            RankRow(
                case_id,
                c.title,
                c.unit.party_org,
                c.unit.id or 0,
                _category_name(contest, c.category),
                by_case[case_id],
                totals.get(case_id, {}),
                proposed,
            )  # fmt: skip
        )
    outcome = decides(contest, stage)
    tiers = [t.name for t in awarded_tiers(contest)] if outcome is Decides.AWARDS else []
    tie_titles = [(tier, [titles.get(i, str(i)) for i in group]) for tier, group in ties]
    return RankingView(stage, outcome, judges, rows, tie_titles, tiers, confirmed_at, dict(counts))


def _stored_ties(proposal: Proposal) -> str:
    return ";".join(f"{tier}={','.join(str(i) for i in group)}" for tier, group in proposal.ties)


async def propose(v: Visit, *, stage_key: str) -> RankingView:
    """Propose the top N (or the prize tiers) from the ranking; ties at a cut left open."""
    assert v.is_organizer
    contest = v.services.contest
    stage = judged_stage(contest, stage_key)
    async with transaction(v.services.sessions) as session:
        cases, judges, totals, ranked = await _ranking_data(session, contest, stage)
        if decides(contest, stage) is Decides.ADVANCING:
            proposal = propose_advancing(ranked, stage)
        else:
            proposal = propose_awards(ranked, awarded_tiers(contest))
        round_ = await judging_round(session, stage_key=stage.key, now=v.now)
        stored_ = {str(k): tier for k, tier in proposal.chosen.items()}
        if proposal.ties:
            stored_["_ties"] = _stored_ties(proposal)
        round_.proposal = stored_
        await save_round(session, row=round_, now=v.now)
        await audit(
            session, v, "judging_propose", stage=stage.key, cases=len(proposal.chosen),
            ties=len(proposal.ties),
        )  # fmt: skip
    return _ranking_view(contest, stage, cases, judges, totals, ranked, round_.proposal,
                         round_.confirmed_at, ties=_ties_of(round_.proposal))  # fmt: skip


async def adjust(v: Visit, *, stage_key: str, case_id: int, tier: str | None) -> RankingView:
    """Put a case in the proposal (a tier, or "" to go on) or take it out (None)."""
    assert v.is_organizer
    contest = v.services.contest
    stage = judged_stage(contest, stage_key)
    allowed = {t.name for t in awarded_tiers(contest)} | {""}
    async with transaction(v.services.sessions) as session:
        cases, judges, totals, ranked = await _ranking_data(session, contest, stage)
        round_ = await judging_round(session, stage_key=stage.key, now=v.now)
        proposal = dict(round_.proposal)
        if case_id in {c.case.id for c in cases} and (tier is None or tier in allowed):
            if tier is None:
                proposal.pop(str(case_id), None)
            else:
                proposal[str(case_id)] = tier
            round_.proposal = proposal
            await save_round(session, row=round_, now=v.now)
            await audit(session, v, "judging_adjust", stage=stage.key, case=case_id, tier=tier)
    return _ranking_view(contest, stage, cases, judges, totals, ranked, round_.proposal,
                         round_.confirmed_at, ties=_ties_of(round_.proposal))  # fmt: skip


@dataclass(frozen=True)
class Confirmed:
    """What confirming a stage's results did."""

    stage: Stage
    decides: Decides
    cases: int
    units: int
    written: int


async def confirm_results(v: Visit, *, stage_key: str) -> Confirmed:
    """Mark exactly the proposed cases (advancing, or their awards) and tell their units once."""
    assert v.is_organizer
    contest = v.services.contest
    stage = judged_stage(contest, stage_key)
    outcome = decides(contest, stage)
    async with transaction(v.services.sessions) as session:
        cases, _, _, ranked = await _ranking_data(session, contest, stage)
        round_ = await judging_round(session, stage_key=stage.key, now=v.now)
        chosen = {int(k): t for k, t in round_.proposal.items() if k.isdigit()}
        by_id = {c.case.id or 0: c for c in cases}
        chosen = {k: t for k, t in chosen.items() if k in by_id}
        places = {r.case_id: r.rank for r in ranked}
        if outcome is Decides.ADVANCING:
            for case_id in await advancing_ids(session, stage_key=stage.key):
                if case_id not in chosen:
                    await mark_advancing(
                        session, case_id=case_id, stage_key=stage.key, marked_by=v.person.id,
                        now=v.now, advancing=False,
                    )  # fmt: skip
            for case_id in chosen:
                await mark_advancing(
                    session, case_id=case_id, stage_key=stage.key, marked_by=v.person.id,
                    now=v.now,
                )  # fmt: skip
        else:
            await set_awards(
                session, stage_key=stage.key,
                awards={k: (t, places.get(k)) for k, t in chosen.items()},
                marked_by=v.person.id, now=v.now,
            )  # fmt: skip
        by_unit: dict[int, list[tuple[int, str]]] = defaultdict(list)
        for case_id in sorted(chosen):
            by_unit[by_id[case_id].unit.id or 0].append((case_id, by_id[case_id].title))
        reports = await unit_reports(session, unit_ids=list(by_unit))
        people = [p for r in reports for p in r.people]
        if outcome is Decides.ADVANCING:
            index = contest.stages.index(stage)
            following = contest.stages[index + 1] if index + 1 < len(contest.stages) else None
            rows = result_rows(
                contest, stage=stage, next_stage=following, unit_cases=by_unit, people=people,
                now=v.now,
            )  # fmt: skip
        else:
            rows = _award_rows(contest, stage, by_unit, chosen, people, v.now)
        written = await enqueue_many(session, messages=rows) if rows else 0
        round_.confirmed_at = v.now
        round_.confirmed_by = v.person.id
        await save_round(session, row=round_, now=v.now)
        await audit(
            session, v, "judging_confirm", stage=stage.key, cases=len(chosen), units=len(by_unit),
        )  # fmt: skip
    wake(v.services)
    return Confirmed(stage, outcome, len(chosen), len(by_unit), written)


def _award_rows(
    contest: Contest, stage: Stage, by_unit: dict[int, list[tuple[int, str]]],
    chosen: dict[int, str], people: list[Any], now: datetime,
) -> list[dict[str, Any]]:  # fmt: skip
    rows = []
    for person in people:
        cases = by_unit.get(person.unit_id or 0)
        if not cases:
            continue
        prizes = [(title, chosen[case_id]) for case_id, title in cases]
        marks = hashlib.sha1(repr(sorted((c, chosen[c]) for c, _ in cases)).encode())
        rows.append(
            {
                "person_id": person.id,
                "kind": "result",
                "dedupe_key": f"award:{stage.key}:{person.id}:{marks.hexdigest()[:12]}",
                "text": per_channel(
                    "judging/awarded.html", contest=contest, stage=stage, prizes=prizes, now=now
                ),  # fmt: skip
                "due_at": now,
            }
        )
    return rows


# ---- exports -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SheetData:
    """What the score sheet of a stage holds, ready for a workbook."""

    stage: Stage
    judges: list[Judge]
    criteria: dict[str, list[Criterion]]  # category key → criteria
    rows: list[tuple[JudgedCase, Ranked, dict[int, GivenScore]]]
    awards: dict[int, str]
    advancing: set[int]


async def sheet_data(sessions: SessionFactory, contest: Contest, stage_key: str) -> SheetData:
    """Load a stage's scores, ranking and results for the score sheet."""
    stage = judged_stage(contest, stage_key)
    judging = _judging(stage)
    async with sessions() as session:
        cases, judges, _, ranked = await _ranking_data(session, contest, stage)
        scores: dict[int, dict[int, GivenScore]] = defaultdict(dict)
        for score in await confirmed_scores(session, stage_key=stage.key):
            scores[score.case_id][score.judge_id] = score
        awards = {
            k: a.tier for k, a in (await awards_of_stage(session, stage_key=stage.key)).items()
        }
        advancing = await advancing_ids(session, stage_key=stage.key)
    by_case = {r.case_id: r for r in ranked}
    criteria = {c.key: criteria_for(judging, c.key) for c in contest.categories}
    rows = [(c, by_case[c.case.id or 0], scores.get(c.case.id or 0, {})) for c in cases]
    return SheetData(stage, judges, criteria, rows, awards, advancing)


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


@dataclass(frozen=True)
class JudgeCaseRow:
    """One of a judge's cases in their list: whether it is scored, and the total."""

    case_id: int
    title: str
    category: str
    confirmed: bool
    total: Decimal | None


async def judge_cases(v: Visit, *, judge_id: int) -> tuple[Judge, Stage, list[JudgeCaseRow]]:
    """Return a judge's own assigned cases with their scoring state."""
    contest = v.services.contest
    async with v.services.sessions() as session:
        judge, stage = await _own_judge(session, v, judge_id)
        case_ids = await assigned_case_ids(session, judge_id=judge_id)
        cases = await judgeable_cases(session, advancing_at=None, case_ids=case_ids)
        scores = await scores_of_judge(session, judge_id=judge_id)
    rows = []
    for item in cases:
        score = scores.get(item.case.id or 0)
        criteria = criteria_for(_judging(stage), item.category)
        given = {k: Decimal(s) for k, s in (score.scores if score else {}).items()}
        rows.append(
            JudgeCaseRow(
                item.case.id or 0,
                item.title,
                _category_name(contest, item.category),
                score is not None and score.confirmed_at is not None,
                total(given, criteria),
            )  # fmt: skip
        )
    return judge, stage, rows
