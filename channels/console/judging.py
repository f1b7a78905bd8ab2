"""The console's judging pages: judges score at a desk, organizers run the judged stages.

Judges (``/judge``): their stages and cases; a case page with the case on the left and the
score form on the right, previous / next. Organizers (``/judging``): a stage's progress per
judge, the ranking with the proposal (adjust a case with its button), remind, propose,
confirm, and the score sheet and results list. Every request goes through the use cases in
``handlers/judging.py``, which re-check the judge, the assignment and the organizer right.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable

from aiohttp import web

from channels.console.app import (
    SIGNED,
    Handler,
    _backend,
    _download,
    _message,
    _page,
    judge_signed_in,
    signed_in,
)
from handlers import judging, judging_scoring
from handlers import judging_stage as stages
from handlers.console import Signed
from handlers.judging import JudgingRefused
from handlers.judging_exports import export_score_sheet
from handlers.visits import Visit

Page = Callable[[web.Request, Visit], Awaitable[web.StreamResponse]]


def visited(*, judges: bool) -> Callable[[Page], Handler]:
    """Make the decorator of a judging page: a live session (a judge's too, if ``judges``)
    and CSRF on POST, then the signed-in person's visit, loaded once (403: they are gone)."""
    session_required = judge_signed_in if judges else signed_in

    def decorate(page: Page) -> Handler:
        @functools.wraps(page)
        async def with_visit(request: web.Request) -> web.StreamResponse:
            backend = _backend(request)
            signed: Signed = request[SIGNED]
            v = await judging.console_visit(
                backend.services, person_id=signed.person_id, now=backend.clock()
            )
            if v is None:
                raise web.HTTPForbidden()
            return await page(request, v)

        return session_required(with_visit)

    return decorate


def _refused(request: web.Request, refused: JudgingRefused) -> web.Response:
    return _page(
        request, "judge_refused.j2", status=403, refusal=refused.refusal.value, stage=refused.stage
    )


def _ids(request: web.Request) -> tuple[int, int]:
    return int(request.match_info["judge_id"]), int(request.match_info["case_id"])


# ---- judges ----------------------------------------------------------------------------


@visited(judges=True)
async def judge_home(request: web.Request, v: Visit) -> web.Response:
    """评审: the judge's stages and cases."""
    work = await judging_scoring.judge_home(v)
    lists = []
    for w in work:
        _, _, rows = await judging_scoring.judge_cases(v, judge_id=w.judge.id or 0)
        lists.append((w, rows))
    return _page(request, "judge_home.j2", lists=lists)


@visited(judges=True)
async def judge_case(request: web.Request, v: Visit) -> web.Response:
    """One case: the text on the left, the score form on the right."""
    judge_id, case_id = _ids(request)
    try:
        view = await judging_scoring.case_for_judge(v, judge_id=judge_id, case_id=case_id)
    except JudgingRefused as refused:
        return _refused(request, refused)
    return _page(request, "judge_case.j2", view=view, step=None, saved=False)


@visited(judges=True)
async def judge_score(request: web.Request, v: Visit) -> web.Response:
    """Take the score form: every criterion and the comment, confirmed at once."""
    judge_id, case_id = _ids(request)
    form = await request.post()
    try:
        view = await judging_scoring.case_for_judge(v, judge_id=judge_id, case_id=case_id)
        given = {c.key: str(form.get(f"score-{c.key}", ""))[:20] for c in view.criteria}
        step = await judging_scoring.score_all(
            v, judge_id=judge_id, case_id=case_id, given=given,
            comment=str(form.get("comment", ""))[: judging_scoring.COMMENT_LIMIT],
        )  # fmt: skip
    except JudgingRefused as refused:
        return _refused(request, refused)
    status = 200 if step.problem is None else 400
    return _page(
        request, "judge_case.j2", status=status, view=step.view, step=step,
        saved=step.problem is None, given=given,
    )  # fmt: skip


# ---- organizers --------------------------------------------------------------------------


@signed_in
async def judging_home(request: web.Request) -> web.Response:
    """评审管理: the judged stages."""
    backend = _backend(request)
    return _page(request, "judging.j2", stages=backend.contest.judged_stages)


async def _stage_page(
    request: web.Request, v: Visit, stage_key: str, **extra: object
) -> web.Response:
    progress = await stages.stage_progress(v, stage_key=stage_key)
    view = await stages.ranking(v, stage_key=stage_key)
    return _page(request, "judging_stage.j2", progress=progress, view=view, **extra)


@visited(judges=False)
async def judging_stage(request: web.Request, v: Visit) -> web.Response:
    """A judged stage: progress per judge, the ranking and the proposal."""
    try:
        return await _stage_page(request, v, request.match_info["stage"])
    except JudgingRefused:
        return _message(request, "no_export", 404)


@visited(judges=False)
async def judging_action(request: web.Request, v: Visit) -> web.Response:
    """Remind, propose, adjust a case, confirm (POST, CSRF-checked)."""
    stage_key = request.match_info["stage"]
    form = await request.post()
    op = str(form.get("op", ""))
    done: dict[str, object] = {}
    try:
        if op == "remind":
            done["reminded"] = await stages.remind_judges(v, stage_key=stage_key)
        elif op == "propose":
            await stages.propose(v, stage_key=stage_key)
        elif op == "adjust":
            case_id = str(form.get("case", ""))
            tier = str(form.get("tier", "-"))
            await stages.adjust(
                v, stage_key=stage_key, case_id=int(case_id) if case_id.isdigit() else 0,
                tier=None if tier == "-" else tier,
            )  # fmt: skip
        elif op == "confirm":
            done["confirmed"] = await stages.confirm_results(v, stage_key=stage_key)
        return await _stage_page(request, v, stage_key, **done)
    except JudgingRefused:
        return _message(request, "no_export", 404)


@signed_in
async def judging_export(request: web.Request) -> web.StreamResponse:
    """The score sheet or the results list of a stage."""
    backend = _backend(request)
    signed: Signed = request[SIGNED]
    try:
        file = await export_score_sheet(
            sessions=backend.services.sessions, contest=backend.contest,
            stage_key=request.match_info["stage"], now=backend.clock(), who=signed.person_id,
            results=request.match_info["kind"] == "results",
        )  # fmt: skip
    except JudgingRefused:
        return _message(request, "no_export", 404)
    return _download(file)


def judging_routes(app: web.Application) -> None:
    """Add the judging pages to the console app."""
    case = r"/judge/{judge_id:\d{1,9}}/{case_id:\d{1,9}}"
    app.router.add_get("/judge", judge_home)
    app.router.add_get(case, judge_case)
    app.router.add_post(case, judge_score)
    app.router.add_get("/judging", judging_home)
    app.router.add_get(r"/judging/{stage:[a-z][a-z0-9_]{0,31}}", judging_stage)
    app.router.add_post(r"/judging/{stage:[a-z][a-z0-9_]{0,31}}", judging_action)
    app.router.add_get(
        r"/judging/{stage:[a-z][a-z0-9_]{0,31}}/{kind:scores|results}.xlsx", judging_export
    )
