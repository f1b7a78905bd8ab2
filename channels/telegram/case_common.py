"""What the Telegram case flows share: the person's own case, the card, the refusals.

The rules and the case use cases are in ``handlers/cases.py`` (its docstring lists the
action ids).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from telegram import Update

from channels.telegram import forms
from channels.telegram.common import Context, Visit, answer, reply, send_replies
from contest.forms import Event
from contest.lifecycle import Verdict
from handlers.cases import (
    EVIDENCE,
    FORM,
    IMPORT,
    CaseView,
    card_actions,
    card_values,
    initial_for,
    list_actions,
    no_unit,
    not_found,
    own_view,
)
from handlers.forms import engine_for
from handlers.replies import Actions
from storage.db import transaction
from storage.forms import delete_form, save_form
from storage.models import Case, Unit


async def own_case(
    update: Update, context: Context, v: Visit, case_id: int | None
) -> CaseView | None:
    """Return the person's own case, or refuse politely (another unit's id, or none)."""
    async with v.services.sessions() as session:
        view = await own_view(session, v, case_id)
    if view is None:
        await answer(update, "cases/not_found_toast.html")
        await send_replies(update, context, [not_found()])
    return view


async def tell_no_unit(update: Update, context: Context, v: Visit, unit: Unit | None) -> None:
    """Explain how to get a unit: an invite link from the organizer, or wait for approval."""
    await answer(update)
    await send_replies(update, context, [no_unit(v, unit)])


def card_markup(view: CaseView) -> Actions:
    """Return the case card's buttons for what may be done now."""
    return card_actions(view)


def list_markup() -> Actions:
    """Return the buttons under a refusal: the case list and the main menu."""
    return list_actions()


async def send_card(
    update: Update, context: Context, v: Visit, view: CaseView, notice: str = "", **extra: Any
) -> None:
    """Send the case card with its buttons."""
    await reply(
        update,
        context,
        "cases/card.html",
        markup=card_markup(view),
        **card_values(v, view, notice, **extra),
    )


async def refuse(
    update: Update, context: Context, v: Visit, view: CaseView, verdict: Verdict, action: str
) -> None:
    """Say why an action on the case cannot be taken now, with the moments that decide it."""
    await answer(update)
    await reply(
        update,
        context,
        "cases/refused.html",
        markup=card_markup(view),
        contest=v.services.contest,
        now=v.now,
        action=action,
        refusal=verdict.refusal.value if verdict.refusal else "",
        window=verdict.window,
        title=view.case.values.get("title") or "",
        case=view.case,
    )


# ------------------------------------------------------------ starting and opening


async def stop_waiting(v: Visit, case_id: int) -> None:
    """Forget that the next message was awaited as evidence or a file for this case."""
    async with transaction(v.services.sessions) as session:
        for form_key in (EVIDENCE, IMPORT):
            await delete_form(
                session, person_id=v.person.id or 0, form_key=form_key, subject_id=case_id
            )


async def open_review(
    update: Update, context: Context, v: Visit, case: Case, field_key: str | None = None
) -> None:
    """Show the case form's review card (a button per field), or edit one field from it."""
    engine = engine_for(v, FORM)
    async with transaction(v.services.sessions) as session:
        initial = await initial_for(session, v, case.id or 0)
        started = engine.start(initial["prefill"], values=initial["values"]).state
        state = dataclasses.replace(started, cursor=None, pieces=(), draft=(), item_index=0)
        if field_key is not None:
            step = engine.edit(state, field_key)
            if step.event is Event.ASKED:
                state = step.state
        await save_form(
            session,
            person_id=v.person.id or 0,
            form_key=FORM,
            subject_id=case.id or 0,
            state=state.to_dict(),
            now=v.now,
        )
    await forms.reask(update, context, v)
