"""Who is asking and when: the person behind an input, loaded once, and the moment it came.

Every channel turns its sender into a :class:`Sender` (its channel, the sender's id there,
the chat to answer in and a display name) and takes the time once at its edge. The use
cases get a :class:`Visit`: the services, the person (created on first contact) and that
moment. :func:`respond` is the preamble a channel's routes share: load who is asking once,
call the route, hand what it answers to the channel's sender.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from sqlmodel.ext.asyncio.session import AsyncSession

from config.services import Services
from storage.db import transaction
from storage.forms import ensure_person_waiting
from storage.models import Account, FormProgress, Person
from storage.people import ensure_person

R = TypeVar("R")


@dataclass(frozen=True)
class Sender:
    """Someone writing to the bot through a channel."""

    channel: str
    external_id: str
    chat_id: str
    display_name: str = ""


@dataclass(frozen=True)
class Visit:
    """One input's view of the world, taken once at the edge."""

    services: Services
    person: Person
    now: datetime
    account: Account | None = None  # the account this input came through

    @property
    def is_organizer(self) -> bool:
        """Return True if this person may use organizer commands."""
        if self.person.is_organizer:
            return True
        account = self.account
        return account is not None and self.services.is_configured_organizer(
            account.channel, account.external_id
        )


async def arrive(session: AsyncSession, services: Services, sender: Sender, now: datetime) -> Visit:
    """Load (or create) the person behind this input, inside the caller's transaction."""
    person, account = await ensure_person(
        session,
        channel=sender.channel,
        external_id=sender.external_id,
        chat_id=sender.chat_id,
        display_name=sender.display_name,
    )
    return Visit(services=services, person=person, now=now, account=account)


async def arrive_waiting(
    session: AsyncSession, services: Services, sender: Sender, now: datetime
) -> tuple[Visit, FormProgress | None]:
    """Load (or create) the person behind this input and the form they are filling in
    right now (None: none), in one read inside the caller's transaction."""
    person, account, progress = await ensure_person_waiting(
        session,
        channel=sender.channel,
        external_id=sender.external_id,
        chat_id=sender.chat_id,
        display_name=sender.display_name,
    )
    return Visit(services=services, person=person, now=now, account=account), progress


async def visit_of(services: Services, sender: Sender, now: datetime | None = None) -> Visit:
    """Load (or create) the person behind this input, in a transaction of its own (at
    ``now``, or the clock read once)."""
    async with transaction(services.sessions) as session:
        return await arrive(session, services, sender, now or services.clock.now())


async def respond(
    services: Services,
    sender: Sender,
    route: Callable[[Visit], Awaitable[R | None]],
    send: Callable[[Visit, R], Awaitable[None]],
) -> bool:
    """Load who is asking once, call the route, and hand what it answers to ``send``;
    return False if it answered nothing (nothing sent: the input passes on)."""
    v = await visit_of(services, sender)
    result = await route(v)
    if result is None:
        return False
    await send(v, result)
    return True
