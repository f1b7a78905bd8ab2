"""Use cases of registration: joining with an invite code, the unit and contact forms.

An invite code attaches a person to a unit (a unit code, or a district code that creates
the unit), or makes them an organizer. What follows is the unit form (if the unit is not
registered yet) and the contact form, both run by the form use cases (``handlers/forms``).
See ``docs/registration.md`` for the states.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from contest.definition import Form
from contest.extras import extra_values, shown_value
from contest.throttle import MAX_WRONG_CODES, WRONG_CODE_WINDOW
from handlers import actions as ids
from handlers import judging, lead
from handlers.code_throttle import code_wait, note_wrong_code
from handlers.forms import (
    FormFlow,
    FormProgress,
    Incoming,
    Turn,
    open_form_in,
    register_flow,
    register_message_wait,
)
from handlers.menus import main_menu
from handlers.replies import Reply, actions
from handlers.visits import Visit
from storage.db import transaction
from storage.extras import save_person_extra, save_unit_extra
from storage.forms import delete_form, save_form
from storage.invites import (
    CODE_LENGTH,
    InviteState,
    create_invite,
    find_invite,
    invite_state,
    normalize_code,
    record_use,
    unit_invite,
)
from storage.models import Invite, InviteKind, Person, Unit, UnitStatus
from storage.people import set_organizer
from storage.units import (
    attach_contact,
    create_unit,
    get_unit,
    list_contacts,
    save_contact,
    save_unit,
)

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


async def join_with_code(v: Visit, text: str) -> Joined:
    """Use an invite code for this person, in one transaction; say why if it cannot be used."""
    async with transaction(v.services.sessions) as session:
        return await _join_with_code(session, v, text, waiting=False)


async def _take_code(
    session: AsyncSession, v: Visit, _progress: FormProgress, said: Incoming
) -> Turn | None:
    """Take the next message after "输入邀请码" as the code; bad input keeps waiting."""
    if said.file is not None:
        return None  # a file is not a code: the channel answers it as it would otherwise
    joined = await _join_with_code(session, v, said.text, waiting=True)
    return Turn(joined.replies, became_organizer=joined.became_organizer)


async def _join_with_code(
    session: AsyncSession, v: Visit, text: str, *, waiting: bool
) -> Joined:
    """Use an invite code inside the caller's transaction (``waiting``: after "输入邀请码")."""
    code = normalize_code(text)
    retry = [[("reg.cancel", ids.REG_CANCEL)]] if waiting else [[("reg.enter_code", ids.REG_CODE)]]
    if code is None:
        values = {"problem": "malformed", "invite": None, "unit": None, **contest_context(v)}
        return Joined([Reply("registration/code_problem.html", values, actions(retry))])
    person_id = v.person.id or 0
    wait = await code_wait(session, person_id=person_id, now=v.now)
    if wait is not None:
        return Joined([_wait_reply(v, wait, retry)])
    invite = await find_invite(session, code=code)
    if (
        invite is not None
        and invite.kind == InviteKind.JUDGE
        and invite_state(invite, v.now) is InviteState.ACTIVE
    ):
        await delete_form(session, person_id=person_id, form_key=CODE_WAIT)
        return Joined(await judging.accept_judge_code(session, v, invite), accepted=True)
    problem, unit = await _join(session, v, invite)
    if problem in ACCEPTED:  # no longer waiting for a code, however it came
        await delete_form(session, person_id=person_id, form_key=CODE_WAIT)
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
        wait = await note_wrong_code(session, person_id=person_id, now=v.now)
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
        return [Reply("registration/done.html", values, actions(main_menu(joined)), menu=True)]
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
    before = lead.unit_values(await get_unit(session, unit_id=unit_id))
    unit = await save_unit(
        session,
        unit_id=unit_id,
        party_org=str(result.get("party_org", "")),
        recommending_unit=str(result.get("recommending_unit", "")),
        submitter_key=str(result.get("submitter", "")),
    )
    extra = extra_values(UNIT_FORM, v.services.contest.forms.unit, result)
    await save_unit_extra(session, unit_id=unit_id, values=extra)
    if unit is not None:  # drafts begun before the unit registered: 推荐单位 follows
        await lead.documents_follow_unit(session, v, unit_id, before, unit)
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
    return Reply("registration/done.html", values, buttons, menu=True)


def register_forms() -> None:
    """Make the unit and contact forms, and the wait for a typed code, available."""
    register_flow(FormFlow(UNIT_FORM, initial=_unit_initial, on_confirm=_unit_confirm))
    register_flow(FormFlow(CONTACT_FORM, initial=_contact_initial, on_confirm=_contact_confirm))
    register_message_wait(CODE_WAIT, _take_code)


# ---- the register menu, typing a code, open registration ---------------------------------


async def register_home(v: Visit) -> Reply:
    """Explain how to get an invite link; offer to type a code (or to register directly)."""
    async with v.services.sessions() as session:
        unit = await get_unit(session, unit_id=v.person.unit_id) if v.person.unit_id else None
    rows: list[list[tuple[str, str]]] = []
    if unit is None:
        rows.append([("reg.enter_code", ids.REG_CODE)])
        if v.services.contest.registration.mode == "open":
            rows.append([("reg.open", ids.REG_OPEN)])
    else:
        rows.append([("reg.me", ids.MENU_ME)])
    rows.append([("menu.back", ids.MENU_MAIN)])
    values = {"unit": unit, **contest_context(v)}
    return Reply("registration/home.html", values, actions(rows), in_place=True)


async def ask_code(v: Visit) -> Reply:
    """Wait for the person to type their invite code (their next message)."""
    async with transaction(v.services.sessions) as session:
        await save_form(
            session, person_id=v.person.id or 0, form_key=CODE_WAIT, state={}, now=v.now
        )
    buttons = actions([[("reg.cancel", ids.REG_CANCEL)]])
    return Reply("registration/ask_code.html", contest_context(v), buttons)


async def cancel_code(v: Visit) -> Reply:
    """Stop waiting for a code and show the main menu."""
    async with transaction(v.services.sessions) as session:
        await delete_form(session, person_id=v.person.id or 0, form_key=CODE_WAIT)
    return Reply("registration/code_cancelled.html", actions=actions(main_menu(v)), in_place=True)


async def open_registration(v: Visit) -> list[Reply]:
    """Register a new unit without an invite, pending an organizer's confirmation."""
    if v.services.contest.registration.mode != "open":
        buttons = actions([[("reg.enter_code", ids.REG_CODE)], [("menu.back", ids.MENU_MAIN)]])
        return [Reply("registration/invite_only.html", contest_context(v), buttons)]
    async with transaction(v.services.sessions) as session:
        unit = await get_unit(session, unit_id=v.person.unit_id) if v.person.unit_id else None
        if unit is not None:
            if unit.registered and v.person.profile_done:
                menu = actions(main_menu(v))
                return [Reply("registration/already_member.html", {"unit": unit}, menu)]
            return await _continue(session, v, unit, how="existing")
        unit = await create_unit(session, now=v.now, status=UnitStatus.PENDING)
        await attach_contact(session, person_id=v.person.id or 0, unit_id=unit.id or 0)
        return await _continue(session, v, unit, how="open")


# ---- /me ---------------------------------------------------------------------------------


def _shown(form: Form, values: dict[str, str]) -> list[tuple[str, str]]:
    """Return (field label, value) for every field of a form, in its order."""
    return [(f.label, shown_value(f, values.get(f.key, ""))) for f in form.fields]


async def me(v: Visit) -> Reply:
    """Show the person's own details and their unit, with buttons to change them."""
    unit, contacts = None, []
    if v.person.unit_id is not None:
        async with v.services.sessions() as session:
            unit = await get_unit(session, unit_id=v.person.unit_id)
            contacts = await list_contacts(session, unit_id=v.person.unit_id)
    rows: list[list[tuple[str, str]]] = []
    if unit is None:
        rows.append([("menu.register", ids.MENU_REGISTER)])
    else:
        contact_key = "reg.edit_contact" if v.person.profile_done else "reg.fill_contact"
        unit_key = "reg.edit_unit" if unit.registered else "reg.fill_unit"
        rows.append([(contact_key, ids.REG_ME_CONTACT), (unit_key, ids.REG_ME_UNIT)])
        rows.append([("reg.colleague", ids.REG_COLLEAGUE)])
    rows.append([("menu.back", ids.MENU_MAIN)])
    shown_unit = unit_values(unit) if unit else {}
    if unit is not None:
        shown_unit["submitter"] = submitter_name(v, unit.submitter_key)
    forms = v.services.contest.forms
    values = {
        "person": v.person,
        "unit": unit,
        "colleagues": [p for p in contacts if p.id != v.person.id],
        "contact_rows": _shown(forms.contact, contact_values(v.person)),
        "unit_rows": _shown(forms.unit, shown_unit),
        **contest_context(v),
    }
    return Reply("registration/me.html", values, actions(rows), in_place=True)


def _not_registered() -> Reply:
    buttons = actions([[("menu.register", ids.MENU_REGISTER)], [("menu.back", ids.MENU_MAIN)]])
    return Reply("registration/not_registered.html", actions=buttons)


async def edit_contact(v: Visit) -> list[Reply]:
    """Open the contact form on the person's saved details."""
    if v.person.unit_id is None:
        return [_not_registered()]
    async with transaction(v.services.sessions) as session:
        return await open_form_in(session, v, CONTACT_FORM, restart=True)


async def edit_unit(v: Visit) -> list[Reply]:
    """Open the unit form on the unit's saved details."""
    if v.person.unit_id is None:
        return [_not_registered()]
    async with transaction(v.services.sessions) as session:
        return await open_form_in(session, v, UNIT_FORM, v.person.unit_id, restart=True)


def invite_expiry(v: Visit) -> datetime:
    """Return when a code made now stops working."""
    return v.now + timedelta(days=v.services.contest.registration.invite_valid_days)


async def colleague(v: Visit, *, link_for: Callable[[str], str]) -> Reply:
    """Show a link that brings colleagues into the same unit (made once, then reused);
    ``link_for`` is the channel's link that opens the bot with a code."""
    if v.person.unit_id is None:
        return _not_registered()
    async with transaction(v.services.sessions) as session:
        unit = await get_unit(session, unit_id=v.person.unit_id)
        invite = await unit_invite(session, unit_id=v.person.unit_id, now=v.now)
        if invite is None:
            invite = await create_invite(
                session,
                kind=InviteKind.UNIT,
                unit_id=v.person.unit_id,
                label=unit.party_org if unit else "",
                created_by=v.person.id,
                expires_at=invite_expiry(v),
                now=v.now,
            )
    buttons = actions([[("reg.me", ids.MENU_ME)], [("menu.back", ids.MENU_MAIN)]])
    values = {
        "invite": invite,
        "unit": unit,
        "link": link_for(invite.code),
        **contest_context(v),
    }
    return Reply("registration/colleague.html", values, buttons)
