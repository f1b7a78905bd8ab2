"""Use cases of registration: joining with an invite code, the unit and contact forms.

An invite code attaches a person to a unit (a unit code, or a district code that creates
the unit), or makes them an organizer. What follows is the unit form (if the unit is not
registered yet) and the contact form, both run by the form use cases (``handlers/forms``).
See ``docs/registration.md`` for the states.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from contest.extras import extra_values
from contest.throttle import MAX_WRONG_CODES, WRONG_CODE_WINDOW
from handlers import actions as ids
from handlers import judging
from handlers.code_throttle import code_wait, note_wrong_code
from handlers.forms import FormFlow, open_form_in, register_flow
from handlers.menus import main_menu
from handlers.replies import Reply, actions
from handlers.visits import Visit
from storage.db import transaction
from storage.extras import save_person_extra, save_unit_extra
from storage.forms import delete_form
from storage.invites import (
    CODE_LENGTH,
    InviteState,
    find_invite,
    invite_state,
    normalize_code,
    record_use,
)
from storage.models import Invite, InviteKind, Person, Unit
from storage.people import set_organizer
from storage.units import attach_contact, create_unit, get_unit, save_contact, save_unit

UNIT_FORM = "unit"
CONTACT_FORM = "contact"
CODE_WAIT = "reg_code"  # a wait for the next message: an invite code
# Outcomes of a code that end the wait for one (None: joined a unit).
ACCEPTED = (None, "organizer", "already_organizer", "already_member")


@dataclass
class Joined:
    """What using a code did: the replies, and whether the person became an organizer."""

    replies: list[Reply] = field(default_factory=list)
    accepted: bool = False
    became_organizer: bool = False


def contest_context(v: Visit) -> dict[str, Any]:
    """Return the values every registration template takes."""
    return {"contest": v.services.contest, "now": v.now, "length": CODE_LENGTH}


def submitter_name(v: Visit, key: str) -> str:
    """Return the name of the body that submits for a unit (申报渠道)."""
    submitter = v.services.contest.submitter(key)
    return submitter.name if submitter else ""


async def join_with_code(v: Visit, text: str, *, waiting: bool = False) -> Joined:
    """Use an invite code for this person, in one transaction; say why if it cannot be used."""
    code = normalize_code(text)
    retry = [[("reg.cancel", ids.REG_CANCEL)]] if waiting else [[("reg.enter_code", ids.REG_CODE)]]
    if code is None:
        values = {"problem": "malformed", "invite": None, "unit": None, **contest_context(v)}
        return Joined([Reply("registration/code_problem.html", values, actions(retry))])
    person_id, sessions = v.person.id or 0, v.services.sessions
    wait = await code_wait(sessions, person_id=person_id, now=v.now)
    if wait is not None:
        return Joined([_wait_reply(v, wait, retry)])
    async with transaction(v.services.sessions) as session:
        invite = await find_invite(session, code=code)
        if (
            invite is not None
            and invite.kind == InviteKind.JUDGE
            and invite_state(invite, v.now) is InviteState.ACTIVE
        ):
            await delete_form(session, person_id=v.person.id or 0, form_key=CODE_WAIT)
            return Joined(await judging.accept_judge_code(session, v, invite), accepted=True)
        problem, unit = await _join(session, v, invite)
        if problem in ACCEPTED:  # no longer waiting for a code, however it came
            await delete_form(session, person_id=v.person.id or 0, form_key=CODE_WAIT)
        if problem is None:
            assert unit is not None and invite is not None
            how = "district" if invite.kind == InviteKind.DISTRICT else "unit"
            return Joined(await _continue(session, v, unit, how=how, label=invite.label), True)
    menu = actions(main_menu(v))
    if problem == "organizer":
        buttons = actions([[("reg.organizer", ids.ORG_HOME)], [("menu.back", ids.MENU_MAIN)]])
        reply = Reply("registration/organizer_joined.html", actions=buttons)
        return Joined([reply], accepted=True, became_organizer=True)
    if problem == "already_organizer":
        return Joined([Reply("registration/already_organizer.html", actions=menu)], True)
    if problem == "already_member":
        reply = Reply("registration/already_member.html", {"unit": unit}, menu)
        return Joined([reply], accepted=True)
    if problem == "unknown":
        wait = await note_wrong_code(sessions, person_id=person_id, now=v.now)
        if wait is not None:
            return Joined([_wait_reply(v, wait, retry)])
    values = {"problem": problem, "invite": invite, "unit": unit, **contest_context(v)}
    return Joined([Reply("registration/code_problem.html", values, actions(retry))])


def _wait_reply(v: Visit, until: datetime, retry: list[list[tuple[str, str]]]) -> Reply:
    """Tell a person who tried too many wrong codes from when they may try again."""
    values = {
        "until": until,
        "tries": MAX_WRONG_CODES,
        "minutes": int(WRONG_CODE_WINDOW.total_seconds() // 60),
        "contest": v.services.contest,
    }
    return Reply("registration/code_wait.html", values, actions(retry))


async def _join(
    session: AsyncSession, v: Visit, invite: Invite | None
) -> tuple[str | None, Unit | None]:
    """Attach the person as the invite says; return (problem or None, the unit)."""
    if invite is None:
        return "unknown", None
    state = invite_state(invite, v.now)
    if state is not InviteState.ACTIVE:
        return state.value, None
    person_id = v.person.id or 0
    if invite.kind == InviteKind.ORGANIZER:
        if v.is_organizer:
            return "already_organizer", None
        await set_organizer(session, person_id=person_id)
        await record_use(session, invite_id=invite.id or 0)
        return "organizer", None
    if v.person.unit_id is not None:
        unit = await get_unit(session, unit_id=v.person.unit_id)
        same = invite.kind == InviteKind.UNIT and invite.unit_id == v.person.unit_id
        return ("already_member" if same else "other_unit"), unit
    unit = await get_unit(session, unit_id=invite.unit_id) if invite.unit_id else None
    if unit is None:
        unit = await create_unit(session, now=v.now, submitter_key=invite.submitter_key)
    await attach_contact(session, person_id=person_id, unit_id=unit.id or 0)
    await record_use(session, invite_id=invite.id or 0, unit_id=unit.id)
    return None, unit


async def _continue(
    session: AsyncSession, v: Visit, unit: Unit, *, how: str, label: str = ""
) -> list[Reply]:
    """Say where the person now belongs and open the next form they must fill in."""
    joined = with_unit(v, unit.id)
    if unit.registered and v.person.profile_done:
        values = {"unit": unit, "person": joined.person, "first_time": True, **contest_context(v)}
        return [Reply("registration/done.html", values, actions(main_menu(joined)))]
    values = {
        "how": how,
        "label": label,
        "unit": unit,
        "submitter": submitter_name(v, unit.submitter_key),
        **contest_context(v),
    }
    replies = [Reply("registration/joined.html", values)]
    if not unit.registered:
        replies += await open_form_in(session, joined, UNIT_FORM, unit.id or 0)
    else:
        replies += await open_form_in(session, joined, CONTACT_FORM)
    return replies


async def welcome(v: Visit, unit: Unit, *, how: str, label: str = "") -> list[Reply]:
    """Say where the person now belongs and open the next form (its own transaction)."""
    async with transaction(v.services.sessions) as session:
        return await _continue(session, v, unit, how=how, label=label)


def with_unit(v: Visit, unit_id: int | None) -> Visit:
    """Return the visit as it stands now that the person belongs to the unit."""
    person = Person(**v.person.model_dump())
    person.unit_id = unit_id
    return replace(v, person=person)


# ---- the unit and contact forms --------------------------------------------------------


def unit_values(unit: Unit) -> dict[str, str]:
    """Return a unit's row as the unit form's values."""
    return {
        **unit.extra,
        "party_org": unit.party_org,
        "recommending_unit": unit.recommending_unit,
        "submitter": unit.submitter_key,
    }


def contact_values(person: Person) -> dict[str, str]:
    """Return a person's details as the contact form's values."""
    return {
        **person.extra,
        "name": person.name,
        "title": person.title,
        "office_phone": person.office_phone,
        "mobile": person.mobile,
    }


async def _unit_initial(session: AsyncSession, v: Visit, unit_id: int) -> dict[str, Any]:
    unit = await get_unit(session, unit_id=unit_id)
    if unit is None:
        return {}
    values = unit_values(unit)
    return {"values": {key: value for key, value in values.items() if value}}


async def _unit_confirm(
    session: AsyncSession, v: Visit, unit_id: int, result: dict[str, Any]
) -> Reply:
    person = await session.get(Person, v.person.id)
    if person is None or person.unit_id != unit_id:
        return Reply("registration/unit_gone.html", actions=actions(main_menu(v)))
    unit = await save_unit(
        session,
        unit_id=unit_id,
        party_org=str(result.get("party_org", "")),
        recommending_unit=str(result.get("recommending_unit", "")),
        submitter_key=str(result.get("submitter", "")),
    )
    extra = extra_values(UNIT_FORM, v.services.contest.forms.unit, result)
    await save_unit_extra(session, unit_id=unit_id, values=extra)
    values = {"unit": unit, "submitter": submitter_name(v, str(result.get("submitter", "")))}
    if not person.profile_done:
        return Reply(
            "registration/unit_saved.html",
            {**values, "next_contact": True},
            next_form=(CONTACT_FORM, 0),
        )
    buttons = actions([[("reg.me", ids.MENU_ME)], [("menu.back", ids.MENU_MAIN)]])
    return Reply("registration/unit_saved.html", {**values, "next_contact": False}, buttons)


async def _contact_initial(session: AsyncSession, v: Visit, _subject: int) -> dict[str, Any]:
    person = await session.get(Person, v.person.id) or v.person
    values = contact_values(person)
    return {"values": {key: value for key, value in values.items() if value}}


async def _contact_confirm(
    session: AsyncSession, v: Visit, _subject: int, result: dict[str, Any]
) -> Reply:
    first_time = not v.person.profile_done
    person = await save_contact(
        session,
        person_id=v.person.id or 0,
        name=str(result.get("name", "")),
        title=str(result.get("title", "")),
        office_phone=str(result.get("office_phone", "")),
        mobile=str(result.get("mobile", "")),
    )
    extra = extra_values(CONTACT_FORM, v.services.contest.forms.contact, result)
    person = await save_person_extra(session, person_id=v.person.id or 0, values=extra) or person
    person = person or v.person
    unit = await get_unit(session, unit_id=person.unit_id) if person.unit_id else None
    buttons = actions(main_menu(replace(v, person=person)))
    values = {"unit": unit, "person": person, "first_time": first_time, **contest_context(v)}
    return Reply("registration/done.html", values, buttons)


def register_forms() -> None:
    """Make the unit and contact forms available to the form use cases."""
    register_flow(FormFlow(UNIT_FORM, initial=_unit_initial, on_confirm=_unit_confirm))
    register_flow(FormFlow(CONTACT_FORM, initial=_contact_initial, on_confirm=_contact_confirm))
