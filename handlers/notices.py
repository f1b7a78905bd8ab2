"""Organizers' notices and result notices as outbox rows: one per recipient, idempotent.

The notice's text is the organizer's own message as Telegram HTML (``Message.text_html``:
Telegram's entities re-serialized by PTB, every character of the text escaped), so its
formatting is kept; it is the only markup not produced by our templates, and it comes from
an organizer, never from an entrant.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from markupsafe import Markup

from contest.definition import Contest, Stage
from handlers import actions as ids
from handlers.replies import Actions, actions, stored
from messages import ChannelText, per_channel
from messages.markup import plain_length
from storage.models import Broadcast, Person

CAPTION_LIMIT = 1024  # Telegram's limit for a document's caption
TEXT_LIMIT = 4096  # and for a message


def notice_text(contest: Contest, broadcast: Broadcast) -> str:
    """Render a notice as its recipients see it; a re-send says it is a reminder (再次提醒)."""
    return notice_texts(contest, broadcast)("telegram")


def notice_texts(contest: Contest, broadcast: Broadcast) -> ChannelText:
    """Return the notice's text for each recipient's channel (rendered once per channel)."""
    return per_channel(
        "broadcast/notice.html",
        contest=contest,
        body=Markup(broadcast.text),
        reminder=notice_round(broadcast) > 1,
    )


def notice_actions(broadcast_id: int) -> Actions:
    """Return the notice's “已知悉” button."""
    return actions([[("broadcast.ack", ids.acknowledge(broadcast_id))]])


def notice_round(broadcast: Broadcast) -> int:
    """Return which round of sending a broadcast is at (1; re-sends count up)."""
    return int(broadcast.audience.get("round", 1) or 1)


def round_kind(broadcast: Broadcast) -> str:
    """Return the outbox kind of the broadcast's current round ("broadcast", "broadcast:r2")."""
    number = notice_round(broadcast)
    return "broadcast" if number <= 1 else f"broadcast:r{number}"


def notice_rows(
    contest: Contest, broadcast: Broadcast, people: Sequence[Person], *, due_at: datetime
) -> list[dict[str, Any]]:
    """Return the outbox rows of one round of a notice, one per person."""
    assert broadcast.id is not None
    text = notice_texts(contest, broadcast)
    buttons = stored(notice_actions(broadcast.id))
    number = notice_round(broadcast)
    prefix = f"bc:{broadcast.id}" if number <= 1 else f"bc:{broadcast.id}:r{number}"
    return [
        {
            "person_id": person.id,
            "kind": round_kind(broadcast),
            "dedupe_key": f"{prefix}:{person.id}",
            "text": text,
            "due_at": due_at,
            "actions": buttons,
            "document": dict(broadcast.document) if broadcast.document else None,
            "broadcast_id": broadcast.id,
        }
        for person in people
    ]


def too_long_by(contest: Contest, broadcast: Broadcast) -> int:
    """Return how many characters a notice is over Telegram's limit (0 if it fits)."""
    return max(plain_length(notice_text(contest, broadcast)) - TEXT_LIMIT, 0)


def result_rows(
    contest: Contest,
    *,
    stage: Stage,
    next_stage: Stage | None,
    unit_cases: dict[int, list[tuple[int, str]]],
    people: Sequence[Person],
    now: datetime,
) -> list[dict[str, Any]]:
    """Return the outbox rows telling each advancing unit's people which cases go on.

    ``unit_cases`` maps a unit to its (case id, title) marked at ``stage``; a unit is told
    again only if its set of marked cases changed since it was last told.
    """
    rows = []
    for person in people:
        cases = unit_cases.get(person.unit_id or 0)
        if not cases:
            continue
        titles = [title for _, title in cases]
        marks = hashlib.sha1(",".join(str(case_id) for case_id, _ in sorted(cases)).encode())
        text = per_channel(
            "organizer/advanced.html",
            contest=contest,
            stage=stage,
            next_stage=next_stage,
            titles=titles,
            person=person,
            now=now,
        )
        rows.append(
            {
                "person_id": person.id,
                "kind": "result",
                "dedupe_key": f"adv:{stage.key}:{person.id}:{marks.hexdigest()[:12]}",
                "text": text,
                "due_at": now,
            }
        )
    return rows
