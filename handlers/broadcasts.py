"""Use cases of a broadcast: a recipient's 已知悉, and the sending progress.

A recipient acknowledges a notice with its button (:func:`acknowledge_notice`). While a
broadcast's rows go out, the organizer's progress message is edited in place; when none of
its current round is pending any more, it becomes the final report with the
acknowledgement and re-send buttons. The delivery worker asks :func:`progress` what to
show and edits the message through the organizer's channel.
"""

from __future__ import annotations

from dataclasses import dataclass

from config.services import Services
from handlers import actions as ids
from handlers.notices import round_kind
from handlers.replies import Actions, Reply, actions
from handlers.visits import Visit
from storage.broadcasts import acknowledge, finish_broadcast, get_broadcast
from storage.db import transaction
from storage.models import Account, DeliveryStatus
from storage.outbox import delivery_counts, received


@dataclass(frozen=True)
class Acknowledged:
    """What a 已知悉 press did: the notice on the button, and the button's new state."""

    toast: str
    values: dict[str, object]
    actions: Actions = ()  # the button marked as acknowledged; empty: leave it


async def acknowledge_notice(v: Visit, *, broadcast_id: int | None) -> Acknowledged:
    """Record a recipient's 已知悉 (once); an organizer's preview copy records nothing."""
    broadcast_id = broadcast_id or 0
    person_id = v.person.id or 0
    async with transaction(v.services.sessions) as session:
        addressed = await received(session, broadcast_id=broadcast_id, person_id=person_id)
        fresh = addressed and await acknowledge(
            session, broadcast_id=broadcast_id, person_id=person_id, now=v.now
        )
    if not addressed:
        return Acknowledged("broadcast/ack_preview_toast.html", {"preview": v.is_organizer})
    marked = actions([[("broadcast.acked", ids.acknowledge(broadcast_id))]])
    return Acknowledged("broadcast/ack_toast.html", {"fresh": fresh}, marked)


@dataclass(frozen=True)
class Progress:
    """What a broadcast's progress message should say now, and where that message is."""

    reply: Reply
    account: Account
    message_id: str | None
    final: bool


def report_actions(broadcast_id: int) -> Reply:
    """Return the final report's buttons (as a reply without template, for reuse)."""
    return Reply(
        "",
        actions=actions(
            [
                [
                    ("broadcast.acks", ids.broadcast(broadcast_id, "acks")),
                    ("broadcast.resend", ids.broadcast(broadcast_id, "re")),
                ],
                [("org.home", ids.ORG_HOME)],
            ]
        ),
    )


async def progress(services: Services, *, broadcast_id: int, final: bool) -> Progress | None:
    """Return the progress or final report of a broadcast being sent; None: nothing to show."""
    async with services.sessions() as session:
        broadcast = await get_broadcast(session, broadcast_id=broadcast_id)
        if broadcast is None or broadcast.progress_account_id is None:
            return None
        account = await session.get(Account, broadcast.progress_account_id)
        counts = await delivery_counts(
            session, broadcast_id=broadcast_id, kind=round_kind(broadcast)
        )
    if account is None:
        return None
    total = sum(counts.values())
    pending = counts[DeliveryStatus.PENDING]
    done = total - pending
    values = {"broadcast": broadcast, "counts": counts, "total": total}
    if pending == 0:
        async with transaction(services.sessions) as session:
            finished = await finish_broadcast(session, broadcast_id=broadcast_id)
        if not finished:
            return None
        buttons = report_actions(broadcast_id).actions
        reply = Reply("broadcast/report.html", {**values, "final": True}, buttons)
        return Progress(reply, account, broadcast.progress_message_id, final=True)
    if final and not done:
        return None
    reply = Reply("broadcast/progress.html", {**values, "done": done})
    return Progress(reply, account, broadcast.progress_message_id, final=False)
