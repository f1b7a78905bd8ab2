"""What the case flows share: the person's own case (ownership re-checked), where it stands,
its card, and the polite refusals.

Callback data of the case flows (all ids re-checked against the pressing person's unit):

    menu:cases                 the unit's cases          case:new              start a case
    case:<id>                  the case card             case:<id>:edit        fill in / resume
    case:<id>:fix:<field>      rewrite one field         case:<id>:words       restricted words
    case:<id>:ev:<hit_id>      give evidence for a use   case:<id>:preview     the whole text
    case:<id>:docx             export the .docx          case:<id>:import      await a .docx
    case:<id>:upload           import the file just sent case:new:upload       … into a new case
    case:<id>:submit           submit                    case:<id>:withdraw    ask to withdraw
    case:<id>:withdraw:yes     withdraw                  menu:todo             what to do now
    team:<id>                  the team (handlers/team.py)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import InlineKeyboardMarkup, Update

from contest.forms import Event
from contest.lifecycle import Standing, Verdict, initial_values, standing
from contest.team import Member
from handlers import forms
from handlers.common import Button, Context, Visit, answer, keyboard, reply
from handlers.forms import engine_for
from messages import label
from storage.cases import create_case, is_advancing, unit_case
from storage.db import transaction
from storage.forms import delete_form, save_form
from storage.models import Case, Unit, UnitStatus
from storage.team import domain_members, lead_of, list_members
from storage.units import get_unit

FORM = "case"  # the case form (contest.forms.case)
EVIDENCE = "case_evidence"  # waiting for the evidence (依据) of one restricted-word use
IMPORT = "case_import"  # waiting for a .docx to import into one case
UPLOAD = "case_upload"  # a .docx sent without a case: which case should take it?
CASE_FORMS = (FORM, EVIDENCE, IMPORT)
TITLE_IN_BUTTON = 24

# The evidence of the case whose form this update is filling in, read once at the edge by
# the handler (or the guard in front of the form handlers), so that the form's synchronous
# ``extras`` hook can tell resolved restricted words from open ones.
_evidence: ContextVar[tuple[int, dict[str, str]] | None] = ContextVar("case_evidence", default=None)


def remember_evidence(case: Case) -> None:
    """Keep this case's evidence for the rest of the update (see ``known_evidence``)."""
    _evidence.set((case.id or 0, dict(case.evidence)))


def known_evidence(case_id: int) -> dict[str, str] | None:
    """Return the evidence of this case if this update has read it, else None."""
    held = _evidence.get()
    return held[1] if held is not None and held[0] == case_id else None


@dataclass(frozen=True)
class CaseView:
    """One case with where it stands at this update's moment."""

    case: Case
    members: list[Member]
    advancing: bool
    standing: Standing

    @property
    def case_id(self) -> int:
        """Return the case's id."""
        return self.case.id or 0


async def case_view(session: AsyncSession, v: Visit, case: Case) -> CaseView:
    """Return where this case stands now."""
    case_id = case.id or 0
    members = domain_members(await list_members(session, case_id=case_id))
    advancing = await is_advancing(session, case_id=case_id)
    where = standing(
        v.services.contest,
        status=case.status,
        values=case.values,
        evidence=case.evidence,
        members=members,
        advancing=advancing,
        now=v.now,
    )
    return CaseView(case, members, advancing, where)


async def own_case(
    update: Update, context: Context, v: Visit, case_id: int | None
) -> CaseView | None:
    """Return the person's own case, or refuse politely (another unit's id, or none)."""
    view = None
    if case_id is not None:
        async with v.services.sessions() as session:
            case = await unit_case(session, case_id=case_id, unit_id=v.person.unit_id)
            if case is not None:
                view = await case_view(session, v, case)
    if view is None:
        await answer(update, "cases/not_found_toast.html")
        await reply(update, context, "cases/not_found.html", markup=list_markup())
        return None
    remember_evidence(view.case)
    return view


async def unit_for(session: AsyncSession, v: Visit) -> Unit | None:
    """Return the person's unit, if they have one."""
    if v.person.unit_id is None:
        return None
    return await get_unit(session, unit_id=v.person.unit_id)


def unit_ready(unit: Unit | None) -> bool:
    """Tell whether a unit may draft cases (it exists and is not awaiting confirmation)."""
    return unit is not None and unit.status != UnitStatus.PENDING


async def tell_no_unit(update: Update, context: Context, v: Visit, unit: Unit | None) -> None:
    """Explain how to get a unit: an invite link from the organizer, or wait for approval."""
    await answer(update)
    await reply(
        update,
        context,
        "cases/no_unit.html",
        markup=keyboard([[("menu.register", "menu:register"), ("menu.back", "menu:main")]]),
        contest=v.services.contest,
        pending=unit is not None,
    )


def short_title(case: Case) -> str:
    """Return the case title cut to fit a button, or "" if it has none yet."""
    title = str(case.values.get("title") or "")
    return title if len(title) <= TITLE_IN_BUTTON else title[: TITLE_IN_BUTTON - 1] + "…"


def case_button(case: Case) -> str:
    """Return the label of a button that opens this case."""
    return label("case.open", label=short_title(case) or label("case.untitled", label=case.id))


def list_markup() -> InlineKeyboardMarkup:
    """Return the buttons under a refusal: the case list and the main menu."""
    return keyboard([[("menu.cases", "menu:cases"), ("menu.back", "menu:main")]])


def card_markup(view: CaseView) -> InlineKeyboardMarkup:
    """Return the case card's buttons for what may be done now."""
    case_id = view.case_id
    where = view.standing
    prefix = f"case:{case_id}"
    rows: list[list[Button]] = []
    if where.edit.allowed:
        rows.append([("case.edit", f"{prefix}:edit"), ("case.import", f"{prefix}:import")])
        if where.open_hits:
            count = label("case.wording", label=len(where.open_hits))
            rows.append([(count, f"{prefix}:words")])
    if not where.submitted and where.window.is_open:
        rows.append([("case.submit", f"{prefix}:submit")])
    if where.submitted and where.window.is_open:
        rows.append([("case.withdraw", f"{prefix}:withdraw")])
    rows.append([("case.preview", f"{prefix}:preview"), ("case.export", f"{prefix}:docx")])
    rows.append([("case.team", f"team:{case_id}"), ("menu.cases", "menu:cases")])
    return keyboard(rows)


def card_values(v: Visit, view: CaseView, notice: str = "", **extra: Any) -> dict[str, Any]:
    """Return the context of the case card."""
    contest = v.services.contest
    category = contest.category(str(view.case.values.get("category") or ""))
    return {
        "contest": contest,
        "now": v.now,
        "case": view.case,
        "title": view.case.values.get("title") or "",
        "category": category.name if category else "",
        "where": view.standing,
        "members": len(view.members),
        "notice": notice,
        **extra,
    }


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


async def start_case(v: Visit, values: Mapping[str, Any] | None = None) -> Case:
    """Create a draft case for the person's unit, prefilled (and with ``values`` if given)."""
    assert v.person.unit_id is not None
    async with transaction(v.services.sessions) as session:
        prefill = await prefill_for(session, v, None)
        first = initial_values(v.services.contest, prefill, now=v.now)
        return await create_case(
            session,
            unit_id=v.person.unit_id,
            created_by=v.person.id,
            values={**first, **(values or {})},
            now=v.now,
        )


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
    remember_evidence(case)
    await forms.reask(update, context, v)


async def prefill_for(session: AsyncSession, v: Visit, case_id: int | None) -> dict[str, object]:
    """Return the values the prefill sources give: unit, team lead, contact person."""
    prefill: dict[str, object] = {
        "contact.name": v.person.name,
        "contact.title": v.person.title,
        "contact.office_phone": v.person.office_phone,
        "contact.mobile": v.person.mobile,
    }
    unit = await unit_for(session, v)
    prefill |= {f"contact.{key}": value for key, value in v.person.extra.items()}
    if unit is not None:
        prefill |= {f"unit.{key}": value for key, value in unit.extra.items()}
        prefill["unit.recommending_unit"] = unit.recommending_unit
        prefill["unit.party_org"] = unit.party_org
    lead = await lead_of(session, case_id=case_id) if case_id else None
    if lead is not None:
        prefill |= {f"lead.{key}": value for key, value in (lead.extra or {}).items()}
        prefill |= {
            "lead.name": lead.name,
            "lead.title": lead.title,
            "lead.office_phone": lead.office_phone,
            "lead.mobile": lead.mobile,
        }
    return prefill


async def initial_for(session: AsyncSession, v: Visit, case_id: int) -> dict[str, Any]:
    """Return the case form's start: the saved values and the prefill sources."""
    case = await unit_case(session, case_id=case_id, unit_id=v.person.unit_id)
    values = dict(case.values) if case is not None else {}
    return {"values": values, "prefill": await prefill_for(session, v, case_id)}
