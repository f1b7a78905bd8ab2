"""Pushing messages: the outbox's one delivery worker and the reminder job.

Every message that is not a direct reply (reminders, stage announcements, organizers'
notices, result notices) is first a row in the outbox (``storage/outbox.py``), then sent by
the one :class:`~delivery.worker.DeliveryWorker`, a background task paced under Telegram's
limits. Whoever writes rows calls :func:`wake` after the commit; the worker also looks at
the outbox on its own every few seconds, so a forgotten wake only delays. See
``docs/delivery.md``.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from config.services import Services

if TYPE_CHECKING:
    from delivery.worker import DeliveryWorker

def wake_event(services: Services) -> asyncio.Event:
    """Return the event that wakes the delivery worker (created on first use)."""
    if services.outbox_wake is None:
        services.outbox_wake = asyncio.Event()
    return services.outbox_wake


def wake(services: Services) -> None:
    """Tell the delivery worker that rows were written (call after the commit)."""
    wake_event(services).set()


def worker_of(services: Services) -> DeliveryWorker:
    """Return the application's running delivery worker."""
    worker = services.worker
    if worker is None:
        raise RuntimeError("the delivery worker is not running (start_services starts it)")
    return worker  # type: ignore[no-any-return]
