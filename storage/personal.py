"""A person's own data: what the bot holds about them, and erasing it on request.

:func:`personal_record` gathers every row about one person into plain values (their
profile, unit, the cases they created, forms in progress, messages sent to them, erasure
requests). :func:`erase_person` carries out a confirmed request: the person's fields are
emptied, their forms in progress, wrong-code tries and unsent messages deleted, the texts
of messages already sent blanked, and their name and numbers removed from their unit's
cases that were never submitted. What was submitted (cases that were ever submitted, their
revisions and teams) is kept, as the contest's rules require; so are the person's accounts
(the channel ids the deletion was done for) and acknowledgements of notices (no personal
content).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import col, delete, func, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from storage.models import (
    Account,
    Case,
    CodeFailure,
    DeliveryStatus,
    ErasureRequest,
    ErasureStatus,
    FormProgress,
    OutboxMessage,
    Person,
    TeamMember,
    Unit,
)

PERSON_FIELDS = ("name", "title", "office_phone", "mobile", "display_name")
MEMBER_FIELDS = ("name", "title", "office_phone", "mobile")


def _moment(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


async def personal_record(session: AsyncSession, *, person_id: int) -> dict[str, Any]:
    """Return everything stored about this person, as JSON-ready values."""
    person = await session.get(Person, person_id)
    if person is None:
        return {}
    unit = await session.get(Unit, person.unit_id) if person.unit_id else None
    cases = await session.exec(select(Case).where(Case.created_by == person_id).order_by(Case.id))
    forms = await session.exec(select(FormProgress).where(FormProgress.person_id == person_id))
    messages = await session.exec(
        select(OutboxMessage.kind, func.count(), func.max(OutboxMessage.sent_at))
        .where(OutboxMessage.person_id == person_id)
        .group_by(OutboxMessage.kind)
    )
    requests = await session.exec(
        select(ErasureRequest).where(ErasureRequest.person_id == person_id)
    )
    accounts = await session.exec(
        select(Account).where(Account.person_id == person_id).order_by(col(Account.id))
    )
    return {
        "person": {
            **{name: getattr(person, name) for name in PERSON_FIELDS},
            "profile_done": person.profile_done,
            "is_organizer": person.is_organizer,
            "reminders_muted": person.reminders_muted,
            "created_at": _moment(person.created_at),
        },
        "accounts": [
            {"channel": a.channel, "id": a.external_id, "created_at": _moment(a.created_at)}
            for a in accounts.all()
        ],
        "unit": None
        if unit is None
        else {
            "party_org": unit.party_org,
            "recommending_unit": unit.recommending_unit,
            "submitter_key": unit.submitter_key,
        },
        "cases_created": [
            {
                "id": case.id,
                "status": case.status,
                "ever_submitted": case.ever_submitted,
                "values": case.values,
                "created_at": _moment(case.created_at),
            }
            for case in cases.all()
        ],
        "forms_in_progress": [
            {"form": form.form_key, "state": form.state, "updated_at": _moment(form.updated_at)}
            for form in forms.all()
        ],
        "messages_received": [
            {"kind": kind, "count": count, "last_sent_at": _moment(last)}
            for kind, count, last in messages.all()
        ],
        "erasure_requests": [
            {"status": r.status, "requested_at": _moment(r.requested_at)} for r in requests.all()
        ],
    }


async def pending_erasure(session: AsyncSession, *, person_id: int) -> ErasureRequest | None:
    """Return this person's erasure request that waits for an organizer, if any."""
    query = select(ErasureRequest).where(
        ErasureRequest.person_id == person_id, ErasureRequest.status == ErasureStatus.PENDING
    )
    return (await session.exec(query)).first()


async def request_erasure(
    session: AsyncSession, *, person_id: int, now: datetime
) -> ErasureRequest:
    """Record a request to erase this person's data (or return the one still pending)."""
    request = await pending_erasure(session, person_id=person_id)
    if request is None:
        request = ErasureRequest(person_id=person_id, requested_at=now)
        session.add(request)
        await session.flush()
    return request


async def get_erasure(session: AsyncSession, *, request_id: int) -> ErasureRequest | None:
    """Return an erasure request by id."""
    return await session.get(ErasureRequest, request_id)


async def decide_erasure(
    session: AsyncSession, *, request_id: int, decided_by: int, now: datetime, erase: bool
) -> ErasureRequest | None:
    """Confirm (erase) or decline a pending request; None if it is not pending any more."""
    request = await session.get(ErasureRequest, request_id)
    if request is None or request.status != ErasureStatus.PENDING:
        return None
    if erase:
        await erase_person(session, person_id=request.person_id)
    request.status = ErasureStatus.DONE if erase else ErasureStatus.DECLINED
    request.decided_by, request.decided_at = decided_by, now
    session.add(request)
    await session.flush()
    return request


async def erase_person(session: AsyncSession, *, person_id: int) -> None:
    """Empty the person's fields and remove them from what was never submitted."""
    person = await session.get(Person, person_id)
    if person is None:
        return
    own = {value for value in (person.name, person.mobile, person.office_phone) if value}
    if person.unit_id is not None and own:
        drafts = await session.exec(
            select(Case).where(Case.unit_id == person.unit_id, col(Case.ever_submitted).is_(False))
        )
        for case in drafts.all():
            values = {
                k: "" if isinstance(v, str) and v in own else v for k, v in case.values.items()
            }
            if values != case.values:
                case.values = values
                session.add(case)
            members = await session.exec(select(TeamMember).where(TeamMember.case_id == case.id))
            for member in members.all():
                if member.mobile in own or (member.name and member.name == person.name):
                    for name in MEMBER_FIELDS:
                        setattr(member, name, "")
                    session.add(member)
    for name in PERSON_FIELDS:
        setattr(person, name, "")
    person.profile_done, person.unit_id, person.reminders_muted = False, None, True
    session.add(person)
    await session.exec(delete(FormProgress).where(col(FormProgress.person_id) == person_id))
    await session.exec(delete(CodeFailure).where(col(CodeFailure.person_id) == person_id))
    await session.exec(
        delete(OutboxMessage).where(
            col(OutboxMessage.person_id) == person_id,
            col(OutboxMessage.status) == DeliveryStatus.PENDING,
        )
    )
    await session.exec(
        update(OutboxMessage).where(col(OutboxMessage.person_id) == person_id).values(text="")
    )
    await session.flush()


def configured_people(channel: str, external_ids: list[str]) -> SelectOfScalar[int]:
    """Return the query of the ids of people with one of these accounts (ORGANIZER_IDS)."""
    return select(Account.person_id).where(
        Account.channel == channel, col(Account.external_id).in_(external_ids or [""])
    )


async def organizers(
    session: AsyncSession, *, channel: str, external_ids: list[str]
) -> list[Person]:
    """Return the organizers the bot can write to (promoted ones and configured accounts)."""
    query = select(Person).where(
        col(Person.is_organizer).is_(True)
        | col(Person.id).in_(configured_people(channel, external_ids))
    )
    return list((await session.exec(query.order_by(Person.id))).all())
