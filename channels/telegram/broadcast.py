"""Organizer notices (/broadcast): write, choose the audience, preview, send or schedule.

The conversation (state diagram in docs/delivery.md): the organizer writes the notice (its
formatting kept, optionally a document), picks an audience, sees the notice exactly as the
recipients will and how many they are, then sends it now or at a typed moment. What the
bot waits for (the text, a document, a moment) is kept in a ``formprogress`` row with
form_key "broadcast" (a text hook of handlers/forms.py), the draft in its Broadcast row, so
a restart loses nothing. The messages go through the outbox; the delivery worker edits one
progress message in place and turns it into the report at the end.

Buttons: ``org:bc`` (a new notice), ``org:bcl`` (notices sent), and per notice
``bc:<id>:<op>[:<arg>…]``: ``aud`` (audience menu), ``m:<cat|st|sub|unit>[:<page>]``
(a sub-menu), ``a:<all|cat|st|sub|unit>[:<value>]`` (choose), ``go`` (send now), ``at``
(schedule), ``un`` (cancel the schedule), ``x`` (drop the draft), ``txt`` (rewrite),
``doc`` (attach a document), ``sum`` (summary), ``acks`` (who acknowledged), ``re``
(send again to those who did not). Recipients press ``ack:<id>``. Every organizer button
re-checks the right and the notice's state (a stale button changes nothing).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from markupsafe import Markup
from telegram import Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
)

from channels.telegram.common import (
    Context,
    Visit,
    answer,
    callback_parts,
    int_part,
    keyboard,
    markup_of,
    reply,
    require_organizer,
    show,
    visit,
)
from channels.telegram.forms import FILE_HOOKS, TEXT_HOOKS
from channels.telegram.organizer import HOME, organizer_visit
from contest.reminders import SendTimeError, parse_send_time
from delivery import wake
from handlers.audit import record as audit
from handlers.broadcasts import acknowledge_notice
from handlers.notices import (
    CAPTION_LIMIT,
    notice_actions,
    notice_rows,
    notice_text,
    round_kind,
    too_long_by,
)
from messages import render
from messages.markup import plain_length, plain_text, split_messages
from storage.broadcasts import (
    STATUSES,
    BroadcastStatus,
    acknowledged,
    audience_people,
    count_recipients,
    create_broadcast,
    get_broadcast,
    recent_broadcasts,
    recipients,
    save_broadcast,
)
from storage.db import transaction
from storage.forms import delete_form, save_form
from storage.models import Broadcast, FormProgress
from storage.outbox import (
    cancel_pending,
    delivery_counts,
    enqueue_many,
    pending_count,
)
from storage.reports import get_unit, list_units

FORM = "broadcast"
PAGE = 8
Rows = list[list[tuple[str, str]]]


async def _wait(v: Visit, broadcast_id: int, what: str) -> None:
    async with transaction(v.services.sessions) as session:
        await save_form(
            session, person_id=v.person.id or 0, form_key=FORM,
            state={"broadcast_id": broadcast_id, "await": what}, now=v.now,
        )  # fmt: skip


async def _stop_waiting(v: Visit) -> None:
    async with transaction(v.services.sessions) as session:
        await delete_form(session, person_id=v.person.id or 0, form_key=FORM)


async def new_notice(update: Update, context: Context) -> None:
    """Starts a notice: the organizer's next message is its text."""
    v = await organizer_visit(update, context)
    if v is None:
        return
    await answer(update)
    async with transaction(v.services.sessions) as session:
        broadcast = await create_broadcast(session, created_by=v.person.id or 0, now=v.now)
    await _wait(v, broadcast.id or 0, "text")
    markup = keyboard([[("broadcast.cancel", f"bc:{broadcast.id}:x")]])
    await reply(update, context, "broadcast/write.html", markup=markup)


# ----------------------------------------------------------------------- what is typed


async def on_typed(update: Update, context: Context, v: Visit, progress: FormProgress) -> None:
    """Takes the notice's text or the moment to send it (a text hook)."""
    message = update.effective_message
    assert message is not None and message.text is not None
    if not v.is_organizer:
        await _stop_waiting(v)
        await require_organizer(update, context, v)
        return
    broadcast = await _draft_of(v, progress)
    if broadcast is None:
        await _stop_waiting(v)
        await reply(update, context, "broadcast/stale.html")
        return
    waiting = progress.state.get("await")
    if waiting == "moment":
        await _take_moment(update, context, v, broadcast, message.text)
    elif waiting == "document":
        await reply(update, context, "broadcast/ask_document.html", wrong=True)
    else:
        await _take_text(update, context, v, broadcast, message.text_html, None)


async def on_attachment(update: Update, context: Context, v: Visit, progress: FormProgress) -> None:
    """Takes a document for the notice while one is awaited (a file hook)."""
    message = update.effective_message
    assert message is not None
    if not v.is_organizer:
        await _stop_waiting(v)
        await require_organizer(update, context, v)
        return
    broadcast = await _draft_of(v, progress)
    if broadcast is None:
        await _stop_waiting(v)
        await reply(update, context, "broadcast/stale.html")
        return
    waiting = progress.state.get("await")
    if message.document is None or waiting == "moment":
        await reply(update, context, "broadcast/not_a_document.html", waiting=waiting)
        return
    document = {
        "file_id": message.document.file_id,
        "file_name": message.document.file_name or "",
    }
    caption = message.caption_html if message.caption else None
    await _take_text(update, context, v, broadcast, caption, document)


async def _draft_of(v: Visit, progress: FormProgress) -> Broadcast | None:
    broadcast_id = progress.state.get("broadcast_id")
    async with v.services.sessions() as session:
        broadcast = await get_broadcast(session, broadcast_id=int(broadcast_id or 0))
    if broadcast is None or broadcast.status != BroadcastStatus.DRAFT:
        return None
    return broadcast


async def _take_text(
    update: Update,
    context: Context,
    v: Visit,
    broadcast: Broadcast,
    text: str | None,
    document: dict[str, Any] | None,
) -> None:
    changes: dict[str, Any] = {}
    if document is not None:
        changes["document"] = document
    if text is not None:
        changes["text"] = text
        probe = Broadcast(text=text)
        over = too_long_by(v.services.contest, probe)
        if over:
            await reply(update, context, "broadcast/too_long.html", over=over)
            return
    async with transaction(v.services.sessions) as session:
        row = await get_broadcast(session, broadcast_id=broadcast.id or 0)
        assert row is not None
        await save_broadcast(session, broadcast=row, **changes)
        broadcast = row
    if not broadcast.text:
        await _wait(v, broadcast.id or 0, "text")
        await reply(update, context, "broadcast/ask_text.html", broadcast=broadcast)
        return
    await _stop_waiting(v)
    await reply(
        update, context, "broadcast/audience.html",
        markup=keyboard(_audience_rows(broadcast)), broadcast=broadcast, empty=False,
    )  # fmt: skip


async def _take_moment(
    update: Update, context: Context, v: Visit, broadcast: Broadcast, text: str
) -> None:
    contest = v.services.contest
    try:
        moment = parse_send_time(text, contest, v.now)
    except SendTimeError as error:
        await reply(
            update, context, "broadcast/time_error.html",
            code=error.code, now=v.now, example=_example(v),
        )  # fmt: skip
        return
    async with transaction(v.services.sessions) as session:
        row = await get_broadcast(session, broadcast_id=broadcast.id or 0)
        assert row is not None
        people = await _people(session, v, row)
        rows = notice_rows(contest, row, people, due_at=moment)
        written = await enqueue_many(session, messages=rows) if rows else 0
        await save_broadcast(
            session, broadcast=row, status=BroadcastStatus.SCHEDULED.value,
            scheduled_at=moment, progress_account_id=_account_id(v),
        )  # fmt: skip
        await audit(
            session, v, "broadcast", broadcast=row.id, recipients=written,
        )  # fmt: skip
        await delete_form(session, person_id=v.person.id or 0, form_key=FORM)
    sent = await reply(
        update, context, "broadcast/scheduled.html",
        markup=keyboard([[("broadcast.unschedule", f"bc:{row.id}:un")], [("org.home", HOME)]]),
        broadcast=row, moment=moment, count=written, unit=await _unit_of(v, row),
        contest=contest, now=v.now,
    )  # fmt: skip
    await _remember_progress(v, row, sent)
    wake(v.services)


def _example(v: Visit) -> datetime:
    """Return tomorrow in the contest's time zone: the example of a send time."""
    return (v.now + timedelta(days=1)).astimezone(v.services.contest.zone)


# ------------------------------------------------------------------------------ audience


def _audience_rows(broadcast: Broadcast) -> Rows:
    bid = broadcast.id
    return [
        [("broadcast.all", f"bc:{bid}:a:all")],
        [("broadcast.by_category", f"bc:{bid}:m:cat"), ("broadcast.by_status", f"bc:{bid}:m:st")],
        [("broadcast.by_submitter", f"bc:{bid}:m:sub"), ("broadcast.by_unit", f"bc:{bid}:m:unit")],
        [("broadcast.attach", f"bc:{bid}:doc"), ("broadcast.rewrite", f"bc:{bid}:txt")],
        [("broadcast.cancel", f"bc:{bid}:x")],
    ]


async def _submenu(
    update: Update, context: Context, v: Visit, broadcast: Broadcast, menu: str, page: int
) -> None:
    bid = broadcast.id
    contest = v.services.contest
    rows: Rows
    if menu == "cat":
        rows = [[(c.name, f"bc:{bid}:a:cat:{c.key}")] for c in contest.categories]
    elif menu == "st":
        rows = [[(f"broadcast.status_{s}", f"bc:{bid}:a:st:{s}")] for s in STATUSES]
    elif menu == "sub":
        subs = contest.registration.submitters
        pairs = [(s.name, f"bc:{bid}:a:sub:{s.key}") for s in subs]
        rows = [pairs[i : i + 2] for i in range(0, len(pairs), 2)]
    else:
        async with v.services.sessions() as session:
            units = [u for u in await list_units(session) if u.registered]
        pages = max(1, -(-len(units) // PAGE))
        page = min(max(page, 0), pages - 1)
        shown = units[page * PAGE : (page + 1) * PAGE]
        rows = [[(u.party_org or f"#{u.id}", f"bc:{bid}:a:unit:{u.id}")] for u in shown]
        nav = []
        if page > 0:
            nav.append(("broadcast.prev", f"bc:{bid}:m:unit:{page - 1}"))
        if page + 1 < pages:
            nav.append(("broadcast.next", f"bc:{bid}:m:unit:{page + 1}"))
        rows.append(nav)
    rows.append([("broadcast.back", f"bc:{bid}:aud")])
    await show(update, context, "broadcast/submenu.html", markup=keyboard(rows), menu=menu)


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


AUDIENCE_KINDS = {"all": "all", "cat": "category", "st": "status", "sub": "submitter"}


async def _people(session: Any, v: Visit, broadcast: Broadcast) -> list[Any]:
    audience = broadcast.audience
    return await audience_people(
        session,
        kind=AUDIENCE_KINDS.get(audience.get("kind", ""), audience.get("kind", "")),
        value=str(audience.get("value", "")),
        sender_id=v.person.id,
    )


async def _unit_of(v: Visit, broadcast: Broadcast) -> Any:
    if broadcast.audience.get("kind") != "unit":
        return None
    async with v.services.sessions() as session:
        return await get_unit(session, unit_id=int(broadcast.audience.get("value") or 0))


async def _choose(
    update: Update, context: Context, v: Visit, broadcast: Broadcast, kind: str, value: str
) -> None:
    if not broadcast.text:
        await _wait(v, broadcast.id or 0, "text")
        await reply(update, context, "broadcast/ask_text.html", broadcast=broadcast, wrong=False)
        return
    if not _valid_audience(v, kind, value):
        await show(
            update, context, "broadcast/audience.html",
            markup=keyboard(_audience_rows(broadcast)), broadcast=broadcast, empty=False,
        )  # fmt: skip
        return
    async with transaction(v.services.sessions) as session:
        row = await get_broadcast(session, broadcast_id=broadcast.id or 0)
        assert row is not None
        await save_broadcast(session, broadcast=row, audience={"kind": kind, "value": value})
        people = await _people(session, v, row)
    if not people:
        await show(
            update, context, "broadcast/audience.html",
            markup=keyboard(_audience_rows(row)), broadcast=row, empty=True,
        )  # fmt: skip
        return
    await _preview(update, context, v, row)
    bid = row.id
    markup = keyboard(
        [
            [("broadcast.send", f"bc:{bid}:go"), ("broadcast.schedule", f"bc:{bid}:at")],
            [("broadcast.audience", f"bc:{bid}:aud"), ("broadcast.cancel", f"bc:{bid}:x")],
        ]
    )
    await reply(
        update, context, "broadcast/confirm.html", markup=markup, broadcast=row,
        count=len(people), unreachable=sum(1 for p in people if p.unreachable),
        unit=await _unit_of(v, row), contest=v.services.contest,
    )  # fmt: skip


async def _preview(update: Update, context: Context, v: Visit, broadcast: Broadcast) -> None:
    """Sends the notice to the organizer exactly as its recipients will get it."""
    chat = update.effective_chat
    assert chat is not None and broadcast.id is not None
    text = notice_text(v.services.contest, broadcast)
    markup = markup_of(notice_actions(broadcast.id))
    document = broadcast.document
    await reply(update, context, "broadcast/preview_intro.html")
    if document:
        if plain_length(text) <= CAPTION_LIMIT:
            await context.bot.send_document(
                chat.id, document["file_id"], caption=text, parse_mode=ParseMode.HTML,
                reply_markup=markup,
            )  # fmt: skip
            return
        await context.bot.send_document(chat.id, document["file_id"])
    await reply(
        update, context, "broadcast/notice.html", markup=markup,
        contest=v.services.contest, body=Markup(broadcast.text),
    )  # fmt: skip


# ------------------------------------------------------------------------------- sending


def _account_id(v: Visit) -> int | None:
    """Return the account the organizer wrote from: their progress message is shown there."""
    return v.account.id if v.account is not None else None


async def _remember_progress(v: Visit, broadcast: Broadcast, message: Message | bool) -> None:
    if not isinstance(message, Message):
        return
    async with transaction(v.services.sessions) as session:
        row = await get_broadcast(session, broadcast_id=broadcast.id or 0)
        if row is not None:
            await save_broadcast(
                session, broadcast=row, progress_account_id=_account_id(v),
                progress_message_id=str(message.message_id),
            )  # fmt: skip


async def _send_now(update: Update, context: Context, v: Visit, broadcast: Broadcast) -> None:
    async with v.services.sessions() as session:
        people = await _people(session, v, broadcast)
    zero = {"pending": len(people), "sent": 0, "unreachable": 0, "failed": 0}
    shown = await show(
        update, context, "broadcast/progress.html",
        broadcast=broadcast, counts=zero, total=len(people), done=0,
    )  # fmt: skip
    message_id = str(shown.message_id) if isinstance(shown, Message) else None
    async with transaction(v.services.sessions) as session:
        row = await get_broadcast(session, broadcast_id=broadcast.id or 0)
        if row is None or row.status != BroadcastStatus.DRAFT:
            return
        rows = notice_rows(v.services.contest, row, people, due_at=v.now)
        await enqueue_many(session, messages=rows)
        await save_broadcast(
            session, broadcast=row, status=BroadcastStatus.SENDING.value,
            progress_account_id=_account_id(v), progress_message_id=message_id,
        )  # fmt: skip
        await audit(
            session, v, "broadcast", broadcast=row.id, recipients=len(rows),
        )  # fmt: skip
    wake(v.services)


async def _unschedule(update: Update, context: Context, v: Visit, broadcast: Broadcast) -> None:
    async with transaction(v.services.sessions) as session:
        row = await get_broadcast(session, broadcast_id=broadcast.id or 0)
        assert row is not None
        dropped = await cancel_pending(session, broadcast_id=row.id or 0)
        await save_broadcast(session, broadcast=row, status=BroadcastStatus.CANCELLED.value)
    await show(
        update, context, "broadcast/unscheduled.html",
        markup=keyboard([[("org.home", HOME)]]), dropped=dropped,
    )  # fmt: skip


async def _drop(update: Update, context: Context, v: Visit, broadcast: Broadcast) -> None:
    async with transaction(v.services.sessions) as session:
        row = await get_broadcast(session, broadcast_id=broadcast.id or 0)
        assert row is not None
        await save_broadcast(session, broadcast=row, status=BroadcastStatus.CANCELLED.value)
        await delete_form(session, person_id=v.person.id or 0, form_key=FORM)
    await show(update, context, "broadcast/cancelled.html", markup=keyboard([[("org.home", HOME)]]))


# ------------------------------------------------------------------------ after sending


async def _summary(update: Update, context: Context, v: Visit, broadcast: Broadcast) -> None:
    async with v.services.sessions() as session:
        counts = await delivery_counts(session, broadcast_id=broadcast.id or 0)
        acks = len(await acknowledged(session, broadcast_id=broadcast.id or 0))
    await show(
        update, context, "broadcast/summary.html",
        markup=keyboard(_after_rows(broadcast)), broadcast=broadcast, counts=counts,
        acks=acks, unit=await _unit_of(v, broadcast), contest=v.services.contest,
    )  # fmt: skip


def _after_rows(broadcast: Broadcast) -> Rows:
    bid = broadcast.id
    rows: Rows = [[("broadcast.acks", f"bc:{bid}:acks"), ("broadcast.resend", f"bc:{bid}:re")]]
    if broadcast.status == BroadcastStatus.SCHEDULED:
        rows = [[("broadcast.unschedule", f"bc:{bid}:un")]]
    rows.append([("org.history", "org:bcl"), ("org.home", HOME)])
    return rows


async def _acks(update: Update, context: Context, v: Visit, broadcast: Broadcast) -> None:
    async with v.services.sessions() as session:
        people = await recipients(session, broadcast_id=broadcast.id or 0)
        done = await acknowledged(session, broadcast_id=broadcast.id or 0)
        units = {u.id: u for u in await list_units(session)}
    by_unit: dict[int | None, list[Any]] = defaultdict(list)
    for person in people:
        by_unit[person.unit_id].append(person)
    groups = sorted(by_unit.items(), key=lambda pair: (pair[0] is None, pair[0] or 0))
    blocks = [
        render(
            "broadcast/acks.html",
            broadcast=broadcast,
            total=len(people),
            acked=sum(1 for p in people if p.id in done),
        ),
        *(
            render("broadcast/acks_unit.html", unit=units.get(uid), people=group, done=done)
            for uid, group in groups
        ),
    ]
    pages = split_messages(blocks)
    for number, page in enumerate(pages, start=1):
        markup = keyboard(_after_rows(broadcast)) if number == len(pages) else None
        await reply(update, context, "organizer/page.html", markup=markup, page=Markup(page))


async def _resend(update: Update, context: Context, v: Visit, broadcast: Broadcast) -> None:
    bid = broadcast.id or 0
    async with v.services.sessions() as session:
        busy = await pending_count(session, broadcast_id=bid)
        done = await acknowledged(session, broadcast_id=bid)
        people = [p for p in await recipients(session, broadcast_id=bid) if p.id not in done]
    if busy or broadcast.status != BroadcastStatus.DONE or not people:
        await reply(
            update, context, "broadcast/resend_nothing.html",
            busy=busy, everyone=not people, markup=keyboard(_after_rows(broadcast)),
        )  # fmt: skip
        return
    zero = {"pending": len(people), "sent": 0, "unreachable": 0, "failed": 0}
    shown = await reply(
        update, context, "broadcast/progress.html",
        broadcast=broadcast, counts=zero, total=len(people), done=0,
    )  # fmt: skip
    async with transaction(v.services.sessions) as session:
        row = await get_broadcast(session, broadcast_id=bid)
        if row is None or row.status != BroadcastStatus.DONE:
            return  # pressed twice: the first press is sending
        number = int(row.audience.get("round", 1) or 1) + 1
        await save_broadcast(
            session, broadcast=row, audience={**row.audience, "round": number},
            status=BroadcastStatus.SENDING.value, progress_account_id=_account_id(v),
            progress_message_id=str(shown.message_id),
        )  # fmt: skip
        await enqueue_many(
            session, messages=notice_rows(v.services.contest, row, people, due_at=v.now)
        )
        await audit(
            session, v, "broadcast", broadcast=row.id, recipients=len(people),
        )  # fmt: skip
    wake(v.services)


async def history(update: Update, context: Context) -> None:
    """Lists the latest notices sent or scheduled."""
    v = await organizer_visit(update, context)
    if v is None:
        return
    await answer(update)
    async with v.services.sessions() as session:
        broadcasts = await recent_broadcasts(session)
        sizes = {
            b.id: await count_recipients(session, broadcast_id=b.id or 0, kind=round_kind(b))
            for b in broadcasts
        }
    rows: Rows = [[(_excerpt(b), f"bc:{b.id}:sum")] for b in broadcasts]
    rows.append([("org.broadcast", "org:bc"), ("org.home", HOME)])
    await show(
        update, context, "broadcast/history.html", markup=keyboard(rows),
        broadcasts=broadcasts, sizes=sizes,
    )  # fmt: skip


def _excerpt(broadcast: Broadcast) -> str:
    text = " ".join(plain_text(broadcast.text).split())
    short = text if len(text) <= 24 else text[:23] + "…"
    return f"#{broadcast.id} {short}".strip()


# ------------------------------------------------------------------------- the buttons

DRAFT_OPS = {"aud", "m", "a", "go", "at", "x", "txt", "doc"}


async def on_button(update: Update, context: Context) -> None:
    """Routes every ``bc:<id>:<op>`` button; re-checks the right and the notice's state."""
    v = await organizer_visit(update, context)
    if v is None:
        return
    parts = callback_parts(update)
    op = parts[2] if len(parts) > 2 else ""
    async with v.services.sessions() as session:
        broadcast = await get_broadcast(session, broadcast_id=int_part(parts, 1) or 0)
    if broadcast is None or not _fits(broadcast, op):
        await answer(update, "broadcast/stale_toast.html")
        return
    await answer(update)
    if op in ("aud", "m", "a", "go", "x"):
        await _stop_waiting(v)
    arg = parts[3] if len(parts) > 3 else ""
    value = ":".join(parts[4:])
    if op == "aud":
        await show(
            update, context, "broadcast/audience.html",
            markup=keyboard(_audience_rows(broadcast)), broadcast=broadcast, empty=False,
        )  # fmt: skip
    elif op == "m":
        await _submenu(update, context, v, broadcast, arg, int_part(parts, 4) or 0)
    elif op == "a":
        await _choose(update, context, v, broadcast, arg, value)
    elif op == "go":
        await _send_now(update, context, v, broadcast)
    elif op == "at":
        await _wait(v, broadcast.id or 0, "moment")
        await reply(update, context, "broadcast/ask_time.html", example=_example(v))
    elif op in ("txt", "doc"):
        await _wait(v, broadcast.id or 0, "text" if op == "txt" else "document")
        template = "broadcast/ask_text.html" if op == "txt" else "broadcast/ask_document.html"
        back = keyboard([[("broadcast.back", f"bc:{broadcast.id}:aud")]])
        await reply(update, context, template, markup=back, broadcast=broadcast, wrong=False)
    elif op == "x":
        await _drop(update, context, v, broadcast)
    elif op == "un":
        await _unschedule(update, context, v, broadcast)
    elif op == "acks":
        await _acks(update, context, v, broadcast)
    elif op == "re":
        await _resend(update, context, v, broadcast)
    else:
        await _summary(update, context, v, broadcast)


def _fits(broadcast: Broadcast, op: str) -> bool:
    """Tell whether a button still applies to the notice's state."""
    if op in DRAFT_OPS:
        return broadcast.status == BroadcastStatus.DRAFT
    if op == "un":
        return broadcast.status == BroadcastStatus.SCHEDULED
    if op in ("acks", "re", "sum"):
        return broadcast.status != BroadcastStatus.DRAFT
    return False


# ----------------------------------------------------------------------- recipients


async def on_ack(update: Update, context: Context) -> None:
    """Records a recipient's “已知悉” and marks the button."""
    v = await visit(update, context)
    done = await acknowledge_notice(v, broadcast_id=int_part(callback_parts(update), 1))
    await answer(update, done.toast, **done.values)
    query = update.callback_query
    if query is not None and done.actions:
        try:
            await query.edit_message_reply_markup(markup_of(done.actions))
        except BadRequest:
            pass  # already marked


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Adds /broadcast, the notice buttons, the acknowledgement button and the text hook."""
    app.add_handler(CommandHandler("broadcast", new_notice))
    app.add_handler(CallbackQueryHandler(new_notice, pattern="^org:bc$"))
    app.add_handler(CallbackQueryHandler(history, pattern="^org:bcl$"))
    app.add_handler(CallbackQueryHandler(on_button, pattern=r"^bc:"))
    app.add_handler(CallbackQueryHandler(on_ack, pattern=r"^ack:"))
    TEXT_HOOKS[FORM] = on_typed
    FILE_HOOKS[FORM] = on_attachment
