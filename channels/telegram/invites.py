"""Invite codes, organizer side: create, list and revoke them; confirm openly registered units.

``/invite`` and the button ``inv:home`` open it. A unit code carries the unit's name as a
label (typed by the organizer; the first person to join fills in the unit form); a district
code names a submitting body from the contest (every use creates a new unit with it
prefilled); an organizer code makes its one user an organizer.

Buttons: ``inv:home``, ``inv:unit`` (then the label is typed), ``inv:cancel``,
``inv:district``, ``inv:d:<submitter key>``, ``inv:org``, ``inv:list:<page>``,
``inv:show:<invite id>``, ``inv:rv:<invite id>``, ``inv:pending``, ``inv:ok:<unit id>``.
Every command, button and typed label re-checks the organizer right.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession
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
from channels.telegram.forms import TEXT_HOOKS
from delivery import wake
from handlers.audit import record as audit
from messages import label, render
from storage.db import transaction
from storage.forms import delete_form, save_form
from storage.invites import (
    count_invites,
    create_invite,
    get_invite,
    invite_state,
    list_invites,
    revoke_invite,
)
from storage.models import FormProgress, Invite, InviteKind, UnitStatus
from storage.outbox import enqueue
from storage.units import confirm_unit, count_units, get_unit, list_contacts, list_units

LABEL_WAIT = "invite_label"  # a text hook: the next message is a unit code's label
PAGE_SIZE = 8
LABEL_MIN, LABEL_MAX = 2, 60
HOME = "inv:home"
Rows = list[list[tuple[str, str]]]


def invite_expiry(v: Visit) -> datetime:
    """Return when a code made now stops working."""
    return v.now + timedelta(days=v.services.contest.registration.invite_valid_days)


def invite_link(context: Context, code: str) -> str:
    """Return the t.me link that opens the bot with this code."""
    return f"https://t.me/{context.bot.username}?start={code}"


def _label_example(v: Visit) -> str:
    """Return an example unit name: the unit form's own example of a unit's name."""
    fields = v.services.contest.forms.unit.fields
    return next((f.example for f in reversed(fields) if f.kind == "text" and f.example), "")


def _short(text: str, size: int = 18) -> str:
    return text if len(text) <= size else text[: size - 1] + "…"


async def _organizer(update: Update, context: Context) -> Visit | None:
    """Return the visit of an organizer; refuse anybody else politely."""
    v = await visit(update, context)
    if not await require_organizer(update, context, v):
        return None
    await answer(update)
    return v


# ---- home ------------------------------------------------------------------------------


async def on_home(update: Update, context: Context) -> None:
    """Shows the invite console: what exists and what can be made."""
    v = await _organizer(update, context)
    if v is None:
        return
    async with transaction(v.services.sessions) as session:
        await delete_form(session, person_id=v.person.id or 0, form_key=LABEL_WAIT)
        invites = await count_invites(session)
        units = await count_units(session)
        pending = await count_units(session, status=UnitStatus.PENDING)
    rows: Rows = [
        [("invite.unit", "inv:unit"), ("invite.district", "inv:district")],
        [("invite.organizer", "inv:org"), ("invite.list", "inv:list:0")],
    ]
    if pending or v.services.contest.registration.mode == "open":
        rows.append([(label("invite.pending", label=pending), "inv:pending")])
    rows.append([("invite.console", "org:home")])
    await show(
        update,
        context,
        "invites/home.html",
        markup=keyboard(rows),
        invites=invites,
        units=units,
        pending=pending,
        contest=v.services.contest,
    )


# ---- creating codes --------------------------------------------------------------------


async def on_unit(update: Update, context: Context) -> None:
    """Asks for the name of the unit the new code is for."""
    v = await _organizer(update, context)
    if v is None:
        return
    async with transaction(v.services.sessions) as session:
        await save_form(
            session, person_id=v.person.id or 0, form_key=LABEL_WAIT, state={}, now=v.now
        )
    markup = keyboard([[("invite.cancel", "inv:cancel")]])
    await reply(
        update,
        context,
        "invites/ask_label.html",
        markup=markup,
        min=LABEL_MIN,
        max=LABEL_MAX,
        example=_label_example(v),
    )


async def label_hook(update: Update, context: Context, v: Visit, progress: FormProgress) -> None:
    """Takes the typed unit name and makes the unit's code; a bad name is asked again."""
    if not await require_organizer(update, context, v):
        async with transaction(v.services.sessions) as session:
            await delete_form(session, person_id=v.person.id or 0, form_key=LABEL_WAIT)
        return
    message = update.effective_message
    assert message is not None and message.text is not None
    text = " ".join(message.text.split())
    if not LABEL_MIN <= len(text) <= LABEL_MAX:
        markup = keyboard([[("invite.cancel", "inv:cancel")]])
        await reply(
            update,
            context,
            "invites/label_problem.html",
            markup=markup,
            min=LABEL_MIN,
            max=LABEL_MAX,
            actual=len(text),
            example=_label_example(v),
        )
        return
    async with transaction(v.services.sessions) as session:
        await delete_form(session, person_id=v.person.id or 0, form_key=LABEL_WAIT)
        invite = await _create(session, v, InviteKind.UNIT, label=text)
        values = await _card(session, v, context, invite)
    await reply(update, context, "invites/card.html", markup=_card_keyboard(invite, v), **values)


async def on_cancel(update: Update, context: Context) -> None:
    """Stops waiting for a unit name and goes back to the console."""
    await on_home(update, context)


async def on_district(update: Update, context: Context) -> None:
    """Lets the organizer pick the submitting body a district code is for."""
    v = await _organizer(update, context)
    if v is None:
        return
    buttons = [(s.name, f"inv:d:{s.key}") for s in v.services.contest.registration.submitters]
    rows: Rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append([("invite.home", HOME)])
    await show(
        update,
        context,
        "invites/pick_district.html",
        markup=keyboard(rows),
        contest=v.services.contest,
    )


async def on_district_code(update: Update, context: Context) -> None:
    """Makes a code whose every use creates a new unit of the chosen submitting body."""
    v = await _organizer(update, context)
    if v is None:
        return
    parts = callback_parts(update)
    submitter = v.services.contest.submitter(parts[2] if len(parts) > 2 else "")
    if submitter is None:
        await _gone(update, context)
        return
    async with transaction(v.services.sessions) as session:
        invite = await _create(
            session, v, InviteKind.DISTRICT, submitter_key=submitter.key, label=submitter.name
        )
        values = await _card(session, v, context, invite)
    await reply(update, context, "invites/card.html", markup=_card_keyboard(invite, v), **values)


async def on_organizer_code(update: Update, context: Context) -> None:
    """Makes a one-time code that gives its user organizer rights."""
    v = await _organizer(update, context)
    if v is None:
        return
    async with transaction(v.services.sessions) as session:
        invite = await _create(session, v, InviteKind.ORGANIZER)
        values = await _card(session, v, context, invite)
    await reply(update, context, "invites/card.html", markup=_card_keyboard(invite, v), **values)


async def _create(
    session: AsyncSession, v: Visit, kind: InviteKind, *, label: str = "", submitter_key: str = ""
) -> Invite:
    invite = await create_invite(
        session,
        kind=kind,
        label=label,
        submitter_key=submitter_key,
        created_by=v.person.id,
        expires_at=invite_expiry(v),
        now=v.now,
    )
    await audit(session, v, "invite", invite=invite.id, kind_of=str(kind))
    return invite


# ---- one code, the list ----------------------------------------------------------------


async def _card(
    session: AsyncSession, v: Visit, context: Context, invite: Invite, notice: str = ""
) -> dict[str, Any]:
    unit = await get_unit(session, unit_id=invite.unit_id) if invite.unit_id else None
    submitter = v.services.contest.submitter(invite.submitter_key)
    return {
        "invite": invite,
        "state": invite_state(invite, v.now).value,
        "link": invite_link(context, invite.code),
        "unit": unit,
        "submitter": submitter.name if submitter else "",
        "notice": notice,
        "contest": v.services.contest,
        "now": v.now,
    }


def _card_keyboard(invite: Invite, v: Visit) -> Any:
    rows: Rows = []
    if invite_state(invite, v.now).value == "active":
        rows.append([("invite.revoke", f"inv:rv:{invite.id}")])
    rows.append([("invite.list", "inv:list:0"), ("invite.home", HOME)])
    return keyboard(rows)


async def on_show(update: Update, context: Context) -> None:
    """Shows one code: its link, what it is for, its uses and until when it works."""
    await _show_invite(update, context, revoke=False)


async def on_revoke(update: Update, context: Context) -> None:
    """Revokes a code: it stops working at once; the units it brought in stay."""
    await _show_invite(update, context, revoke=True)


async def _show_invite(update: Update, context: Context, *, revoke: bool) -> None:
    v = await _organizer(update, context)
    if v is None:
        return
    invite_id = int_part(callback_parts(update), 2)
    async with transaction(v.services.sessions) as session:
        invite = await get_invite(session, invite_id=invite_id) if invite_id else None
        if invite is None:
            values = None
        else:
            if revoke:
                invite = await revoke_invite(session, invite_id=invite.id or 0) or invite
            values = await _card(session, v, context, invite, "revoked" if revoke else "")
    if invite is None or values is None:
        await _gone(update, context)
        return
    await show(update, context, "invites/card.html", markup=_card_keyboard(invite, v), **values)


async def on_list(update: Update, context: Context) -> None:
    """Lists codes, newest first, with their uses, units and state, a page at a time."""
    v = await _organizer(update, context)
    if v is None:
        return
    page = max(int_part(callback_parts(update), 2) or 0, 0)
    async with v.services.sessions() as session:
        total = await count_invites(session)
        invites = await list_invites(session, offset=page * PAGE_SIZE, limit=PAGE_SIZE)
        units = {
            invite.id: await get_unit(session, unit_id=invite.unit_id)
            for invite in invites
            if invite.unit_id
        }
    entries = [
        {
            "invite": invite,
            "state": invite_state(invite, v.now).value,
            "unit": units.get(invite.id),
            "number": page * PAGE_SIZE + index,
        }
        for index, invite in enumerate(invites, start=1)
    ]
    buttons = [
        (f"{e['number']}. {e['invite'].code}", f"inv:show:{e['invite'].id}") for e in entries
    ]
    rows: Rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    paging = []
    if page > 0:
        paging.append(("invite.previous", f"inv:list:{page - 1}"))
    if (page + 1) * PAGE_SIZE < total:
        paging.append(("invite.next", f"inv:list:{page + 1}"))
    rows.append(paging)
    rows.append([("invite.home", HOME)])
    await show(
        update,
        context,
        "invites/list.html",
        markup=keyboard(rows),
        entries=entries,
        total=total,
        page=page,
        pages=max((total - 1) // PAGE_SIZE + 1, 1),
        contest=v.services.contest,
        now=v.now,
    )


# ---- confirming units of open registration ---------------------------------------------


async def on_pending(update: Update, context: Context) -> None:
    """Lists units that registered themselves and wait for confirmation."""
    v = await _organizer(update, context)
    if v is None:
        return
    await _show_pending(update, context, v)


async def on_confirm_unit(update: Update, context: Context) -> None:
    """Confirms a pending unit and tells its contact persons (through the outbox)."""
    v = await _organizer(update, context)
    if v is None:
        return
    unit_id = int_part(callback_parts(update), 2)
    contest = v.services.contest
    async with transaction(v.services.sessions) as session:
        unit = await confirm_unit(session, unit_id=unit_id) if unit_id else None
        if unit is not None:
            text = render("registration/unit_confirmed.html", unit=unit, contest=contest)
            for person in await list_contacts(session, unit_id=unit.id or 0):
                await enqueue(
                    session,
                    person_id=person.id or 0,
                    kind="notice",
                    dedupe_key=f"unit-confirmed:{unit.id}:{person.id}",
                    text=text,
                    due_at=v.now,
                )
    wake(v.services)  # the unit's contacts are told through the outbox
    await _show_pending(update, context, v, confirmed=unit, stale=unit is None)


async def _show_pending(
    update: Update, context: Context, v: Visit, *, confirmed: Any = None, stale: bool = False
) -> None:
    async with v.services.sessions() as session:
        units = await list_units(session, status=UnitStatus.PENDING, registered=True)
        contacts = {unit.id: await list_contacts(session, unit_id=unit.id or 0) for unit in units}
    rows: Rows = [
        [(label("invite.confirm_unit", label=_short(unit.party_org)), f"inv:ok:{unit.id}")]
        for unit in units[: PAGE_SIZE * 3]
    ]
    rows.append([("invite.home", HOME)])
    submitters = {s.key: s.name for s in v.services.contest.registration.submitters}
    await show(
        update,
        context,
        "invites/pending.html",
        markup=keyboard(rows),
        units=units,
        contacts=contacts,
        submitters=submitters,
        confirmed=confirmed,
        stale=stale,
        contest=v.services.contest,
    )


async def _gone(update: Update, context: Context) -> None:
    await reply(update, context, "invites/gone.html", markup=keyboard([[("invite.home", HOME)]]))




def register(app: Application) -> None:  # type: ignore[type-arg]
    """Adds the /invite command and the invite console's buttons."""
    TEXT_HOOKS[LABEL_WAIT] = label_hook
    app.add_handler(CommandHandler("invite", on_home))
    app.add_handler(CallbackQueryHandler(on_home, pattern=f"^{HOME}$"))
    app.add_handler(CallbackQueryHandler(on_unit, pattern="^inv:unit$"))
    app.add_handler(CallbackQueryHandler(on_cancel, pattern="^inv:cancel$"))
    app.add_handler(CallbackQueryHandler(on_district, pattern="^inv:district$"))
    app.add_handler(CallbackQueryHandler(on_district_code, pattern="^inv:d:"))
    app.add_handler(CallbackQueryHandler(on_organizer_code, pattern="^inv:org$"))
    app.add_handler(CallbackQueryHandler(on_list, pattern=r"^inv:list:\d+$"))
    app.add_handler(CallbackQueryHandler(on_show, pattern=r"^inv:show:\d+$"))
    app.add_handler(CallbackQueryHandler(on_revoke, pattern=r"^inv:rv:\d+$"))
    app.add_handler(CallbackQueryHandler(on_pending, pattern="^inv:pending$"))
    app.add_handler(CallbackQueryHandler(on_confirm_unit, pattern=r"^inv:ok:\d+$"))
