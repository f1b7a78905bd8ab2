"""Use cases of invite codes, organizer side: make, list, revoke; confirm openly registered units.

A unit code carries the unit's name as a label (typed by the organizer; the first person to
join fills in the unit form); a district code names a submitting body from the contest
(every use creates a new unit with it prefilled); an organizer code makes its one user an
organizer. While a unit's name is awaited, the person's ``invite_label`` wait is in the
database. A code's link is the channel's to build (``link_of``: a Telegram deep link); a new
code's card comes with the link's QR code as a picture.

Buttons: ``inv:home``, ``inv:unit`` (then the label is typed), ``inv:cancel``,
``inv:district``, ``inv:d:<submitter key>``, ``inv:org``, ``inv:list:<page>``,
``inv:show:<invite id>``, ``inv:rv:<invite id>``, ``inv:pending``, ``inv:ok:<unit id>``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from delivery import wake
from handlers import actions as ids
from handlers.audit import record as audit
from handlers.forms import FormProgress, Incoming, register_message_wait
from handlers.organizing import Answer, organizer_wait, organizers_only
from handlers.replies import Actions, Attachment, Reply, actions, label_text
from handlers.visits import Visit
from messages import per_channel
from messages.qrcode import qr_png
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
from storage.models import Invite, InviteKind, UnitStatus
from storage.outbox import enqueue
from storage.units import (
    confirm_unit,
    contacts_of_units,
    count_units,
    get_unit,
    list_contacts,
    list_units,
    units_by_id,
)

LABEL_WAIT = "invite_label"  # the next message is a unit code's label
PAGE_SIZE = 8
LABEL_MIN, LABEL_MAX = 2, 60
CARD = "invites/card.html"
LinkOf = Callable[[str], str]  # a code → the link that opens the bot with it
Rows = list[list[tuple[str, str]]]


def invite_expiry(v: Visit) -> datetime:
    """Return when a code made now stops working."""
    return v.now + timedelta(days=v.services.contest.registration.invite_valid_days)


def _label_example(v: Visit) -> str:
    """Return an example unit name: the unit form's own example of a unit's name."""
    fields = v.services.contest.forms.unit.fields
    return next((f.example for f in reversed(fields) if f.kind == "text" and f.example), "")


def _short(text: str, size: int = 18) -> str:
    return text if len(text) <= size else text[: size - 1] + "…"


def _gone() -> Answer:
    home = actions([[("invite.home", ids.INVITES_HOME)]])
    return Answer([Reply("invites/gone.html", actions=home)])


# ---- home ------------------------------------------------------------------------------


@organizers_only()
async def home(v: Visit) -> Answer:
    """Show the invite console (and stop waiting for a unit's name)."""
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
        rows.append([(label_text("invite.pending", label=pending), "inv:pending")])
    rows.append([("invite.console", ids.ORG_HOME)])
    values = {
        "invites": invites, "units": units, "pending": pending, "contest": v.services.contest,
    }  # fmt: skip
    return Answer([Reply("invites/home.html", values, actions(rows), in_place=True)])


# ---- creating codes --------------------------------------------------------------------


@organizers_only()
async def ask_label(v: Visit) -> Answer:
    """Ask for the name of the unit the new code is for."""
    async with transaction(v.services.sessions) as session:
        await save_form(
            session, person_id=v.person.id or 0, form_key=LABEL_WAIT, state={}, now=v.now
        )
    values = {"min": LABEL_MIN, "max": LABEL_MAX, "example": _label_example(v)}
    cancel = actions([[("invite.cancel", "inv:cancel")]])
    return Answer([Reply("invites/ask_label.html", values, cancel)])


async def _take_label(
    session: AsyncSession, v: Visit, progress: FormProgress, said: Incoming
) -> Answer | None:
    """Make a unit's code from its typed name; a name of the wrong length is asked again."""
    if said.file is not None:
        return None  # a file is not a name: the channel answers it as it would otherwise
    name = " ".join(said.text.split())
    if not LABEL_MIN <= len(name) <= LABEL_MAX:
        values = {
            "min": LABEL_MIN, "max": LABEL_MAX, "actual": len(name), "example": _label_example(v),
        }  # fmt: skip
        cancel = actions([[("invite.cancel", "inv:cancel")]])
        return Answer([Reply("invites/label_problem.html", values, cancel)])
    await session.delete(progress)
    invite = await _create(session, v, InviteKind.UNIT, label=name)
    return Answer([await _card(session, v, invite, said.link_of, fresh=True)])


def register_waits() -> None:
    """Make the organizer's next message, while a unit's name is awaited, go to the code."""
    register_message_wait(LABEL_WAIT, organizer_wait(_take_label))


@organizers_only()
async def districts(v: Visit) -> Answer:
    """Let the organizer pick the submitting body a district code is for."""
    submitters = v.services.contest.registration.submitters
    buttons = [(s.name, f"inv:d:{s.key}") for s in submitters]
    rows: Rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append([("invite.home", ids.INVITES_HOME)])
    values = {"contest": v.services.contest}
    return Answer([Reply("invites/pick_district.html", values, actions(rows), in_place=True)])


@organizers_only()
async def district_code(v: Visit, *, submitter_key: str, link_of: LinkOf) -> Answer:
    """Make a code whose every use creates a new unit of the chosen submitting body."""
    submitter = v.services.contest.submitter(submitter_key)
    if submitter is None:
        return _gone()
    async with transaction(v.services.sessions) as session:
        invite = await _create(
            session, v, InviteKind.DISTRICT, submitter_key=submitter.key, label=submitter.name
        )
        return Answer([await _card(session, v, invite, link_of, fresh=True)])


@organizers_only()
async def organizer_code(v: Visit, *, link_of: LinkOf) -> Answer:
    """Make a one-time code that gives its user organizer rights."""
    async with transaction(v.services.sessions) as session:
        invite = await _create(session, v, InviteKind.ORGANIZER)
        return Answer([await _card(session, v, invite, link_of, fresh=True)])


async def _create(
    session: AsyncSession, v: Visit, kind: InviteKind, *, label: str = "", submitter_key: str = ""
) -> Invite:
    invite = await create_invite(
        session, kind=kind, label=label, submitter_key=submitter_key, created_by=v.person.id,
        expires_at=invite_expiry(v), now=v.now,
    )  # fmt: skip
    await audit(session, v, "invite", invite=invite.id, kind_of=str(kind))
    return invite


# ---- one code, the list ----------------------------------------------------------------


def _card_actions(invite: Invite, v: Visit) -> Actions:
    rows: Rows = []
    if invite_state(invite, v.now).value == "active":
        rows.append([("invite.revoke", f"inv:rv:{invite.id}")])
    rows.append([("invite.list", "inv:list:0"), ("invite.home", ids.INVITES_HOME)])
    return actions(rows)


async def _card(
    session: AsyncSession,
    v: Visit,
    invite: Invite,
    link_of: LinkOf,
    *,
    fresh: bool = False,
    notice: str = "",
) -> Reply:
    """Return a code's card; a fresh code's comes as its link's QR code with the card below."""
    unit = await get_unit(session, unit_id=invite.unit_id) if invite.unit_id else None
    submitter = v.services.contest.submitter(invite.submitter_key)
    link = link_of(invite.code)
    values = {
        "invite": invite, "state": invite_state(invite, v.now).value, "link": link, "unit": unit,
        "submitter": submitter.name if submitter else "", "notice": notice,
        "contest": v.services.contest, "now": v.now,
        # Both channels run: a link's card says how a 企业微信 user enters the code.
        "wecom_too": v.services.settings.wecom_enabled,
    }  # fmt: skip
    picture = None
    if fresh and link:  # a channel without links (企业微信: the code is typed) gets no QR code
        picture = Attachment(f"{invite.code}.png", qr_png(link), "image/png", image=True)
    return Reply(CARD, values, _card_actions(invite, v), picture, in_place=not fresh)


@organizers_only()
async def show(v: Visit, *, invite_id: int | None, link_of: LinkOf) -> Answer:
    """Show one code: its link, what it is for, its uses and until when it works."""
    async with v.services.sessions() as session:
        invite = await get_invite(session, invite_id=invite_id) if invite_id else None
        if invite is None:
            return _gone()
        return Answer([await _card(session, v, invite, link_of)])


@organizers_only()
async def revoke(v: Visit, *, invite_id: int | None, link_of: LinkOf) -> Answer:
    """Revoke a code: it stops working at once; the units it brought in stay."""
    async with transaction(v.services.sessions) as session:
        invite = await revoke_invite(session, invite_id=invite_id) if invite_id else None
        if invite is None:
            return _gone()
        await audit(session, v, "invite_revoke", invite=invite.id)
        return Answer([await _card(session, v, invite, link_of, notice="revoked")])


@organizers_only()
async def listing(v: Visit, *, page: int) -> Answer:
    """List codes, newest first, with their uses, units and state, a page at a time."""
    page = max(page, 0)
    async with v.services.sessions() as session:
        total = await count_invites(session)
        invites = await list_invites(session, offset=page * PAGE_SIZE, limit=PAGE_SIZE)
        units = await units_by_id(session, unit_ids=[i.unit_id for i in invites if i.unit_id])
    entries = [
        {
            "invite": invite,
            "state": invite_state(invite, v.now).value,
            "unit": units.get(invite.unit_id) if invite.unit_id else None,
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
    rows += [paging, [("invite.home", ids.INVITES_HOME)]]
    values = {
        "entries": entries, "total": total, "page": page,
        "pages": max((total - 1) // PAGE_SIZE + 1, 1), "contest": v.services.contest,
        "now": v.now,
    }  # fmt: skip
    return Answer([Reply("invites/list.html", values, actions(rows), in_place=True)])


# ---- confirming units of open registration ---------------------------------------------


async def _pending(
    session: AsyncSession, v: Visit, *, confirmed: object = None, stale: bool = False
) -> Reply:
    units = await list_units(session, status=UnitStatus.PENDING, registered=True)
    contacts = await contacts_of_units(session, unit_ids=[u.id or 0 for u in units])
    rows: Rows = [
        [(label_text("invite.confirm_unit", label=_short(u.party_org)), f"inv:ok:{u.id}")]
        for u in units[: PAGE_SIZE * 3]
    ]
    rows.append([("invite.home", ids.INVITES_HOME)])
    values = {
        "units": units, "contacts": contacts,
        "submitters": {s.key: s.name for s in v.services.contest.registration.submitters},
        "confirmed": confirmed, "stale": stale, "contest": v.services.contest,
    }  # fmt: skip
    return Reply("invites/pending.html", values, actions(rows), in_place=True)


@organizers_only()
async def pending(v: Visit) -> Answer:
    """List units that registered themselves and wait for confirmation."""
    async with v.services.sessions() as session:
        return Answer([await _pending(session, v)])


@organizers_only()
async def confirm(v: Visit, *, unit_id: int | None) -> Answer:
    """Confirm a pending unit and tell its contact persons (through the outbox)."""
    contest = v.services.contest
    async with transaction(v.services.sessions) as session:
        unit = await confirm_unit(session, unit_id=unit_id) if unit_id else None
        if unit is not None:
            # In each contact's own channel's words (企业微信 has no /start).
            text = per_channel("registration/unit_confirmed.html", unit=unit, contest=contest)
            for person in await list_contacts(session, unit_id=unit.id or 0):
                await enqueue(
                    session, person_id=person.id or 0, kind="notice",
                    dedupe_key=f"unit-confirmed:{unit.id}:{person.id}", text=text, due_at=v.now,
                )  # fmt: skip
        shown = await _pending(session, v, confirmed=unit, stale=unit is None)
    wake(v.services)  # after the commit: the unit's contacts are told through the outbox
    return Answer([shown])
