"""Use cases of a judge scoring their cases: their stages, a case, each criterion, confirm.

A judge sees only the cases assigned to them, without units and people when the stage is
blind. Scores can be given and changed until the stage's end (that moment included), then
they are locked; in a live stage (``judging.live``) a case can be scored once the
organizer has opened it. Every action is one transaction, and a refusal is written to the
audit log in it.

In a chat (``/judge``), scoring goes one criterion at a time: a score from a button or a
typed number, then a comment (or none), then the review card, then confirm. While a judge
scores, their next typed message is awaited by a stored wait (``judge_score``, a
``formprogress`` row holding the judge and the case), so a restart loses nothing; what
is asked next is the score row's ``asking``. The web console takes every criterion at
once (:func:`score_all`).

Buttons (``jdg:<op>:<judge>:<case>[:…]``): ``c`` read a case, ``s`` begin scoring,
``v:<criterion no.>:<score>`` a score, ``k`` no comment, ``ok`` confirm. Every id is
re-checked: the judge must be the person's, the case assigned to them and not their own
unit's.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

from sqlmodel.ext.asyncio.session import AsyncSession

from contest.definition import Contest, Criterion, FieldKind, Stage
from contest.judging import (
    ScoreProblem,
    criteria_for,
    maximum,
    parse_score,
    points,
    quick_scores,
    scoring_open,
    total,
)
from handlers import actions as ids
from handlers.audit import record as audit
from handlers.console import issue_login_link
from handlers.forms import FormProgress, register_wait
from handlers.judging import (
    JudgingRefused,
    Refusal,
    audit_refusal,
    category_name,
    refused_reply,
    rules_of,
)
from handlers.replies import Reply, actions
from handlers.visits import Visit
from storage.db import transaction
from storage.forms import delete_form, save_form
from storage.judging import (
    JudgedCase,
    assigned_case_ids,
    get_judge,
    get_score,
    is_assigned,
    judgeable_cases,
    judges_of_person,
    judging_round,
    person_unit,
    save_score,
    scores_of_judge,
)
from storage.models import Judge, JudgeScore

TYPED = "judge_score"  # the stored wait: the next message is a typed score or a comment
COMMENT = "_comment"  # ``asking`` while the comment is awaited
CARD = "_card"  # ``asking`` once everything is given: the review card
COMMENT_LIMIT = 500
T = TypeVar("T")
Rows = list[list[tuple[str, str]]]


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


async def _home_in(session: AsyncSession, v: Visit) -> list[StageWork]:
    contest = v.services.contest
    work: list[StageWork] = []
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


async def judge_home(v: Visit) -> list[StageWork]:
    """Return the stages this person judges, with their progress and next case."""
    async with v.services.sessions() as session:
        return await _home_in(session, v)


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
    session: AsyncSession, judge: Judge, stage: Stage, case_id: int
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
    judging = rules_of(stage)
    case_ids = await assigned_case_ids(session, judge_id=judge.id or 0)
    index = case_ids.index(item.case.id or 0)
    score = await get_score(session, judge_id=judge.id or 0, case_id=item.case.id or 0)
    return CaseForJudge(
        judge=judge, stage=stage, case_id=item.case.id or 0, title=item.title,
        category=category_name(contest, item.category),
        unit=None if judging.blind else item.unit.party_org,
        lines=case_lines(contest, item.case.values, blind=judging.blind),
        criteria=criteria_for(judging, item.category), score=score,
        open=scoring_open(stage, v.now), position=index + 1, count=len(case_ids),
        previous=case_ids[index - 1] if index > 0 else None,
        next=case_ids[index + 1] if index + 1 < len(case_ids) else None,
    )  # fmt: skip


async def _scorable(
    session: AsyncSession, v: Visit, judge_id: int, case_id: int
) -> tuple[Judge, Stage, JudgedCase]:
    judge, stage = await _own_judge(session, v, judge_id)
    item = await _check_case(session, judge, stage, case_id)
    if not scoring_open(stage, v.now):
        raise JudgingRefused(Refusal.CLOSED, stage)
    if rules_of(stage).live:
        round_ = await judging_round(session, stage_key=stage.key, now=v.now)
        if case_id not in round_.opened:
            raise JudgingRefused(Refusal.NOT_OPEN, stage)
    return judge, stage, item


async def _as_judge(
    v: Visit, judge_id: int, case_id: int, work: Callable[[AsyncSession], Awaitable[T]]
) -> T:
    """Do a judge's action in one transaction; a refusal is audited in it, then raised."""
    async with transaction(v.services.sessions) as session:
        try:
            return await work(session)
        except JudgingRefused as refused:  # raised before anything was written
            await audit_refusal(session, v, refused, judge_id, case_id)
            failure = refused
    raise failure


# ---- one judge's steps, each inside the caller's transaction ----------------------------


@dataclass(frozen=True)
class Step:
    """What a judge's input did: the case as it now stands, or why the input was refused."""

    view: CaseForJudge
    problem: ScoreProblem | None = None
    criterion: Criterion | None = None  # the criterion a refused score was for


async def _read(session: AsyncSession, v: Visit, judge_id: int, case_id: int) -> CaseForJudge:
    judge, stage = await _own_judge(session, v, judge_id)
    item = await _check_case(session, judge, stage, case_id)
    await audit(session, v, "judge_view", stage=stage.key, judge=judge.id, case=case_id)
    return await _view(session, v, judge, stage, item)


async def _start(session: AsyncSession, v: Visit, judge_id: int, case_id: int) -> CaseForJudge:
    judge, stage, item = await _scorable(session, v, judge_id, case_id)
    criteria = criteria_for(rules_of(stage), item.category)
    old = await get_score(session, judge_id=judge_id, case_id=case_id)
    await save_score(
        session, judge_id=judge_id, case_id=case_id,
        scores=old.scores if old else {}, comment=old.comment if old else "",
        asking=criteria[0].key, confirmed_at=None, now=v.now,
    )  # fmt: skip
    await save_form(
        session, person_id=v.person.id or 0, form_key=TYPED,
        state={"judge": judge_id, "case": case_id}, now=v.now,
    )  # fmt: skip
    await audit(session, v, "judge_score_start", stage=stage.key, judge=judge_id, case=case_id)
    return await _view(session, v, judge, stage, item)


async def _score(
    session: AsyncSession, v: Visit, judge_id: int, case_id: int, criterion_key: str, text: str
) -> Step:
    judge, stage, item = await _scorable(session, v, judge_id, case_id)
    criteria = criteria_for(rules_of(stage), item.category)
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


async def _comment(
    session: AsyncSession, v: Visit, judge_id: int, case_id: int, text: str | None
) -> Step:
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


async def _confirm(session: AsyncSession, v: Visit, judge_id: int, case_id: int) -> CaseForJudge:
    judge, stage, item = await _scorable(session, v, judge_id, case_id)
    criteria = criteria_for(rules_of(stage), item.category)
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


# ---- the web console's use cases (data; a refusal is raised) -----------------------------


async def case_for_judge(v: Visit, *, judge_id: int, case_id: int) -> CaseForJudge:
    """Return an assigned case for its judge to read (refused for any other case)."""
    return await _as_judge(v, judge_id, case_id, lambda s: _read(s, v, judge_id, case_id))


async def start_scoring(v: Visit, *, judge_id: int, case_id: int) -> CaseForJudge:
    """Begin (or begin again) scoring a case: ask the first criterion; typed numbers count."""
    return await _as_judge(v, judge_id, case_id, lambda s: _start(s, v, judge_id, case_id))


async def score_all(
    v: Visit, *, judge_id: int, case_id: int, given: dict[str, str], comment: str
) -> Step:
    """Take every criterion at once (the console's form) and confirm if all are valid."""

    async def work(session: AsyncSession) -> Step:
        judge, stage, item = await _scorable(session, v, judge_id, case_id)
        criteria = criteria_for(rules_of(stage), item.category)
        scores: dict[str, str] = {}
        for criterion in criteria:
            parsed = parse_score(given.get(criterion.key, ""), criterion)
            if parsed.value is None:
                return Step(await _view(session, v, judge, stage, item), parsed.problem, criterion)
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

    return await _as_judge(v, judge_id, case_id, work)


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
        criteria = criteria_for(rules_of(stage), item.category)
        given = {k: Decimal(s) for k, s in (score.scores if score else {}).items()}
        rows.append(
            JudgeCaseRow(
                item.case.id or 0,
                item.title,
                category_name(contest, item.category),
                score is not None and score.confirmed_at is not None,
                total(given, criteria),
            )  # fmt: skip
        )
    return judge, stage, rows


# ---- in a chat: neutral replies ----------------------------------------------------------


def _home_reply(v: Visit, work: list[StageWork]) -> Reply:
    rows: Rows = []
    for w in work:
        judge_id = w.judge.id or 0
        if w.live_case is not None and w.open:
            rows.append([("judging.score", ids.judge(ids.JUDGE_SCORE, judge_id, w.live_case))])
        elif w.next_case is not None:
            rows.append([("judging.start", ids.judge(ids.JUDGE_CASE, judge_id, w.next_case))])
    if work and v.services.settings.console_url is not None:
        rows.append([("judging.desk", ids.JUDGE_DESK)])
    return Reply("judging/home.html", {"work": work}, actions(rows), in_place=True)


def _case_reply(view: CaseForJudge, *, in_place: bool = False) -> Reply:
    judge_id = view.judge.id or 0
    rows: Rows = []
    if view.open:
        key = "judging.rescore" if view.confirmed else "judging.score"
        rows.append([(key, ids.judge(ids.JUDGE_SCORE, judge_id, view.case_id))])
    nav = []
    if view.previous is not None:
        nav.append(("judging.previous", ids.judge(ids.JUDGE_CASE, judge_id, view.previous)))
    if view.next is not None:
        nav.append(("judging.next", ids.judge(ids.JUDGE_CASE, judge_id, view.next)))
    rows.append(nav)
    rows.append([("judging.home", ids.JUDGE_HOME)])
    return Reply("judging/case.html", {"view": view}, actions(rows), in_place=in_place)


def _step_reply(step: Step) -> Reply:
    """Say what comes next: a criterion, the comment, the review card (or the case)."""
    view = step.view
    judge_id = view.judge.id or 0
    asking = view.score.asking if view.score else ""
    criterion = view.asking
    if criterion is not None:
        index = view.criteria.index(criterion)
        buttons = [
            (points(n), ids.judge(ids.JUDGE_VALUE, judge_id, view.case_id, index, points(n)))
            for n in quick_scores(criterion)
        ]
        values = {
            "view": view,
            "problem": step.problem.value if step.problem else None,
            "criterion": step.criterion,
        }
        return Reply("judging/ask.html", values, actions([buttons[:3], buttons[3:]]))
    if asking == COMMENT:
        skip = [[("judging.skip_comment", ids.judge(ids.JUDGE_SKIP, judge_id, view.case_id))]]
        return Reply("judging/ask_comment.html", {"view": view}, actions(skip))
    if asking == CARD:
        rows = [
            [("judging.confirm", ids.judge(ids.JUDGE_CONFIRM, judge_id, view.case_id))],
            [("judging.again", ids.judge(ids.JUDGE_SCORE, judge_id, view.case_id))],
        ]
        return Reply("judging/card.html", {"view": view}, actions(rows))
    return _case_reply(view)


async def _confirmed(session: AsyncSession, v: Visit, judge_id: int, case_id: int) -> Reply:
    view = await _confirm(session, v, judge_id, case_id)
    work = next((w for w in await _home_in(session, v) if w.judge.id == judge_id), None)
    rows: Rows = []
    if work is not None and work.next_case is not None:
        rows.append([("judging.next", ids.judge(ids.JUDGE_CASE, judge_id, work.next_case))])
    rows.append([("judging.home", ids.JUDGE_HOME)])
    done = work is not None and work.scored == work.assigned
    return Reply("judging/confirmed.html", {"view": view, "done": done}, actions(rows))


async def home(v: Visit) -> list[Reply]:
    """Show the stages this person judges and offer the next case (``/judge``)."""
    return [_home_reply(v, await judge_home(v))]


async def desk(v: Visit) -> list[Reply]:
    """Give a judge a one-time link to score in the web console, on a computer."""
    base = v.services.settings.console_url
    link = None
    if base is not None:
        link = await issue_login_link(
            sessions=v.services.sessions, who=v.person,
            configured=v.services.is_configured_organizer, now=v.now,
        )  # fmt: skip
    if base is None or link is None:
        return [Reply("judging/refused.html", {"refusal": "not_judge", "stage": None})]
    values = {"url": f"{base}/login?token={link.token}", "expires_at": link.expires_at}
    return [Reply("judging/desk_link.html", values)]


async def press(
    v: Visit, *, op: str, judge_id: int | None, case_id: int | None, args: list[str]
) -> list[Reply]:
    """Do what a judge's button on a case says (``jdg:<op>:<judge>:<case>[:…]``)."""
    if judge_id is None or case_id is None:
        return await home(v)

    async def work(session: AsyncSession) -> list[Reply]:
        if op == ids.JUDGE_CASE:
            await delete_form(session, person_id=v.person.id or 0, form_key=TYPED)
            return [_case_reply(await _read(session, v, judge_id, case_id), in_place=True)]
        if op == ids.JUDGE_SCORE:
            view = await _start(session, v, judge_id, case_id)
            return [Reply("judging/case.html", {"view": view}), _step_reply(Step(view))]
        if op == ids.JUDGE_VALUE:
            criterion, text = (args + ["", ""])[:2]
            return [_step_reply(await _score(session, v, judge_id, case_id, criterion, text))]
        if op == ids.JUDGE_SKIP:
            return [_step_reply(await _comment(session, v, judge_id, case_id, None))]
        if op == ids.JUDGE_CONFIRM:
            return [await _confirmed(session, v, judge_id, case_id)]
        return []

    try:
        return await _as_judge(v, judge_id, case_id, work)
    except JudgingRefused as refused:
        return [refused_reply(refused)]


async def _take_typed(
    session: AsyncSession, v: Visit, progress: FormProgress, text: str
) -> list[Reply]:
    """Take a typed message while scoring: the asked criterion's score, or the comment."""
    judge_id = int(progress.state.get("judge", 0))
    case_id = int(progress.state.get("case", 0))
    try:
        row = await get_score(session, judge_id=judge_id, case_id=case_id)
        asking = row.asking if row else ""
        if asking == COMMENT:
            return [_step_reply(await _comment(session, v, judge_id, case_id, text))]
        if asking and asking != CARD:
            return [_step_reply(await _score(session, v, judge_id, case_id, asking, text))]
        return [_step_reply(Step(await _read(session, v, judge_id, case_id)))]
    except JudgingRefused as refused:  # raised before anything was written
        await session.delete(progress)  # the judge is scoring no more
        await audit_refusal(session, v, refused, judge_id, case_id)
        return [refused_reply(refused)]


def register_waits() -> None:
    """Make a scoring judge's next typed message go to their score (or comment)."""
    register_wait(TYPED, _take_typed)
