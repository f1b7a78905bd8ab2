"""What every handler needs, built once per application and kept in ``bot_data``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine
from telegram.ext import Application, CallbackContext

from bot.clock import Clock
from bot.settings import Settings
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
    case_template: bytes = b""  # the .docx the 说明书 is built on (CASE_TEMPLATE)
    extras: dict[str, Any] = field(default_factory=dict)

    def is_configured_organizer(self, telegram_id: int) -> bool:
        """Return True for the ids listed in ORGANIZER_IDS."""
        return telegram_id in self.settings.organizer_ids


def services_of(
    holder: Application[Any, Any, Any, Any, Any, Any] | CallbackContext[Any, Any, Any, Any],
) -> Services:  # noqa: E501
    """Return the services of an application or a handler's context."""
    services: Services = holder.bot_data[SERVICES]
    return services
