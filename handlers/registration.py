"""Registration (报名): joining a unit with an invite code, the unit and contact forms, /me.

A person comes in through ``t.me/<bot>?start=<code>``, by typing the code (anywhere outside a
form, or after "输入邀请码"), or, when the contest allows it, by registering a new unit
directly (pending until an organizer confirms it). A new unit's first contact fills in the
unit form and then, straight on, the contact form; later contacts fill in only their own.
The conversation is drawn in docs/registration.md.

Buttons: ``menu:register``, ``menu:me``, ``reg:code`` (type a code), ``reg:cancel``,
``reg:open`` (open registration), ``reg:me:contact``, ``reg:me:unit``, ``reg:colleague``.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import Update
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from contest.definition import Form
from contest.extras import extra_values, shown_value
from handlers.commands import publish_organizer_commands
from handlers.common import Context, Visit, answer, keyboard, reply, show, visit
from handlers.forms import TEXT_HOOKS, FormFlow, Reply, open_form, register_flow
from handlers.invites import invite_expiry, invite_link
from handlers.start import main_menu
from storage.db import transaction
from storage.extras import save_person_extra, save_unit_extra
from storage.forms import active_form, delete_form, save_form
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
from storage.models import FormProgress, Invite, InviteKind, Person, Unit, UnitStatus
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
CODE_WAIT = "reg_code"  # a text hook: the next message is an invite code
MENU = "menu:main"
CODE_GROUP = -3  # before every other group (the case guard is -1, organizer files -2)
# Outcomes of a code that end the wait for one (None: joined a unit).
ACCEPTED = (None, "organizer", "already_organizer", "already_member")

# Something that looks like a code: 8 letters/digits alone, or a pasted t.me link.
_CODE_TEXT = filters.Regex(
    r"^\s*(?:\S*t\.me/\S+\?start=\S+|[A-Za-z0-9Ａ-Ｚａ-ｚ０-９ \-]{8,11})\s*$"
)


def _contest_context(v: Visit) -> dict[str, Any]:
    return {"contest": v.services.contest, "now": v.now, "length": CODE_LENGTH}


def _submitter_name(v: Visit, key: str) -> str:
    submitter = v.services.contest.submitter(key)
    return submitter.name if submitter else ""


# ---- joining with a code ------------------------------------------------------------


async def on_start_code(update: Update, context: Context) -> None:
    """Takes the code of a t.me/<bot>?start=<code> link."""
    v = await visit(update, context)
    await redeem(update, context, v, " ".join(context.args or []))


async def on_typed_code(update: Update, context: Context) -> None:
    """Takes a code typed outside any form; other text goes on to the question router."""
    message = update.effective_message
    if message is None or not message.text:
        return
    code = normalize_code(message.text)
    if code is None:
        return
    v = await visit(update, context)
    async with v.services.sessions() as session:
        busy = await active_form(session, person_id=v.person.id or 0)
    if busy is not None:
        return  # an answer to the open form, e.g. a phone number
    await redeem(update, context, v, code)
    raise ApplicationHandlerStop


async def code_hook(update: Update, context: Context, v: Visit, progress: FormProgress) -> None:
    """Takes the next message after "输入邀请码" as the code; bad input keeps waiting."""
    message = update.effective_message
    assert message is not None and message.text is not None
    await redeem(update, context, v, message.text, waiting=True)


async def redeem(
    update: Update, context: Context, v: Visit, text: str, *, waiting: bool = False
) -> bool:
    """Uses an invite code for this person; False (and says why) if it cannot be used."""
    code = normalize_code(text)
    retry = [[("reg.cancel", "reg:cancel")]] if waiting else [[("reg.enter_code", "reg:code")]]
    if code is None:
        await reply(
            update,
            context,
            "registration/code_problem.html",
            markup=keyboard(retry),
            problem="malformed",
            invite=None,
            unit=None,
            **_contest_context(v),
        )
        return False
    async with transaction(v.services.sessions) as session:
        invite = await find_invite(session, code=code)
        problem, unit = await _join(session, v, invite)
        if problem in ACCEPTED:  # no longer waiting for a code, however it came
            await delete_form(session, person_id=v.person.id or 0, form_key=CODE_WAIT)
    if problem == "organizer":
        await publish_organizer_commands(context.bot, v.person.chat_id)
        markup = keyboard([[("reg.organizer", "org:home")], [("menu.back", MENU)]])
        await reply(update, context, "registration/organizer_joined.html", markup=markup)
        return True
    if problem == "already_organizer":
        await reply(
            update,
            context,
            "registration/already_organizer.html",
            markup=keyboard(main_menu(v)),
        )
        return True
    if problem == "already_member":
        await reply(
            update,
            context,
            "registration/already_member.html",
            markup=keyboard(main_menu(v)),
            unit=unit,
        )
        return True
    if problem is not None:
        await reply(
            update,
            context,
            "registration/code_problem.html",
            markup=keyboard(retry),
            problem=problem,
            invite=invite,
            unit=unit,
            **_contest_context(v),
        )
        return False
    assert unit is not None and invite is not None
    how = "district" if invite.kind == InviteKind.DISTRICT else "unit"
    await _continue(update, context, v, unit, how=how, label=invite.label)
    return True


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
    update: Update, context: Context, v: Visit, unit: Unit, *, how: str, label: str = ""
) -> None:
    """Says where the person now belongs and opens the next form they must fill in."""
    joined = _with_unit(v, unit.id)
    if unit.registered and v.person.profile_done:
        await reply(
            update,
            context,
            "registration/done.html",
            markup=keyboard(main_menu(joined)),
            unit=unit,
            person=joined.person,
            first_time=True,
            **_contest_context(v),
        )
        return
    await reply(
        update,
        context,
        "registration/joined.html",
        how=how,
        label=label,
        unit=unit,
        submitter=_submitter_name(v, unit.submitter_key),
        **_contest_context(v),
    )
    if not unit.registered:
        await open_form(update, context, joined, UNIT_FORM, unit.id or 0)
    else:
        await open_form(update, context, joined, CONTACT_FORM)


def _with_unit(v: Visit, unit_id: int | None) -> Visit:
    """Return the visit as it stands now that the person belongs to the unit."""
    person = Person(**v.person.model_dump())
    person.unit_id = unit_id
    return replace(v, person=person)


# ---- the register menu, typed codes, open registration --------------------------------


async def on_register(update: Update, context: Context) -> None:
    """Explains how to get an invite link; offers to type a code (or register directly)."""
    v = await visit(update, context)
    await answer(update)
    unit = None
    if v.person.unit_id is not None:
        async with v.services.sessions() as session:
            unit = await get_unit(session, unit_id=v.person.unit_id)
    rows: list[list[tuple[str, str]]] = []
    if unit is None:
        rows.append([("reg.enter_code", "reg:code")])
        if v.services.contest.registration.mode == "open":
            rows.append([("reg.open", "reg:open")])
    else:
        rows.append([("reg.me", "menu:me")])
    rows.append([("menu.back", MENU)])
    await show(
        update,
        context,
        "registration/home.html",
        markup=keyboard(rows),
        unit=unit,
        **_contest_context(v),
    )


async def on_enter_code(update: Update, context: Context) -> None:
    """Waits for the person to type their invite code."""
    v = await visit(update, context)
    await answer(update)
    async with transaction(v.services.sessions) as session:
        await save_form(
            session, person_id=v.person.id or 0, form_key=CODE_WAIT, state={}, now=v.now
        )
    markup = keyboard([[("reg.cancel", "reg:cancel")]])
    await reply(update, context, "registration/ask_code.html", markup=markup, **_contest_context(v))


async def on_cancel_code(update: Update, context: Context) -> None:
    """Stops waiting for a code and shows the main menu."""
    v = await visit(update, context)
    await answer(update)
    async with transaction(v.services.sessions) as session:
        await delete_form(session, person_id=v.person.id or 0, form_key=CODE_WAIT)
    await show(update, context, "registration/code_cancelled.html", markup=keyboard(main_menu(v)))


async def on_open(update: Update, context: Context) -> None:
    """Registers a new unit without an invite, pending an organizer's confirmation."""
    v = await visit(update, context)
    await answer(update)
    if v.services.contest.registration.mode != "open":
        markup = keyboard([[("reg.enter_code", "reg:code")], [("menu.back", MENU)]])
        await reply(
            update, context, "registration/invite_only.html", markup=markup, **_contest_context(v)
        )
        return
    async with transaction(v.services.sessions) as session:
        unit = await get_unit(session, unit_id=v.person.unit_id) if v.person.unit_id else None
        if unit is None:
            unit = await create_unit(session, now=v.now, status=UnitStatus.PENDING)
            await attach_contact(session, person_id=v.person.id or 0, unit_id=unit.id or 0)
            how = "open"
        else:
            how = "existing"
    if how == "existing" and unit.registered and v.person.profile_done:
        await reply(
            update,
            context,
            "registration/already_member.html",
            markup=keyboard(main_menu(v)),
            unit=unit,
        )
        return
    await _continue(update, context, v, unit, how=how)


# ---- /me -------------------------------------------------------------------------------


async def on_me(update: Update, context: Context) -> None:
    """Shows the person's own details and their unit, with buttons to change them."""
    v = await visit(update, context)
    await answer(update)
    unit, contacts = None, []
    if v.person.unit_id is not None:
        async with v.services.sessions() as session:
            unit = await get_unit(session, unit_id=v.person.unit_id)
            contacts = await list_contacts(session, unit_id=v.person.unit_id)
    rows: list[list[tuple[str, str]]] = []
    if unit is None:
        rows.append([("menu.register", "menu:register")])
    else:
        contact_key = "reg.edit_contact" if v.person.profile_done else "reg.fill_contact"
        unit_key = "reg.edit_unit" if unit.registered else "reg.fill_unit"
        rows.append([(contact_key, "reg:me:contact"), (unit_key, "reg:me:unit")])
        rows.append([("reg.colleague", "reg:colleague")])
    rows.append([("menu.back", MENU)])
    colleagues = [p for p in contacts if p.id != v.person.id]
    unit_values = _unit_values(unit) if unit else {}
    if unit is not None:
        unit_values["submitter"] = _submitter_name(v, unit.submitter_key)
    forms_ = v.services.contest.forms
    await show(
        update,
        context,
        "registration/me.html",
        markup=keyboard(rows),
        person=v.person,
        unit=unit,
        colleagues=colleagues,
        contact_rows=_shown(forms_.contact, _contact_values(v.person)),
        unit_rows=_shown(forms_.unit, unit_values),
        **_contest_context(v),
    )


async def on_edit_contact(update: Update, context: Context) -> None:
    """Opens the contact form on the person's saved details."""
    v = await visit(update, context)
    await answer(update)
    if v.person.unit_id is None:
        await _not_registered(update, context, v)
        return
    await open_form(update, context, v, CONTACT_FORM, restart=True)


async def on_edit_unit(update: Update, context: Context) -> None:
    """Opens the unit form on the unit's saved details."""
    v = await visit(update, context)
    await answer(update)
    if v.person.unit_id is None:
        await _not_registered(update, context, v)
        return
    await open_form(update, context, v, UNIT_FORM, v.person.unit_id, restart=True)


async def on_colleague(update: Update, context: Context) -> None:
    """Shows a link that brings colleagues into the same unit (made once, then reused)."""
    v = await visit(update, context)
    await answer(update)
    if v.person.unit_id is None:
        await _not_registered(update, context, v)
        return
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
    markup = keyboard([[("reg.me", "menu:me")], [("menu.back", MENU)]])
    await reply(
        update,
        context,
        "registration/colleague.html",
        markup=markup,
        invite=invite,
        unit=unit,
        link=invite_link(context, invite.code),
        **_contest_context(v),
    )


async def _not_registered(update: Update, context: Context, v: Visit) -> None:
    markup = keyboard([[("menu.register", "menu:register")], [("menu.back", MENU)]])
    await reply(update, context, "registration/not_registered.html", markup=markup)


# ---- the unit and contact forms --------------------------------------------------------


def _shown(form: Form, values: dict[str, str]) -> list[tuple[str, str]]:
    """Return (field label, value) for every field of a form, in its order."""
    return [(f.label, shown_value(f, values.get(f.key, ""))) for f in form.fields]


def _unit_values(unit: Unit) -> dict[str, str]:
    """Return a unit's row as the unit form's values."""
    return {
        **unit.extra,
        "party_org": unit.party_org,
        "recommending_unit": unit.recommending_unit,
        "submitter": unit.submitter_key,
    }


def _contact_values(person: Person) -> dict[str, str]:
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
    values = _unit_values(unit)
    return {"values": {key: value for key, value in values.items() if value}}


async def _unit_confirm(
    session: AsyncSession, v: Visit, unit_id: int, result: dict[str, Any]
) -> Reply:
    person = await session.get(Person, v.person.id)
    if person is None or person.unit_id != unit_id:
        return Reply("registration/unit_gone.html", markup=keyboard(main_menu(v)))
    unit = await save_unit(
        session,
        unit_id=unit_id,
        party_org=str(result.get("party_org", "")),
        recommending_unit=str(result.get("recommending_unit", "")),
        submitter_key=str(result.get("submitter", "")),
    )
    extra = extra_values(UNIT_FORM, v.services.contest.forms.unit, result)
    await save_unit_extra(session, unit_id=unit_id, values=extra)
    values = {"unit": unit, "submitter": _submitter_name(v, str(result.get("submitter", "")))}
    if not person.profile_done:
        return Reply(
            "registration/unit_saved.html",
            {**values, "next_contact": True},
            next_form=(CONTACT_FORM, 0),
        )
    markup = keyboard([[("reg.me", "menu:me")], [("menu.back", MENU)]])
    return Reply("registration/unit_saved.html", {**values, "next_contact": False}, markup)


async def _contact_initial(session: AsyncSession, v: Visit, _subject: int) -> dict[str, Any]:
    person = await session.get(Person, v.person.id) or v.person
    values = _contact_values(person)
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
    markup = keyboard(main_menu(replace(v, person=person)))
    values = {"unit": unit, "person": person, "first_time": first_time, **_contest_context(v)}
    return Reply("registration/done.html", values, markup)


register_flow(FormFlow(UNIT_FORM, initial=_unit_initial, on_confirm=_unit_confirm))
register_flow(FormFlow(CONTACT_FORM, initial=_contact_initial, on_confirm=_contact_confirm))
TEXT_HOOKS[CODE_WAIT] = code_hook


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Adds the registration handlers (before /start, so /start <code> comes here)."""
    app.add_handler(CommandHandler("start", on_start_code, has_args=True))
    app.add_handler(CommandHandler("me", on_me))
    app.add_handler(CallbackQueryHandler(on_me, pattern="^menu:me$"))
    app.add_handler(CallbackQueryHandler(on_register, pattern="^menu:register$"))
    app.add_handler(CallbackQueryHandler(on_enter_code, pattern="^reg:code$"))
    app.add_handler(CallbackQueryHandler(on_cancel_code, pattern="^reg:cancel$"))
    app.add_handler(CallbackQueryHandler(on_open, pattern="^reg:open$"))
    app.add_handler(CallbackQueryHandler(on_edit_contact, pattern="^reg:me:contact$"))
    app.add_handler(CallbackQueryHandler(on_edit_unit, pattern="^reg:me:unit$"))
    app.add_handler(CallbackQueryHandler(on_colleague, pattern="^reg:colleague$"))
    # A code typed outside a form is taken before the question router sees it; its own
    # group, ahead of the others, so it never shadows another group's text handler.
    code_text = MessageHandler(filters.TEXT & ~filters.COMMAND & _CODE_TEXT, on_typed_code)
    app.add_handler(code_text, group=CODE_GROUP)

