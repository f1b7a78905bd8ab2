"""A person's data, channel-neutral: export it, ask for its erasure, decide on a request.

No Telegram here (the channel is ``channels/telegram/mydata.py``): each function takes the services
and ids, runs one transaction and returns what the channel needs to reply. Messages to
others (the organizers about a request, the person about the decision) go through the
outbox, so they reach people who are not in this conversation.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from config.services import Services
from delivery import wake
from handlers import actions as ids
from handlers.organizing import Answer, organizers_only
from handlers.replies import Attachment, Reply, actions, stored
from handlers.visits import Visit
from messages import per_channel
from storage.db import transaction
from storage.models import ErasureRequest, Person
from storage.outbox import enqueue
from storage.personal import (
    decide_erasure,
    organizers,
    pending_erasure,
    personal_record,
    request_erasure,
)
from storage.units import get_unit


async def export_personal_data(services: Services, *, person_id: int, now: datetime) -> bytes:
    """Return what the bot holds about this person as a JSON document (UTF-8)."""
    async with services.sessions() as session:
        record = await personal_record(session, person_id=person_id)
    document = {"exported_at": now.isoformat(), "contest": services.contest.key, **record}
    return json.dumps(document, ensure_ascii=False, indent=2, default=str).encode("utf-8")


async def waiting_request(services: Services, *, person_id: int) -> ErasureRequest | None:
    """Return this person's erasure request that waits for an organizer, if any."""
    async with services.sessions() as session:
        return await pending_erasure(session, person_id=person_id)


@dataclass(frozen=True)
class Asked:
    """An erasure request and how many organizers were told about it."""

    request: ErasureRequest
    told: int


# ORGANIZER_IDS are Telegram user ids (see Services.is_configured_organizer).
CONFIGURED_CHANNEL = "telegram"


async def ask_erasure(services: Services, *, person: Person, now: datetime) -> Asked:
    """Record the request and tell every organizer, with buttons to erase or decline."""
    configured = [str(i) for i in services.settings.organizer_ids]
    async with transaction(services.sessions) as session:
        request = await request_erasure(session, person_id=person.id or 0, now=now)
        unit = await get_unit(session, unit_id=person.unit_id) if person.unit_id else None
        request_id = request.id or 0
        yes, no = ids.erase(request_id, confirm=True), ids.erase(request_id, confirm=False)
        decision = actions([[("erase.confirm", yes), ("erase.decline", no)]])
        told = 0
        found = await organizers(session, channel=CONFIGURED_CHANNEL, external_ids=configured)
        for organizer in found:
            if organizer.id == person.id:
                continue
            text = per_channel(
                "mydata/erase_request.html", person=person, unit=unit, request=request
            )
            await enqueue(
                session,
                person_id=organizer.id or 0,
                kind="notice",
                dedupe_key=f"erase:{request.id}:{organizer.id}",
                text=text,
                due_at=now,
                actions=stored(decision),
            )
            told += 1
    wake(services)
    return Asked(request=request, told=told)


async def decide(
    services: Services, *, request_id: int, organizer: Person, now: datetime, erase: bool
) -> ErasureRequest | None:
    """Erase (or decline) a pending request and tell its person; None if already decided."""
    async with transaction(services.sessions) as session:
        request = await decide_erasure(
            session, request_id=request_id, decided_by=organizer.id or 0, now=now, erase=erase
        )
        if request is None:
            return None
        person = await session.get(Person, request.person_id)
        if person is not None:
            await enqueue(
                session,
                person_id=person.id or 0,
                kind="notice",
                dedupe_key=f"erased:{request.id}",
                text=per_channel(
                    "mydata/erase_outcome.html", erased=erase, contest=services.contest
                ),
                due_at=now,
            )
    wake(services)
    return request


# -- the replies a channel sends (each use case above, as the person sees it) -------------

EXPORT_NAME = "mydata.json"


async def my_data(v: Visit) -> Reply:
    """Return everything the bot holds about the person, as a JSON file with a caption."""
    data = await export_personal_data(v.services, person_id=v.person.id or 0, now=v.now)
    file = Attachment(EXPORT_NAME, data, "application/json")
    return Reply("mydata/export.html", {"now": v.now}, attachment=file)


async def erasure_prompt(v: Visit) -> Reply:
    """Explain what erasure removes and keeps and ask to confirm (or say one is pending)."""
    pending = await waiting_request(v.services, person_id=v.person.id or 0)
    if pending is not None:
        return Reply("mydata/erase_pending.html", {"request": pending})
    buttons = actions([[("erase.ask", ids.ERASE_ASK), ("erase.cancel", ids.ERASE_CANCEL)]])
    return Reply("mydata/erase_ask.html", actions=buttons)


async def erasure_asked(v: Visit) -> Reply:
    """Record the person's request, tell the organizers, and say so in place."""
    asked = await ask_erasure(v.services, person=v.person, now=v.now)
    values = {"request": asked.request, "told": asked.told, "contest": v.services.contest}
    return Reply("mydata/erase_sent.html", values, in_place=True)


def erasure_cancelled() -> Reply:
    """Leave everything as it is, and say so in place."""
    return Reply("mydata/erase_cancelled.html", in_place=True)


@organizers_only()
async def erasure_decided(v: Visit, *, request_id: int | None, erase: bool) -> Answer:
    """Carry out or decline a pending request (organizers only), then say what was done."""
    request = None
    if request_id is not None:
        request = await decide(
            v.services, request_id=request_id, organizer=v.person, now=v.now, erase=erase
        )
    values = {"request": request, "erased": erase}
    return Answer([Reply("mydata/erase_decided.html", values, in_place=True)])
