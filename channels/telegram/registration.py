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

from telegram import Update
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from channels.telegram.commands import publish_organizer_commands
from channels.telegram.common import (
    Context,
    Visit,
    answer,
    chat_of,
    keyboard,
    reply,
    send_replies,
    show,
    visit,
)
from channels.telegram.forms import TEXT_HOOKS, open_form
from channels.telegram.invites import invite_expiry, invite_link
from contest.definition import Form
from contest.extras import shown_value
from handlers.forms import resume_offer
from handlers.menus import main_menu
from handlers.registration import (
    CODE_WAIT,
    CONTACT_FORM,
    UNIT_FORM,
    contact_values,
    contest_context,
    join_with_code,
    register_forms,
    submitter_name,
    unit_values,
    welcome,
)
from storage.db import transaction
from storage.forms import active_form, delete_form, save_form
from storage.invites import (
    create_invite,
    normalize_code,
    unit_invite,
)
from storage.models import FormProgress, InviteKind, UnitStatus
from storage.units import (
    attach_contact,
    create_unit,
    get_unit,
    list_contacts,
)

MENU = "menu:main"
CODE_GROUP = -3  # before every other group (organizer files are -2)

# Something that looks like a code: 8 letters/digits alone, or a pasted t.me link.
_CODE_TEXT = filters.Regex(
    r"^\s*(?:\S*t\.me/\S+\?start=\S+|[A-Za-z0-9Ａ-Ｚａ-ｚ０-９ \-]{8,11})\s*$"
)


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
    joined = await join_with_code(v, text, waiting=waiting)
    if joined.became_organizer:
        await publish_organizer_commands(context.bot, chat_of(update))
    await send_replies(update, context, joined.replies)
    return joined.accepted


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
        **contest_context(v),
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
    await reply(update, context, "registration/ask_code.html", markup=markup, **contest_context(v))


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
            update, context, "registration/invite_only.html", markup=markup, **contest_context(v)
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
    await send_replies(update, context, await welcome(v, unit, how=how))


def _shown(form: Form, values: dict[str, str]) -> list[tuple[str, str]]:
    """Return (field label, value) for every field of a form, in its order."""
    return [(f.label, shown_value(f, values.get(f.key, ""))) for f in form.fields]


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
    shown_unit = unit_values(unit) if unit else {}
    if unit is not None:
        shown_unit["submitter"] = submitter_name(v, unit.submitter_key)
    forms_ = v.services.contest.forms
    await send_replies(update, context, await resume_offer(v))
    await show(
        update,
        context,
        "registration/me.html",
        markup=keyboard(rows),
        person=v.person,
        unit=unit,
        colleagues=colleagues,
        contact_rows=_shown(forms_.contact, contact_values(v.person)),
        unit_rows=_shown(forms_.unit, shown_unit),
        **contest_context(v),
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
        **contest_context(v),
    )


async def _not_registered(update: Update, context: Context, v: Visit) -> None:
    markup = keyboard([[("menu.register", "menu:register")], [("menu.back", MENU)]])
    await reply(update, context, "registration/not_registered.html", markup=markup)


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Adds the registration handlers (before /start, so /start <code> comes here)."""
    register_forms()
    TEXT_HOOKS[CODE_WAIT] = code_hook
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

