"""What every use case needs, built once per application: settings, contest, clock, database."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from config.clock import Clock
from config.settings import Settings
from contest.definition import Contest
from observability.metrics import Metrics
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
    case_template: bytes | None = None  # the .docx the 说明书 is built on (CASE_TEMPLATE)
    # Wakes the delivery worker when rows were written (created in the bot's loop on use).
    outbox_wake: asyncio.Event | None = None
    # The running delivery worker (delivery.worker.DeliveryWorker), set by the wiring.
    worker: Any = None
    # This application's Prometheus metrics (observability.metrics.Metrics), made on first use.
    metrics: Metrics | None = None
    # The leader election (bot.leader.Leader): timed work runs where it leads; set by wiring.
    leader: Any = None

    def is_configured_organizer(self, channel: str, external_id: str) -> bool:
        """Return True for ORGANIZER_IDS (Telegram) and WECOM_ORGANIZER_IDS (企业微信 userids)."""
        if channel == "wecom":
            # 企业微信 userids do not distinguish case.
            listed = {userid.casefold() for userid in self.settings.wecom_organizer_ids}
            return external_id.casefold() in listed
        if channel != "telegram":
            return False
        return external_id.isdigit() and int(external_id) in self.settings.organizer_ids


def services_of(holder: Any) -> Services:
    """Return the services kept in a channel's application data (``holder.bot_data``)."""
    services: Services = holder.bot_data[SERVICES]
    return services
