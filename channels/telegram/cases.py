"""The cases flow: a unit's cases, starting one, its card, and drafting it field by field.

The 参赛案例说明书 is the contest's ``case`` form, run by the shared form engine
(handlers/forms.py). This module adds what only a case knows: prefills from the unit, the
team lead and the contact person; the re-entry check; 字数 and restricted words beside
every field (``form/extras/case.html``); storing the draft after every answer; and the
case card on confirm. The restricted-word list with its evidence buttons lives here too.

Preview, export and import are in ``handlers/case_documents.py``; submit, withdraw, the
deadline guard, the stage-close copies and /todo in ``handlers/case_lifecycle.py``. Both
are registered from :func:`register`. The callback data scheme is in
``handlers/case_common.py``; the lifecycle's state diagram in ``docs/cases.md``.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler

from channels.telegram import case_documents, case_lifecycle, forms
from channels.telegram.case_common import (
    card_markup,
    open_review,
    own_case,
    refuse,
    send_card,
    stop_waiting,
    tell_no_unit,
)
from channels.telegram.common import (
    Button,
    Context,
    Visit,
    answer,
    callback_parts,
    int_part,
    keyboard,
    reply,
    send_replies,
    show,
    visit,
)
from channels.telegram.forms import open_form
from contest.lifecycle import (
    find_hit,
    hit_views,
    may_create,
)
from handlers import cases
from handlers.cases import (
    EVIDENCE,
    FORM,
    CaseView,
    card_values,
    case_button,
    case_view,
    unit_for,
    unit_ready,
)
from messages import label
from storage.cases import (
    list_cases,
    record_evidence,
    unit_case,
)
from storage.db import transaction
from storage.forms import delete_form, save_form
from storage.models import FormProgress

EVIDENCE_MIN = 4
EVIDENCE_MAX = 1000


# ------------------------------------------------------------------------ the list


async def show_cases(update: Update, context: Context) -> None:
    """Lists the unit's cases with their status and how complete each is."""
    v = await visit(update, context)
    async with v.services.sessions() as session:
        unit = await unit_for(session, v)
        if not unit_ready(unit):
            views: list[CaseView] = []
        else:
            assert unit is not None and unit.id is not None
            cases = await list_cases(session, unit_id=unit.id)
            views = [await case_view(session, v, case) for case in cases]
    if not unit_ready(unit):
        await tell_no_unit(update, context, v, unit)
        return
    await answer(update)
    rows: list[list[Button]] = [[(case_button(x.case), f"case:{x.case_id}")] for x in views]
    creation = may_create(v.services.contest, v.now, existing=len(views))
    if creation.allowed:
        rows.append([("case.new", "case:new")])
    rows.append([("menu.todo", "menu:todo"), ("menu.back", "menu:main")])
    await show(
        update,
        context,
        "cases/list.html",
        markup=keyboard(rows),
        contest=v.services.contest,
        now=v.now,
        views=views,
        creation=creation,
    )


async def new_case(update: Update, context: Context) -> None:
    """Starts a new case for the person's unit and asks its first field."""
    v = await visit(update, context)
    outcome = await cases.new_case(v)
    await answer(update, outcome.toast)
    await send_replies(update, context, outcome.replies)


# ------------------------------------------------------------------------ the card


async def open_case(update: Update, context: Context) -> None:
    """Shows one case: status, completeness, 字数, deadline and what may be done now."""
    v = await visit(update, context)
    view = await own_case(update, context, v, int_part(callback_parts(update), 1))
    if view is None:
        return
    await stop_waiting(v, view.case_id)
    await answer(update)
    await show(
        update, context, "cases/card.html", markup=card_markup(view), **card_values(v, view)
    )


async def edit_case(update: Update, context: Context) -> None:
    """Opens the case form where the person left it (or on the review card)."""
    v = await visit(update, context)
    view = await own_case(update, context, v, int_part(callback_parts(update), 1))
    if view is None:
        return
    if not view.standing.edit.allowed:
        await refuse(update, context, v, view, view.standing.edit, "edit")
        return
    await answer(update)
    await stop_waiting(v, view.case_id)
    await open_form(update, context, v, FORM, view.case_id)


async def fix_field(update: Update, context: Context) -> None:
    """Opens one field of the case for rewriting (from the restricted-word list)."""
    v = await visit(update, context)
    parts = callback_parts(update)
    view = await own_case(update, context, v, int_part(parts, 1))
    if view is None:
        return
    if not view.standing.edit.allowed:
        await refuse(update, context, v, view, view.standing.edit, "edit")
        return
    await answer(update)
    await stop_waiting(v, view.case_id)
    await open_review(update, context, v, view.case, parts[3] if len(parts) > 3 else None)


# ------------------------------------------------------------ restricted words


async def show_wording(update: Update, context: Context) -> None:
    """Lists the restricted words still open, each with buttons: give evidence, or rewrite."""
    v = await visit(update, context)
    view = await own_case(update, context, v, int_part(callback_parts(update), 1))
    if view is None:
        return
    await stop_waiting(v, view.case_id)
    if not view.standing.edit.allowed:
        await refuse(update, context, v, view, view.standing.edit, "edit")
        return
    await answer(update)
    await send_wording(update, context, v, view)


async def send_wording(
    update: Update, context: Context, v: Visit, view: CaseView, saved: str = ""
) -> None:
    """Send the list of restricted-word uses of a case with a row of buttons per open one."""
    contest = v.services.contest
    case_id = view.case_id
    views = hit_views(view.standing.hits, view.case.evidence)
    rows: list[list[Button]] = []
    number = 0
    for item in views:
        number += 1
        if not item.resolved:
            rows.append(
                [
                    (label("case.evidence", label=number), f"case:{case_id}:ev:{item.hit.hit_id}"),
                    (label("case.rewrite", label=number), f"case:{case_id}:fix:{item.hit.field}"),
                ]
            )
    rows.append([("case.back", f"case:{case_id}")])
    labels = {f.key: f.label for f in contest.forms.case.fields}
    await reply(
        update,
        context,
        "cases/wording.html",
        markup=keyboard(rows),
        contest=contest,
        hits=views,
        labels=labels,
        saved=saved,
        title=view.case.values.get("title") or "",
    )


async def ask_evidence(update: Update, context: Context) -> None:
    """Waits for the evidence (依据) of one restricted-word use: the next message."""
    v = await visit(update, context)
    parts = callback_parts(update)
    view = await own_case(update, context, v, int_part(parts, 1))
    if view is None:
        return
    if not view.standing.edit.allowed:
        await refuse(update, context, v, view, view.standing.edit, "edit")
        return
    await answer(update)
    contest = v.services.contest
    hit = find_hit(contest, view.case.values, parts[3] if len(parts) > 3 else "")
    if hit is None:
        await reply(update, context, "cases/hit_gone.html")
        await send_wording(update, context, v, view)
        return
    async with transaction(v.services.sessions) as session:
        await save_form(
            session,
            person_id=v.person.id or 0,
            form_key=EVIDENCE,
            subject_id=view.case_id,
            state={"hit_id": hit.hit_id},
            now=v.now,
        )
    (hit_view,) = hit_views([hit], {})
    await reply(
        update,
        context,
        "cases/evidence_prompt.html",
        markup=keyboard([[("case.cancel", f"case:{view.case_id}:words")]]),
        contest=contest,
        hit=hit_view,
        field_label=contest.forms.case.field(hit.field).label,
        min_length=EVIDENCE_MIN,
    )


async def take_evidence(
    update: Update, context: Context, v: Visit, progress: FormProgress
) -> None:
    """Stores the typed message as the evidence awaited, then lists what is still open."""
    message = update.effective_message
    text = (message.text or "").strip() if message else ""
    hit_id = str(progress.state.get("hit_id") or "")
    view = await own_case(update, context, v, progress.subject_id)
    if view is None or not view.standing.edit.allowed:
        await _forget(v, progress)
        if view is not None:
            await refuse(update, context, v, view, view.standing.edit, "edit")
        return
    contest = v.services.contest
    hit = find_hit(contest, view.case.values, hit_id)
    if hit is None:
        await _forget(v, progress)
        await reply(update, context, "cases/hit_gone.html")
        await send_wording(update, context, v, view)
        return
    if not EVIDENCE_MIN <= len(text) <= EVIDENCE_MAX:
        await reply(
            update,
            context,
            "cases/evidence_error.html",
            markup=keyboard([[("case.cancel", f"case:{view.case_id}:words")]]),
            length=len(text),
            min_length=EVIDENCE_MIN,
            max_length=EVIDENCE_MAX,
        )
        return
    async with transaction(v.services.sessions) as session:
        case = await unit_case(session, case_id=view.case_id, unit_id=v.person.unit_id)
        assert case is not None
        await record_evidence(session, case=case, hit_id=hit.hit_id, text=text, now=v.now)
        await delete_form(
            session, person_id=v.person.id or 0, form_key=EVIDENCE, subject_id=view.case_id
        )
        view = await case_view(session, v, case)
    if view.standing.open_hits:
        await send_wording(update, context, v, view, saved=hit.phrase)
    else:
        await send_card(update, context, v, view, "evidence_done", phrase=hit.phrase)


async def _forget(v: Visit, progress: FormProgress) -> None:
    async with transaction(v.services.sessions) as session:
        await delete_form(
            session,
            person_id=progress.person_id,
            form_key=progress.form_key,
            subject_id=progress.subject_id,
        )


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Adds the case list, the case card, drafting, and the document and lifecycle flows."""
    cases.register_forms()
    forms.TEXT_HOOKS[EVIDENCE] = take_evidence
    case_lifecycle.register(app)
    app.add_handler(CallbackQueryHandler(show_cases, pattern=r"^menu:cases$"))
    app.add_handler(CallbackQueryHandler(new_case, pattern=r"^case:new$"))
    app.add_handler(CallbackQueryHandler(open_case, pattern=r"^case:\d+$"))
    app.add_handler(CallbackQueryHandler(edit_case, pattern=r"^case:\d+:edit$"))
    app.add_handler(CallbackQueryHandler(fix_field, pattern=r"^case:\d+:fix:[a-z0-9_]+$"))
    app.add_handler(CallbackQueryHandler(show_wording, pattern=r"^case:\d+:words$"))
    app.add_handler(CallbackQueryHandler(ask_evidence, pattern=r"^case:\d+:ev:[0-9a-f]+$"))
    case_documents.register(app)
    app.add_handler(CallbackQueryHandler(case_lifecycle.stale_button, pattern=r"^case:"))
