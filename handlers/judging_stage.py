"""Use cases of an organizer running a judged stage: judges' progress, reminders, live
scoring, the ranking, the proposal, adjusting and confirming.

Organizers see each judge's progress (counted in SQL), remind those who lag (through the
outbox), open the cases of a live stage one by one, rank the cases by the file's rule,
propose the top N or the prize tiers (a tie that a cut runs through is left open), adjust
and confirm: confirming marks the advancing cases (``Advancement``, the results flow of
/organizer) or the awards, and tells each unit once. Every action is one transaction and
is in the audit log.

In a chat: ``/judging`` or ``jud:home`` lists the judged stages, then ``jud:<stage>:<op>``:
``p`` progress, ``i`` / ``ic:<category>`` a judge code, ``a`` assign, ``r`` remind, ``l``
open the next case for live scoring, ``k`` ranking, ``pr`` propose, ``t:<case>`` adjust,
``ok`` confirm. The web console calls the data use cases (:func:`stage_progress`,
:func:`ranking` …) directly.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from contest.definition import Contest, Decides, Stage, decides
from contest.judging import (
    Entry,
    Proposal,
    Ranked,
    awarded_tiers,
    criteria_for,
    propose_advancing,
    propose_awards,
    rank,
    scoring_open,
    total,
)
from delivery import wake
from handlers import actions as ids
from handlers.audit import record as audit
from handlers.judging import (
    JudgingRefused,
    assign_in,
    category_name,
    entry_stage,
    invite_judge,
    judged_stage,
    refused_reply,
    rules_of,
)
from handlers.notices import result_rows
from handlers.organizing import Answer, organizers_only
from handlers.replies import Reply, actions, label_text, stored
from handlers.visits import Visit
from messages import per_channel
from storage.db import transaction
from storage.invites import get_invite
from storage.judging import (
    JudgedCase,
    Progress,
    advancing_ids,
    confirmed_scores,
    judgeable_cases,
    judges_of_case,
    judges_of_stage,
    judging_round,
    progress,
    save_round,
    set_awards,
)
from storage.models import Judge
from storage.outbox import enqueue_many
from storage.reports import mark_advancing, unit_reports

Rows = list[list[tuple[str, str]]]
# A change of the proposal: (the cases, their ranking, the proposal) → the new one, or None.
Change = Callable[[list["JudgedCase"], list[Ranked], dict[str, str]], dict[str, str] | None]
Tier = str | None


# ---- progress, reminders, live scoring ---------------------------------------------------


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


async def _progress_in(session: AsyncSession, v: Visit, stage: Stage) -> StageProgress:
    rows = await progress(session, stage_key=stage.key)
    codes: dict[int, str] = {}
    for row in rows:
        if row.judge.person_id is None:
            invite = await get_invite(session, invite_id=row.judge.invite_id)
            codes[row.judge.id or 0] = invite.code if invite else ""
    round_ = await judging_round(session, stage_key=stage.key, now=v.now)
    before = entry_stage(v.services.contest, stage)
    cases = await judgeable_cases(session, advancing_at=before.key if before else None)
    titles = {c.case.id: c.title for c in cases}
    waiting = [c.case.id for c in cases if c.case.id not in round_.opened]
    return StageProgress(
        stage, rows, codes, round_.live_case_id, titles.get(round_.live_case_id, ""),
        list(round_.opened), waiting[0] if waiting else None, round_.confirmed_at,
        scoring_open(stage, v.now),
    )  # fmt: skip


async def stage_progress(v: Visit, *, stage_key: str) -> StageProgress:
    """Return every judge's progress on a stage and the live-scoring state."""
    assert v.is_organizer
    stage = judged_stage(v.services.contest, stage_key)
    async with transaction(v.services.sessions) as session:
        return await _progress_in(session, v, stage)


async def _remind_in(session: AsyncSession, v: Visit, stage: Stage) -> int:
    contest = v.services.contest
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
    return written


async def remind_judges(v: Visit, *, stage_key: str) -> int:
    """Write a reminder to every joined judge with cases left to score; return how many."""
    assert v.is_organizer
    stage = judged_stage(v.services.contest, stage_key)
    async with transaction(v.services.sessions) as session:
        written = await _remind_in(session, v, stage)
    wake(v.services)
    return written


async def _open_live_in(session: AsyncSession, v: Visit, stage: Stage, case_id: int) -> int:
    contest = v.services.contest
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
                category=category_name(contest, item.category),
                blind=rules_of(stage).blind,
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
    return written


async def open_live(v: Visit, *, stage_key: str, case_id: int) -> int:
    """Open a case for live scoring and tell its judges; return how many were told."""
    assert v.is_organizer
    stage = judged_stage(v.services.contest, stage_key)
    async with transaction(v.services.sessions) as session:
        written = await _open_live_in(session, v, stage, case_id)
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


async def ranking_data(
    session: AsyncSession, contest: Contest, stage: Stage
) -> tuple[list[JudgedCase], list[Judge], dict[int, dict[int, Decimal]], list[Ranked]]:
    """Load a stage's cases, judges and confirmed totals, and rank them by the file's rule."""
    judging = rules_of(stage)
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


def _ties_of(proposal: dict[str, str]) -> list[tuple[str, list[int]]]:
    raw = proposal.get("_ties", "")
    out: list[tuple[str, list[int]]] = []
    for part in raw.split(";") if raw else []:
        tier, _, ids_ = part.partition("=")
        out.append((tier, [int(i) for i in ids_.split(",") if i]))
    return out


def _stored_ties(proposal: Proposal) -> str:
    return ";".join(f"{tier}={','.join(str(i) for i in group)}" for tier, group in proposal.ties)


async def _ranking_in(
    session: AsyncSession,
    v: Visit,
    stage: Stage,
    change: Change | None = None,
) -> RankingView:
    """Rank a stage; ``change`` (the proposal → the new one, or None) is saved first."""
    contest = v.services.contest
    cases, judges, totals, ranked = await ranking_data(session, contest, stage)
    round_ = await judging_round(session, stage_key=stage.key, now=v.now)
    if change is not None:
        proposal = change(cases, ranked, dict(round_.proposal))
        if proposal is not None:
            round_.proposal = proposal
            await save_round(session, row=round_, now=v.now)
    by_case = {r.case_id: r for r in ranked}
    titles = {c.case.id or 0: c.title for c in cases}
    rows: list[RankRow] = []
    counts: dict[str, int] = defaultdict(int)
    for c in cases:
        case_id = c.case.id or 0
        proposed = round_.proposal.get(str(case_id))
        if proposed is not None:
            counts[category_name(contest, c.category)] += 1
        rows.append(
            RankRow(
                case_id,
                c.title,
                c.unit.party_org,
                c.unit.id or 0,
                category_name(contest, c.category),
                by_case[case_id],
                totals.get(case_id, {}),
                proposed,
            )  # fmt: skip
        )
    outcome = decides(contest, stage)
    tiers = [t.name for t in awarded_tiers(contest)] if outcome is Decides.AWARDS else []
    ties = _ties_of(round_.proposal)
    tie_titles = [(tier, [titles.get(i, str(i)) for i in group]) for tier, group in ties]
    return RankingView(
        stage, outcome, judges, rows, tie_titles, tiers, round_.confirmed_at, dict(counts)
    )


async def ranking(v: Visit, *, stage_key: str) -> RankingView:
    """Rank a stage's cases per category by the file's rule, with the current proposal."""
    assert v.is_organizer
    stage = judged_stage(v.services.contest, stage_key)
    async with transaction(v.services.sessions) as session:
        return await _ranking_in(session, v, stage)


async def _propose_in(session: AsyncSession, v: Visit, stage: Stage) -> RankingView:
    contest = v.services.contest
    made: list[Proposal] = []

    def change(
        _cases: list[JudgedCase], ranked: list[Ranked], _old: dict[str, str]
    ) -> dict[str, str]:
        if decides(contest, stage) is Decides.ADVANCING:
            proposal = propose_advancing(ranked, stage)
        else:
            proposal = propose_awards(ranked, awarded_tiers(contest))
        made.append(proposal)
        chosen = {str(k): tier for k, tier in proposal.chosen.items()}
        if proposal.ties:
            chosen["_ties"] = _stored_ties(proposal)
        return chosen

    view = await _ranking_in(session, v, stage, change)
    await audit(
        session, v, "judging_propose", stage=stage.key, cases=len(made[0].chosen),
        ties=len(made[0].ties),
    )  # fmt: skip
    return view


async def propose(v: Visit, *, stage_key: str) -> RankingView:
    """Propose the top N (or the prize tiers) from the ranking; ties at a cut left open."""
    assert v.is_organizer
    stage = judged_stage(v.services.contest, stage_key)
    async with transaction(v.services.sessions) as session:
        return await _propose_in(session, v, stage)


async def _adjust_in(
    session: AsyncSession, v: Visit, stage: Stage, case_id: int,
    tier: Tier | Callable[[Tier], Tier],
) -> RankingView:  # fmt: skip
    """Adjust the proposal; ``tier`` is a tier (or "", or None) or a function of the current."""
    allowed = {t.name for t in awarded_tiers(v.services.contest)} | {""}
    changed: list[Tier] = []

    def change(
        cases: list[JudgedCase], _ranked: list[Ranked], old: dict[str, str]
    ) -> dict[str, str] | None:
        wanted = tier(old.get(str(case_id))) if callable(tier) else tier
        if case_id not in {c.case.id for c in cases} or (
            wanted is not None and wanted not in allowed
        ):
            return None
        if wanted is None:
            old.pop(str(case_id), None)
        else:
            old[str(case_id)] = wanted
        changed.append(wanted)
        return old

    view = await _ranking_in(session, v, stage, change)
    if changed:
        await audit(session, v, "judging_adjust", stage=stage.key, case=case_id, tier=changed[0])
    return view


async def adjust(v: Visit, *, stage_key: str, case_id: int, tier: str | None) -> RankingView:
    """Put a case in the proposal (a tier, or "" to go on) or take it out (None)."""
    assert v.is_organizer
    stage = judged_stage(v.services.contest, stage_key)
    async with transaction(v.services.sessions) as session:
        return await _adjust_in(session, v, stage, case_id, tier)


@dataclass(frozen=True)
class Confirmed:
    """What confirming a stage's results did."""

    stage: Stage
    decides: Decides
    cases: int
    units: int
    written: int


async def _confirm_in(session: AsyncSession, v: Visit, stage: Stage) -> Confirmed:
    contest = v.services.contest
    outcome = decides(contest, stage)
    cases, _, _, ranked = await ranking_data(session, contest, stage)
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
                session, case_id=case_id, stage_key=stage.key, marked_by=v.person.id, now=v.now,
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
    return Confirmed(stage, outcome, len(chosen), len(by_unit), written)


async def confirm_results(v: Visit, *, stage_key: str) -> Confirmed:
    """Mark exactly the proposed cases (advancing, or their awards) and tell their units once."""
    assert v.is_organizer
    stage = judged_stage(v.services.contest, stage_key)
    async with transaction(v.services.sessions) as session:
        done = await _confirm_in(session, v, stage)
    wake(v.services)
    return done


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


# ---- in a chat: neutral answers ----------------------------------------------------------


@organizers_only()
async def organizer_home(v: Visit) -> Answer:
    """List the judged stages (``/judging``)."""
    stages = v.services.contest.judged_stages
    rows: Rows = [[(s.name, ids.judging(s.key, "p"))] for s in stages]
    rows.append([("org.home", ids.ORG_HOME)])
    values = {"stages": stages}
    return Answer([Reply("judging/org_home.html", values, actions(rows), in_place=True)])


def _progress_reply(view: StageProgress) -> Reply:
    key = view.stage.key
    rows: Rows = [
        [("judging.invite", ids.judging(key, "i")), ("judging.assign", ids.judging(key, "a"))],
        [("judging.remind", ids.judging(key, "r"))],
    ]
    if view.stage.judging is not None and view.stage.judging.live:
        rows.append([("judging.open_next", ids.judging(key, "l"))])
    rows.append([("judging.ranking", ids.judging(key, "k")), ("judging.back", ids.JUDGING_HOME)])
    return Reply("judging/org_stage.html", {"progress": view}, actions(rows))


def _ranking_reply(view: RankingView) -> Reply:
    key = view.stage.key
    rows: Rows = []
    for row in view.rows:
        title = row.title if len(row.title) <= 18 else row.title[:17] + "…"
        toggle = "judging.toggle_out" if row.proposed is None else "judging.toggle_in"
        shown = f"#{row.case_id} {title}" + (f" {row.proposed}" if row.proposed else "")
        rows.append([(label_text(toggle, label=shown), ids.judging(key, "t", row.case_id))])
    rows.append([("judging.propose", ids.judging(key, "pr"))])
    rows.append([("judging.confirm_results", ids.judging(key, "ok"))])
    rows.append([("judging.back", ids.judging(key, "p"))])
    return Reply("judging/org_ranking.html", {"view": view}, actions(rows), in_place=True)


def next_tier(tiers: list[str], current: str | None) -> str | None:
    """Return the tier a press moves a case to: in ↔ out, or through the prize tiers."""
    if not tiers:
        return "" if current is None else None
    cycle: list[str | None] = [*tiers, None]
    return cycle[(cycle.index(current) + 1) % len(cycle)] if current in cycle else tiers[0]


def _done(what: str, **values: Any) -> Reply:
    return Reply("judging/org_done.html", {"what": what, **values})


async def _invite_menu(v: Visit, stage: Stage) -> Answer:
    contest = v.services.contest
    rows: Rows = [[(c.name, ids.judging(stage.key, "ic", c.key))] for c in contest.categories]
    rows.append([("judging.invite_all", ids.judging(stage.key, "ic", "all"))])
    return Answer([Reply("judging/org_home.html", {"stages": [stage]}, actions(rows))])


async def _invite(v: Visit, stage: Stage, category: str) -> Answer:
    code = await invite_judge(v, stage_key=stage.key, categories=[category])
    names = [c.name for c in v.services.contest.categories if c.key in code.judge.categories]
    back = actions([[("judging.back", ids.judging(stage.key, "p"))]])
    values = {"code": code, "categories": names, "link": ""}
    return Answer([Reply("judging/org_code.html", values, back)])


async def _in_stage(v: Visit, stage: Stage, op: str, args: list[str]) -> Answer:
    """Do one stage operation in one transaction (the outbox woken after it, if it wrote)."""
    wakes = op in ("r", "l", "ok")
    async with transaction(v.services.sessions) as session:
        if op == "a":
            counts = await assign_in(session, v, stage)
            after = await _progress_in(session, v, stage)
            replies = [_done("assigned", counts=counts), _progress_reply(after)]
        elif op == "r":
            replies = [_done("reminded", count=await _remind_in(session, v, stage))]
        elif op == "l":
            replies = await _open_next(session, v, stage)
        elif op == "k":
            replies = [_ranking_reply(await _ranking_in(session, v, stage))]
        elif op == "pr":
            replies = [_ranking_reply(await _propose_in(session, v, stage))]
        elif op == "t":
            case_id = int(args[0]) if args and args[0].isdigit() else 0
            tiers = [t.name for t in awarded_tiers(v.services.contest)]
            if decides(v.services.contest, stage) is not Decides.AWARDS:
                tiers = []
            view = await _adjust_in(
                session, v, stage, case_id, lambda current: next_tier(tiers, current)
            )
            replies = [_ranking_reply(view)]
        elif op == "ok":
            done = await _confirm_in(session, v, stage)
            replies = [_done("confirmed", stage=done.stage, count=done.cases, units=done.units)]
        else:
            replies = [_progress_reply(await _progress_in(session, v, stage))]
    if wakes:
        wake(v.services)
    return Answer(replies)


async def _open_next(session: AsyncSession, v: Visit, stage: Stage) -> list[Reply]:
    view = await _progress_in(session, v, stage)
    if view.next_to_open is None:
        return [_done("no_live")]
    count = await _open_live_in(session, v, stage, view.next_to_open)
    after = await _progress_in(session, v, stage)
    return [_done("live", title=after.live_title, count=count), _progress_reply(after)]


@organizers_only()
async def press(v: Visit, *, stage_key: str, op: str, args: list[str]) -> Answer:
    """Do what an organizer's judging button on a stage says (``jud:<stage>:<op>[:…]``)."""
    try:
        stage = judged_stage(v.services.contest, stage_key)
    except JudgingRefused as refused:
        return Answer([refused_reply(refused)])
    if op == "i":
        return await _invite_menu(v, stage)
    if op == "ic":
        return await _invite(v, stage, args[0] if args else "all")
    return await _in_stage(v, stage, op, args)
