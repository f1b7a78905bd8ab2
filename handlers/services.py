"""What every use case needs, built once per application: settings, contest, clock, database."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from config.clock import Clock
from config.settings import Settings
from contest.definition import Contest
from storage.db import SessionFactory

SERVICES = "services"


@dataclass
class Services:
    """The application's shared parts: configuration, contest, clock, database."""

    settings: Settings
    contest: Contest
    clock: Clock
    engine: AsyncEngine
    sessions: SessionFactory
    extras: dict[str, Any] = field(default_factory=dict)

    def is_configured_organizer(self, telegram_id: int) -> bool:
        """Return True for the ids listed in ORGANIZER_IDS."""
        return telegram_id in self.settings.organizer_ids


def services_of(holder: Any) -> Services:
    """Return the services kept in a channel's application data (``holder.bot_data``)."""
    services: Services = holder.bot_data[SERVICES]
    return services
