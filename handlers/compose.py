"""Use cases of an organizer's notice: write, choose the audience, preview, send or schedule.

The conversation (state diagram in docs/delivery.md): the organizer writes the notice (its
formatting kept, optionally a document), picks an audience, sees the notice exactly as the
recipients will and how many they are, then sends it now or at a typed moment. What the bot
waits for (the text, a document, a moment) is a ``formprogress`` row with form_key
``broadcast`` (``{"broadcast_id": …, "await": "text" | "document" | "moment"}``), the draft
its Broadcast row, so a restart or a second device loses nothing. The messages go through
the outbox; the delivery worker edits one progress message in place and turns it into the
report at the end (:mod:`handlers.broadcasts`).

Buttons (``bc:<id>:<op>[:<arg>…]``): ``aud`` (audience menu), ``m:<cat|st|sub|unit>[:<page>]``
(a sub-menu), ``a:<all|cat|st|sub|unit>[:<value>]`` (choose), ``go`` (send now), ``at``
(schedule), ``un`` (cancel the schedule), ``x`` (drop the draft), ``txt`` (rewrite), ``doc``
(attach a document), ``sum`` (summary), ``acks`` (who acknowledged), ``re`` (send again to
those who did not, as a reminder). Every press re-reads the notice and re-checks its state:
an id is user input, and a stale button changes nothing.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from markupsafe import Markup
from sqlmodel.ext.asyncio.session import AsyncSession

from contest.reminders import SendTimeError, parse_send_time
from delivery import wake
from handlers import actions as ids
from handlers.audit import record as audit
from handlers.notices import (
    CAPTION_LIMIT,
    notice_actions,
    notice_rows,
    notice_text,
    too_long_by,
)
from handlers.organizing import Answer, organizers_only, stale
from handlers.replies import Actions, Attachment, Reply, actions
from handlers.visits import Visit
from messages import render
from messages.markup import plain_length, plain_text, split_messages
from storage.broadcasts import (
    STATUSES,
    BroadcastStatus,
    acknowledged,
    audience_people,
    audience_sizes,
    create_broadcast,
    get_broadcast,
    not_acknowledged,
    reach,
    recent_broadcasts,
    recipients,
    save_broadcast,
)
from storage.db import transaction
from storage.forms import delete_form, get_form, save_form
from storage.models import Broadcast, Person
from storage.outbox import cancel_pending, enqueue_many, pending_count
from storage.units import count_units, get_unit, registered_units_page, units_by_id

FORM = "broadcast"
PAGE = 8
AUDIENCE_KINDS = {"all": "all", "cat": "category", "st": "status", "sub": "submitter"}
DRAFT_OPS = {"aud", "m", "a", "go", "at", "x", "txt", "doc"}
Rows = list[list[tuple[str, str]]]


def _bc(broadcast: Broadcast, op: str, *args: object) -> str:
    return ids.broadcast(broadcast.id or 0, op, *args)


async def _wait(session: AsyncSession, v: Visit, broadcast_id: int, what: str) -> None:
    await save_form(
        session, person_id=v.person.id or 0, form_key=FORM,
        state={"broadcast_id": broadcast_id, "await": what}, now=v.now,
    )  # fmt: skip


async def _stop_waiting(session: AsyncSession, v: Visit) -> None:
    await delete_form(session, person_id=v.person.id or 0, form_key=FORM)


def _example(v: Visit) -> datetime:
    """Return tomorrow in the contest's time zone: the example of a send time."""
    return (v.now + timedelta(days=1)).astimezone(v.services.contest.zone)


def _account_id(v: Visit) -> int | None:
    """Return the account the organizer wrote from: their progress message is shown there."""
    return v.account.id if v.account is not None else None


# ------------------------------------------------------------------------------- writing


@organizers_only()
async def new_notice(v: Visit) -> Answer:
    """Start a notice: the organizer's next message is its text."""
    async with transaction(v.services.sessions) as session:
        broadcast = await create_broadcast(session, created_by=v.person.id or 0, now=v.now)
        await _wait(session, v, broadcast.id or 0, "text")
    cancel = actions([[("broadcast.cancel", _bc(broadcast, "x"))]])
    return Answer([Reply("broadcast/write.html", actions=cancel)])


async def _draft(session: AsyncSession, v: Visit) -> tuple[Broadcast | None, str]:
    """Return the draft this organizer is writing and what it waits for (None: none)."""
    progress = await get_form(session, person_id=v.person.id or 0, form_key=FORM)
    if progress is None:
        return None, ""
    broadcast = await get_broadcast(
        session, broadcast_id=int(progress.state.get("broadcast_id") or 0)
    )
    if broadcast is None or broadcast.status != BroadcastStatus.DRAFT:
        await _stop_waiting(session, v)
        return None, ""
    return broadcast, str(progress.state.get("await") or "text")


@organizers_only(wait=FORM)
async def take_text(v: Visit, *, text: str, text_html: str) -> Answer:
    """Take the notice's text, or the moment to send it, whichever is awaited."""
    async with transaction(v.services.sessions) as session:
        broadcast, waiting = await _draft(session, v)
        if broadcast is None:
            return Answer([Reply("broadcast/stale.html")])
        if waiting == "moment":
            return await _take_moment(session, v, broadcast, text)
        if waiting == "document":
            return Answer([Reply("broadcast/ask_document.html", {"wrong": True})])
        return await _take_content(session, v, broadcast, text_html, None)


@organizers_only(wait=FORM)
async def take_upload(
    v: Visit, *, file_ref: str | None, file_name: str, caption_html: str | None
) -> Answer:
    """Take a document for the notice (``file_ref`` None: an upload that is not a document)."""
    async with transaction(v.services.sessions) as session:
        broadcast, waiting = await _draft(session, v)
        if broadcast is None:
            return Answer([Reply("broadcast/stale.html")])
        if file_ref is None or waiting == "moment":
            return Answer([Reply("broadcast/not_a_document.html", {"waiting": waiting})])
        document = {"file_id": file_ref, "file_name": file_name}
        return await _take_content(session, v, broadcast, caption_html, document)


async def _take_content(
    session: AsyncSession,
    v: Visit,
    broadcast: Broadcast,
    text: str | None,
    document: dict[str, Any] | None,
) -> Answer:
    changes: dict[str, Any] = {}
    if document is not None:
        changes["document"] = document
    if text is not None:
        over = too_long_by(v.services.contest, Broadcast(text=text))
        if over:
            return Answer([Reply("broadcast/too_long.html", {"over": over})])
        changes["text"] = text
    await save_broadcast(session, broadcast=broadcast, **changes)
    if not broadcast.text:
        await _wait(session, v, broadcast.id or 0, "text")
        return Answer([Reply("broadcast/ask_text.html", {"broadcast": broadcast})])
    await _stop_waiting(session, v)
    return Answer([_audience_menu(broadcast, empty=False, in_place=False)])


async def _take_moment(
    session: AsyncSession, v: Visit, broadcast: Broadcast, text: str
) -> Answer:
    contest = v.services.contest
    try:
        moment = parse_send_time(text, contest, v.now)
    except SendTimeError as error:
        values = {"code": error.code, "now": v.now, "example": _example(v)}
        return Answer([Reply("broadcast/time_error.html", values)])
    people = await _people(session, v, broadcast)
    rows = notice_rows(contest, broadcast, people, due_at=moment)
    written = await enqueue_many(session, messages=rows) if rows else 0
    await save_broadcast(
        session, broadcast=broadcast, status=BroadcastStatus.SCHEDULED.value,
        scheduled_at=moment, progress_account_id=_account_id(v),
    )  # fmt: skip
    await audit(session, v, "broadcast", broadcast=broadcast.id, recipients=written)
    await _stop_waiting(session, v)
    buttons = actions(
        [[("broadcast.unschedule", _bc(broadcast, "un"))], [("org.home", ids.ORG_HOME)]]
    )
    values = {
        "broadcast": broadcast, "moment": moment, "count": written,
        "unit": await _unit_of(session, broadcast), "contest": contest, "now": v.now,
    }  # fmt: skip
    return Answer([Reply("broadcast/scheduled.html", values, buttons)], progress_of=broadcast.id)


# ------------------------------------------------------------------------------ audience


def _audience_menu(broadcast: Broadcast, *, empty: bool, in_place: bool) -> Reply:
    rows: Rows = [
        [("broadcast.all", _bc(broadcast, "a", "all"))],
        [("broadcast.by_category", _bc(broadcast, "m", "cat")),
         ("broadcast.by_status", _bc(broadcast, "m", "st"))],
        [("broadcast.by_submitter", _bc(broadcast, "m", "sub")),
         ("broadcast.by_unit", _bc(broadcast, "m", "unit"))],
        [("broadcast.attach", _bc(broadcast, "doc")), ("broadcast.rewrite", _bc(broadcast, "txt"))],
        [("broadcast.cancel", _bc(broadcast, "x"))],
    ]  # fmt: skip
    values = {"broadcast": broadcast, "empty": empty}
    return Reply("broadcast/audience.html", values, actions(rows), in_place=in_place)


async def _submenu(
    session: AsyncSession, v: Visit, broadcast: Broadcast, menu: str, page: int
) -> Reply:
    contest = v.services.contest
    rows: Rows
    if menu == "cat":
        rows = [[(c.name, _bc(broadcast, "a", "cat", c.key))] for c in contest.categories]
    elif menu == "st":
        rows = [[(f"broadcast.status_{s}", _bc(broadcast, "a", "st", s))] for s in STATUSES]
    elif menu == "sub":
        submitters = contest.registration.submitters
        pairs = [(s.name, _bc(broadcast, "a", "sub", s.key)) for s in submitters]
        rows = [pairs[i : i + 2] for i in range(0, len(pairs), 2)]
    else:
        menu = "unit"
        pages = max(1, -(-(await count_units(session)) // PAGE))
        page = min(max(page, 0), pages - 1)
        units = await registered_units_page(session, offset=page * PAGE, limit=PAGE)
        rows = [[(u.party_org or f"#{u.id}", _bc(broadcast, "a", "unit", u.id))] for u in units]
        nav = []
        if page > 0:
            nav.append(("broadcast.prev", _bc(broadcast, "m", "unit", page - 1)))
        if page + 1 < pages:
            nav.append(("broadcast.next", _bc(broadcast, "m", "unit", page + 1)))
        rows.append(nav)
    rows.append([("broadcast.back", _bc(broadcast, "aud"))])
    return Reply("broadcast/submenu.html", {"menu": menu}, actions(rows), in_place=True)


def _valid_audience(v: Visit, kind: str, value: str) -> bool:
    contest = v.services.contest
    checks = {
        "all": lambda: True,
        "cat": lambda: contest.category(value) is not None,
        "st": lambda: value in STATUSES,
        "sub": lambda: contest.submitter(value) is not None,
        "unit": lambda: value.isdigit(),
    }
    check = checks.get(kind)
    return bool(check and check())


async def _people(session: AsyncSession, v: Visit, broadcast: Broadcast) -> list[Person]:
    audience = broadcast.audience
    return await audience_people(
        session,
        kind=AUDIENCE_KINDS.get(audience.get("kind", ""), audience.get("kind", "")),
        value=str(audience.get("value", "")),
        sender_id=v.person.id,
    )


async def _unit_of(session: AsyncSession, broadcast: Broadcast) -> Any:
    if broadcast.audience.get("kind") != "unit":
        return None
    return await get_unit(session, unit_id=int(broadcast.audience.get("value") or 0))


async def _choose(
    session: AsyncSession, v: Visit, broadcast: Broadcast, kind: str, value: str
) -> list[Reply]:
    if not broadcast.text:
        await _wait(session, v, broadcast.id or 0, "text")
        return [Reply("broadcast/ask_text.html", {"broadcast": broadcast, "wrong": False})]
    if not _valid_audience(v, kind, value):
        return [_audience_menu(broadcast, empty=False, in_place=True)]
    await save_broadcast(session, broadcast=broadcast, audience={"kind": kind, "value": value})
    people = await _people(session, v, broadcast)
    if not people:
        return [_audience_menu(broadcast, empty=True, in_place=True)]
    buttons = actions(
        [
            [("broadcast.send", _bc(broadcast, "go")),
             ("broadcast.schedule", _bc(broadcast, "at"))],
            [("broadcast.audience", _bc(broadcast, "aud")),
             ("broadcast.cancel", _bc(broadcast, "x"))],
        ]
    )  # fmt: skip
    values = {
        "broadcast": broadcast, "count": len(people),
        "unreachable": sum(1 for p in people if p.unreachable),
        "unit": await _unit_of(session, broadcast), "contest": v.services.contest,
    }  # fmt: skip
    return [*_preview(v, broadcast), Reply("broadcast/confirm.html", values, buttons)]


def _preview(v: Visit, broadcast: Broadcast) -> list[Reply]:
    """Return the notice exactly as its recipients will get it, after a line saying so."""
    contest = v.services.contest
    buttons = notice_actions(broadcast.id or 0)
    intro = Reply("broadcast/preview_intro.html")
    notice = Reply("broadcast/notice.html", {"contest": contest, "body": Markup(broadcast.text)})
    document = broadcast.document
    if not document:
        notice.actions = buttons
        return [intro, notice]
    file = Attachment(str(document.get("file_name") or ""), b"", ref=str(document["file_id"]))
    if plain_length(notice_text(contest, broadcast)) <= CAPTION_LIMIT:
        notice.actions, notice.attachment = buttons, file
        return [intro, notice]
    notice.actions = buttons
    return [intro, Reply("", attachment=file), notice]


# ------------------------------------------------------------------------------ sending


async def _send_now(session: AsyncSession, v: Visit, broadcast: Broadcast) -> Answer:
    people = await _people(session, v, broadcast)
    rows = notice_rows(v.services.contest, broadcast, people, due_at=v.now)
    await enqueue_many(session, messages=rows)
    await save_broadcast(
        session, broadcast=broadcast, status=BroadcastStatus.SENDING.value,
        progress_account_id=_account_id(v), progress_message_id=None,
    )  # fmt: skip
    await audit(session, v, "broadcast", broadcast=broadcast.id, recipients=len(rows))
    zero = {"pending": len(people), "sent": 0, "unreachable": 0, "failed": 0}
    values = {"broadcast": broadcast, "counts": zero, "total": len(people), "done": 0}
    progress = Reply("broadcast/progress.html", values, in_place=True)
    return Answer([progress], progress_of=broadcast.id)


async def _resend(session: AsyncSession, v: Visit, broadcast: Broadcast) -> Answer:
    bid = broadcast.id or 0
    busy = await pending_count(session, broadcast_id=bid)
    people = await not_acknowledged(session, broadcast_id=bid)
    if busy or broadcast.status != BroadcastStatus.DONE or not people:
        values = {"busy": busy, "everyone": not people}
        return Answer([Reply("broadcast/resend_nothing.html", values, _after_actions(broadcast))])
    number = int(broadcast.audience.get("round", 1) or 1) + 1
    await save_broadcast(
        session, broadcast=broadcast, audience={**broadcast.audience, "round": number},
        status=BroadcastStatus.SENDING.value, progress_account_id=_account_id(v),
        progress_message_id=None,
    )  # fmt: skip
    rows = notice_rows(v.services.contest, broadcast, people, due_at=v.now)
    await enqueue_many(session, messages=rows)
    await audit(session, v, "broadcast", broadcast=bid, recipients=len(people))
    zero = {"pending": len(people), "sent": 0, "unreachable": 0, "failed": 0}
    values = {"broadcast": broadcast, "counts": zero, "total": len(people), "done": 0}
    return Answer([Reply("broadcast/progress.html", values)], progress_of=bid)


async def track_progress(v: Visit, *, broadcast_id: int, message_id: str | None) -> None:
    """Remember where a broadcast's progress message landed, then let the worker send."""
    if message_id is not None:
        async with transaction(v.services.sessions) as session:
            broadcast = await get_broadcast(session, broadcast_id=broadcast_id)
            if broadcast is not None and broadcast.progress_account_id == _account_id(v):
                await save_broadcast(
                    session, broadcast=broadcast, progress_message_id=message_id
                )
    wake(v.services)


async def _unschedule(session: AsyncSession, broadcast: Broadcast) -> Reply:
    dropped = await cancel_pending(session, broadcast_id=broadcast.id or 0)
    await save_broadcast(session, broadcast=broadcast, status=BroadcastStatus.CANCELLED.value)
    home = actions([[("org.home", ids.ORG_HOME)]])
    return Reply("broadcast/unscheduled.html", {"dropped": dropped}, home, in_place=True)


async def _drop(session: AsyncSession, v: Visit, broadcast: Broadcast) -> Reply:
    await save_broadcast(session, broadcast=broadcast, status=BroadcastStatus.CANCELLED.value)
    await _stop_waiting(session, v)
    home = actions([[("org.home", ids.ORG_HOME)]])
    return Reply("broadcast/cancelled.html", actions=home, in_place=True)


# ------------------------------------------------------------------------ after sending


def _after_actions(broadcast: Broadcast) -> Actions:
    rows: Rows = [
        [("broadcast.acks", _bc(broadcast, "acks")), ("broadcast.resend", _bc(broadcast, "re"))]
    ]
    if broadcast.status == BroadcastStatus.SCHEDULED:
        rows = [[("broadcast.unschedule", _bc(broadcast, "un"))]]
    rows.append([("org.history", "org:bcl"), ("org.home", ids.ORG_HOME)])
    return actions(rows)


async def _summary(session: AsyncSession, v: Visit, broadcast: Broadcast) -> Reply:
    values = {
        "broadcast": broadcast,
        "reach": await reach(session, broadcast_id=broadcast.id or 0),
        "acks": len(await acknowledged(session, broadcast_id=broadcast.id or 0)),
        "unit": await _unit_of(session, broadcast),
        "contest": v.services.contest,
    }
    return Reply("broadcast/summary.html", values, _after_actions(broadcast), in_place=True)


async def _acks(session: AsyncSession, broadcast: Broadcast) -> list[Reply]:
    people = await recipients(session, broadcast_id=broadcast.id or 0)
    done = await acknowledged(session, broadcast_id=broadcast.id or 0)
    by_unit: dict[int | None, list[Person]] = defaultdict(list)
    for person in people:
        by_unit[person.unit_id].append(person)
    units = await units_by_id(session, unit_ids=[u for u in by_unit if u is not None])
    groups = sorted(by_unit.items(), key=lambda pair: (pair[0] is None, pair[0] or 0))
    acked = sum(1 for p in people if p.id in done)
    blocks = [
        render("broadcast/acks.html", broadcast=broadcast, total=len(people), acked=acked),
        *(
            render("broadcast/acks_unit.html", unit=units.get(uid or 0), people=group, done=done)
            for uid, group in groups
        ),
    ]
    pages = split_messages(blocks)
    return [
        Reply(
            "organizer/page.html",
            {"page": Markup(page)},
            _after_actions(broadcast) if number == len(pages) else (),
        )
        for number, page in enumerate(pages, start=1)
    ]


@organizers_only()
async def history(v: Visit) -> Answer:
    """List the latest notices sent or scheduled: when they went out, to how many people."""
    async with v.services.sessions() as session:
        broadcasts = await recent_broadcasts(session)
        sizes = await audience_sizes(session, broadcast_ids=[b.id or 0 for b in broadcasts])
    rows: Rows = [[(_excerpt(b), _bc(b, "sum"))] for b in broadcasts]
    rows.append([("org.broadcast", "org:bc"), ("org.home", ids.ORG_HOME)])
    values = {"broadcasts": broadcasts, "sizes": sizes}
    return Answer([Reply("broadcast/history.html", values, actions(rows), in_place=True)])


def _excerpt(broadcast: Broadcast) -> str:
    text = " ".join(plain_text(broadcast.text).split())
    short = text if len(text) <= 24 else text[:23] + "…"
    return f"#{broadcast.id} {short}".strip()


# ------------------------------------------------------------------------- the buttons


def _fits(broadcast: Broadcast, op: str) -> bool:
    """Tell whether a button still applies to the notice's state."""
    if op in DRAFT_OPS:
        return broadcast.status == BroadcastStatus.DRAFT
    if op == "un":
        return broadcast.status == BroadcastStatus.SCHEDULED
    if op in ("acks", "re", "sum"):
        return broadcast.status != BroadcastStatus.DRAFT
    return False


def _int(text: str) -> int:
    return int(text) if text.isdigit() else 0


@organizers_only()
async def press(v: Visit, *, broadcast_id: int | None, op: str, args: list[str]) -> Answer:
    """Do what a notice's button asks, if it still applies to the notice's state."""
    async with transaction(v.services.sessions) as session:
        broadcast = await get_broadcast(session, broadcast_id=broadcast_id or 0)
        if broadcast is None or not _fits(broadcast, op):
            return stale("broadcast/stale_toast.html")
        if op in ("aud", "m", "a", "go", "x"):
            await _stop_waiting(session, v)
        arg = args[0] if args else ""
        if op == "aud":
            return Answer([_audience_menu(broadcast, empty=False, in_place=True)])
        if op == "m":
            page = _int(args[1]) if len(args) > 1 else 0
            return Answer([await _submenu(session, v, broadcast, arg, page)])
        if op == "a":
            return Answer(await _choose(session, v, broadcast, arg, ":".join(args[1:])))
        if op == "go":
            return await _send_now(session, v, broadcast)
        if op == "at":
            await _wait(session, v, broadcast.id or 0, "moment")
            return Answer([Reply("broadcast/ask_time.html", {"example": _example(v)})])
        if op in ("txt", "doc"):
            await _wait(session, v, broadcast.id or 0, "text" if op == "txt" else "document")
            template = "broadcast/ask_text.html" if op == "txt" else "broadcast/ask_document.html"
            back = actions([[("broadcast.back", _bc(broadcast, "aud"))]])
            return Answer([Reply(template, {"broadcast": broadcast, "wrong": False}, back)])
        if op == "x":
            return Answer([await _drop(session, v, broadcast)])
        if op == "un":
            return Answer([await _unschedule(session, broadcast)])
        if op == "acks":
            return Answer(await _acks(session, broadcast))
        if op == "re":
            return await _resend(session, v, broadcast)
        return Answer([await _summary(session, v, broadcast)])
