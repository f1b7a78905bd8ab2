"""Judging on the phone: judges score their cases, organizers run the judged stages.

Judges: ``/judge`` or ``jdg:home`` (their stages and the next case), ``jdg:c:<judge>:<case>``
(read a case), ``jdg:s:…`` (begin scoring), ``jdg:v:<judge>:<case>:<criterion no.>:<score>``
(a score from a button; typed numbers are taken too), ``jdg:k:…`` (no comment),
``jdg:ok:…`` (confirm the review card). Organizers: ``/judging`` or ``jud:home``, then
``jud:<stage>:<op>``: ``p`` progress, ``i`` / ``ic:<category>`` a judge code, ``a`` assign,
``r`` remind, ``l`` open the next case for live scoring, ``k`` ranking, ``pr`` propose,
``t:<case>`` adjust, ``ok`` confirm. The use cases (``handlers/judging.py``) re-check the
judge, the assignment and the organizer right for every id.
"""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from channels.telegram.common import (
    Context,
    Visit,
    answer,
    callback_parts,
    int_part,
    keyboard,
    reply,
    require_organizer,
    show,
    visit,
)
from contest.judging import points, quick_scores
from handlers import actions as ids
from handlers import judging as use
from handlers.console import issue_login_link
from handlers.judging import CARD, COMMENT, CaseForJudge, JudgingRefused, Step
from messages import label

Rows = list[list[tuple[str, str]]]


async def _refused(update: Update, context: Context, refused: JudgingRefused) -> None:
    await reply(
        update, context, "judging/refused.html", refusal=refused.refusal.value,
        stage=refused.stage, markup=keyboard([[("judging.home", ids.JUDGE_HOME)]]),
    )  # fmt: skip


# ---- judges ---------------------------------------------------------------------------


async def home(update: Update, context: Context) -> None:
    """Shows the stages this person judges and offers the next case."""
    v = await visit(update, context)
    await answer(update)
    work = await use.judge_home(v)
    rows: Rows = []
    for w in work:
        judge_id = w.judge.id or 0
        if w.live_case is not None and w.open:
            rows.append([("judging.score", ids.judge(ids.JUDGE_SCORE, judge_id, w.live_case))])
        elif w.next_case is not None:
            rows.append([("judging.start", ids.judge(ids.JUDGE_CASE, judge_id, w.next_case))])
    if work and v.services.settings.console_url is not None:
        rows.append([("judging.desk", ids.JUDGE_DESK)])
    await show(update, context, "judging/home.html", markup=keyboard(rows), work=work)


async def desk(update: Update, context: Context) -> None:
    """Sends a judge a one-time link to score in the web console, on a computer."""
    v = await visit(update, context)
    await answer(update)
    base = v.services.settings.console_url
    link = None
    if base is not None:
        link = await issue_login_link(
            sessions=v.services.sessions, who=v.person,
            configured=v.services.is_configured_organizer, now=v.now,
        )  # fmt: skip
    if base is None or link is None:
        await reply(update, context, "judging/refused.html", refusal="not_judge", stage=None)
        return
    url = f"{base}/login?token={link.token}"
    await reply(update, context, "judging/desk_link.html", url=url, expires_at=link.expires_at)


def _case_rows(view: CaseForJudge) -> Rows:
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
    return rows


async def _show_step(update: Update, context: Context, step: Step) -> None:
    """Say what comes next: a criterion, the comment, the review card."""
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
        rows: Rows = [buttons[:3], buttons[3:]]
        await reply(
            update, context, "judging/ask.html", markup=keyboard(rows), view=view,
            problem=step.problem.value if step.problem else None, criterion=step.criterion,
        )  # fmt: skip
    elif asking == COMMENT:
        skip = [[("judging.skip_comment", ids.judge(ids.JUDGE_SKIP, judge_id, view.case_id))]]
        await reply(update, context, "judging/ask_comment.html", markup=keyboard(skip), view=view)
    elif asking == CARD:
        rows = [
            [("judging.confirm", ids.judge(ids.JUDGE_CONFIRM, judge_id, view.case_id))],
            [("judging.again", ids.judge(ids.JUDGE_SCORE, judge_id, view.case_id))],
        ]
        await reply(update, context, "judging/card.html", markup=keyboard(rows), view=view)
    else:
        await reply(
            update, context, "judging/case.html", markup=keyboard(_case_rows(view)), view=view
        )


async def on_judge(update: Update, context: Context) -> None:
    """Handles a judge's buttons on a case."""
    v = await visit(update, context)
    await answer(update)
    parts = callback_parts(update)
    op = parts[1] if len(parts) > 1 else ""
    judge_id, case_id = int_part(parts, 2), int_part(parts, 3)
    if judge_id is None or case_id is None:
        await home(update, context)
        return
    try:
        if op == ids.JUDGE_CASE:
            await use.stop_typing(v)
            view = await use.case_for_judge(v, judge_id=judge_id, case_id=case_id)
            await show(
                update, context, "judging/case.html", markup=keyboard(_case_rows(view)), view=view
            )
        elif op == ids.JUDGE_SCORE:
            view = await use.start_scoring(v, judge_id=judge_id, case_id=case_id)
            await reply(update, context, "judging/case.html", view=view)
            await _show_step(update, context, Step(view))
        elif op == ids.JUDGE_VALUE:
            step = await use.give_score(
                v, judge_id=judge_id, case_id=case_id,
                criterion_key=parts[4] if len(parts) > 4 else "",
                text=parts[5] if len(parts) > 5 else "",
            )  # fmt: skip
            await _show_step(update, context, step)
        elif op == ids.JUDGE_SKIP:
            await _show_step(
                update, context, await use.give_comment(v, judge_id=judge_id, case_id=case_id,
                                                        text=None)
            )  # fmt: skip
        elif op == ids.JUDGE_CONFIRM:
            await _confirm(update, context, v, judge_id, case_id)
    except JudgingRefused as refused:
        await _refused(update, context, refused)


async def _confirm(update: Update, context: Context, v: Visit, judge_id: int, case_id: int) -> None:
    view = await use.confirm_score(v, judge_id=judge_id, case_id=case_id)
    work = next((w for w in await use.judge_home(v) if w.judge.id == judge_id), None)
    rows: Rows = []
    if work is not None and work.next_case is not None:
        rows.append([("judging.next", ids.judge(ids.JUDGE_CASE, judge_id, work.next_case))])
    rows.append([("judging.home", ids.JUDGE_HOME)])
    done = work is not None and work.scored == work.assigned
    await reply(
        update, context, "judging/confirmed.html", markup=keyboard(rows), view=view, done=done
    )


async def on_typed(update: Update, context: Context, v: Visit, progress: Any) -> None:
    """Takes a typed score or comment while a judge is scoring (``questions.on_text``)."""
    message = update.effective_message
    assert message is not None and message.text is not None
    try:
        step = await use.typed(v, state=progress.state, text=message.text)
    except JudgingRefused as refused:
        await use.stop_typing(v)
        await _refused(update, context, refused)
        return
    await _show_step(update, context, step)


# ---- organizers -------------------------------------------------------------------------


async def _organizer(update: Update, context: Context) -> Visit | None:
    v = await visit(update, context)
    if not await require_organizer(update, context, v):
        return None
    return v


async def organizer_home(update: Update, context: Context) -> None:
    """Lists the judged stages."""
    v = await _organizer(update, context)
    if v is None:
        return
    await answer(update)
    stages = v.services.contest.judged_stages
    rows: Rows = [[(s.name, ids.judging(s.key, "p"))] for s in stages]
    rows.append([("org.home", ids.ORG_HOME)])
    await show(update, context, "judging/org_home.html", markup=keyboard(rows), stages=stages)


def _stage_rows(stage_key: str, live: bool) -> Rows:
    rows: Rows = [
        [
            ("judging.invite", ids.judging(stage_key, "i")),
            ("judging.assign", ids.judging(stage_key, "a")),
        ],
        [("judging.remind", ids.judging(stage_key, "r"))],
    ]
    if live:
        rows.append([("judging.open_next", ids.judging(stage_key, "l"))])
    rows.append(
        [("judging.ranking", ids.judging(stage_key, "k")), ("judging.back", ids.JUDGING_HOME)]
    )
    return rows


async def _progress(update: Update, context: Context, v: Visit, stage_key: str) -> None:
    view = await use.stage_progress(v, stage_key=stage_key)
    markup = keyboard(_stage_rows(stage_key, bool(view.stage.judging and view.stage.judging.live)))
    await reply(update, context, "judging/org_stage.html", markup=markup, progress=view)


def _ranking_rows(stage_key: str, view: use.RankingView) -> Rows:
    rows: Rows = []
    for row in view.rows:
        title = row.title if len(row.title) <= 18 else row.title[:17] + "…"
        key = "judging.toggle_out" if row.proposed is None else "judging.toggle_in"
        shown_label = f"#{row.case_id} {title}" + (f" {row.proposed}" if row.proposed else "")
        rows.append([(label(key, label=shown_label), ids.judging(stage_key, "t", row.case_id))])
    rows.append([("judging.propose", ids.judging(stage_key, "pr"))])
    rows.append([("judging.confirm_results", ids.judging(stage_key, "ok"))])
    rows.append([("judging.back", ids.judging(stage_key, "p"))])
    return rows


def _next_tier(view: use.RankingView, current: str | None) -> str | None:
    """Return the tier a press moves a case to: in ↔ out, or through the prize tiers."""
    if not view.tiers:
        return "" if current is None else None
    cycle: list[str | None] = [*view.tiers, None]
    return cycle[(cycle.index(current) + 1) % len(cycle)] if current in cycle else view.tiers[0]


async def on_organizer(update: Update, context: Context) -> None:
    """Handles the organizers' judging buttons on a stage."""
    v = await _organizer(update, context)
    if v is None:
        return
    await answer(update)
    parts = callback_parts(update)
    stage_key, op = (parts[1] if len(parts) > 1 else ""), (parts[2] if len(parts) > 2 else "")
    contest = v.services.contest
    try:
        stage = use.judged_stage(contest, stage_key)
        if op == "i":
            rows: Rows = [
                [(c.name, ids.judging(stage.key, "ic", c.key))] for c in contest.categories
            ]
            rows.append([("judging.invite_all", ids.judging(stage.key, "ic", "all"))])
            await reply(
                update, context, "judging/org_home.html", markup=keyboard(rows), stages=[stage]
            )
        elif op == "ic":
            category = parts[3] if len(parts) > 3 else "all"
            code = await use.invite_judge(v, stage_key=stage.key, categories=[category])
            names = [c.name for c in contest.categories if c.key in code.judge.categories]
            await reply(
                update, context, "judging/org_code.html", code=code, categories=names, link="",
                markup=keyboard([[("judging.back", ids.judging(stage.key, "p"))]]),
            )  # fmt: skip
        elif op == "a":
            counts = await use.assign_stage(v, stage_key=stage.key)
            await reply(update, context, "judging/org_done.html", what="assigned", counts=counts)
            await _progress(update, context, v, stage.key)
        elif op == "r":
            count = await use.remind_judges(v, stage_key=stage.key)
            await reply(update, context, "judging/org_done.html", what="reminded", count=count)
        elif op == "l":
            await _open_next(update, context, v, stage.key)
        elif op in ("k", "pr", "t"):
            if op == "pr":
                view = await use.propose(v, stage_key=stage.key)
            elif op == "t":
                current = await use.ranking(v, stage_key=stage.key)
                case_id = int_part(parts, 3) or 0
                row = next((r for r in current.rows if r.case_id == case_id), None)
                tier = _next_tier(current, row.proposed if row else None)
                view = await use.adjust(v, stage_key=stage.key, case_id=case_id, tier=tier)
            else:
                view = await use.ranking(v, stage_key=stage.key)
            await show(
                update, context, "judging/org_ranking.html",
                markup=keyboard(_ranking_rows(stage.key, view)), view=view,
            )  # fmt: skip
        elif op == "ok":
            done = await use.confirm_results(v, stage_key=stage.key)
            await reply(
                update, context, "judging/org_done.html", what="confirmed", stage=done.stage,
                count=done.cases, units=done.units,
            )  # fmt: skip
        else:
            await _progress(update, context, v, stage.key)
    except JudgingRefused as refused:
        await _refused(update, context, refused)


async def _open_next(update: Update, context: Context, v: Visit, stage_key: str) -> None:
    view = await use.stage_progress(v, stage_key=stage_key)
    if view.next_to_open is None:
        await reply(update, context, "judging/org_done.html", what="no_live")
        return
    count = await use.open_live(v, stage_key=stage_key, case_id=view.next_to_open)
    after = await use.stage_progress(v, stage_key=stage_key)
    await reply(
        update, context, "judging/org_done.html", what="live", title=after.live_title, count=count
    )
    await _progress(update, context, v, stage_key)


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Adds /judge, /judging and their buttons."""
    app.add_handler(CommandHandler("judge", home))
    app.add_handler(CommandHandler("judging", organizer_home))
    app.add_handler(CallbackQueryHandler(home, pattern=rf"^{ids.JUDGE_HOME}$"))
    app.add_handler(CallbackQueryHandler(desk, pattern=rf"^{ids.JUDGE_DESK}$"))
    app.add_handler(CallbackQueryHandler(on_judge, pattern=rf"^{ids.JUDGE}:"))
    app.add_handler(CallbackQueryHandler(organizer_home, pattern=rf"^{ids.JUDGING_HOME}$"))
    app.add_handler(CallbackQueryHandler(on_organizer, pattern=rf"^{ids.JUDGING}:"))
