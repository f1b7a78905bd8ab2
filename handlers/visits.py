"""Who is asking and when: the person behind an input, loaded once, and the moment it came.

Every channel turns its sender into a :class:`Sender` (its channel, the sender's id there,
the chat to answer in and a display name) and takes the time once at its edge. The use
cases get a :class:`Visit`: the services, the person (created on first contact) and that
moment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.services import Services
from storage.models import Person
from storage.people import ensure_person


@dataclass(frozen=True)
class Sender:
    """Someone writing to the bot through a channel."""

    channel: str
    external_id: int
    chat_id: int
    display_name: str = ""


@dataclass(frozen=True)
class Visit:
    """One input's view of the world, taken once at the edge."""

    services: Services
    person: Person
    now: datetime

    @property
    def is_organizer(self) -> bool:
        """Return True if this person may use organizer commands."""
        return self.person.is_organizer or self.services.is_configured_organizer(
            self.person.telegram_id
        )


async def arrive(session: AsyncSession, services: Services, sender: Sender, now: datetime) -> Visit:
    """Load (or create) the person behind this input, inside the caller's transaction."""
    person = await ensure_person(
        session,
        telegram_id=sender.external_id,
        chat_id=sender.chat_id,
        display_name=sender.display_name,
    )
    return Visit(services=services, person=person, now=now)
