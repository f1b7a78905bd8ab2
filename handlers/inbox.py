"""Incoming updates, kept until handled: store before confirming, claim after a crash, finish.

A channel stores each update here before it confirms it (Telegram: before the next
``getUpdates`` offset, or before the webhook's 200), hands the newly stored ones to its
handlers inside :func:`storage.inbox.applying` (the effect and the update's mark in one
transaction), and calls :func:`finish` once the reply went out. After a crash, :func:`reclaim`
gives the updates left open: those not applied are handled again; those applied but not
answered get the person's current question asked again.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from config.services import Services
from storage import inbox
from storage.db import transaction
from storage.inbox import AlreadyApplied, Incoming, applying
from storage.models import InboxUpdate

__all__ = ["AlreadyApplied", "Incoming", "applying", "finish", "keep_claimed", "receive", "reclaim"]

KEEP_DONE = timedelta(days=1)  # Telegram keeps unconfirmed updates for 24 hours


def lease(services: Services) -> timedelta:
    """Return how long a claim on an update holds."""
    return timedelta(seconds=services.settings.lease_seconds)


async def receive(services: Services, updates: Sequence[Incoming]) -> list[Incoming]:
    """Store these updates durably; return those never stored before (to be handled)."""
    async with transaction(services.sessions) as session:
        return await inbox.store(
            session, updates=updates, now=services.clock.now(), lease=lease(services)
        )


async def reclaim(services: Services, channel: str, *, everything: bool) -> list[InboxUpdate]:
    """Claim the updates left open by a crashed instance (all of them: ``everything``)."""
    async with transaction(services.sessions) as session:
        return await inbox.claim_open(
            session,
            channel=channel,
            now=services.clock.now(),
            lease=lease(services),
            everything=everything,
        )


async def claims_run_out(services: Services, channel: str) -> float:
    """Return in how many seconds the claims on open updates run out (0: none open)."""
    async with services.sessions() as session:
        latest = await inbox.latest_claim(session, channel=channel)
    if latest is None:
        return 0.0
    left = (latest - services.clock.now()).total_seconds()
    return min(max(left, 0.0), services.settings.lease_seconds)


async def finish(services: Services, channel: str, update_ids: Sequence[int]) -> None:
    """Mark these updates handled and answered."""
    async with transaction(services.sessions) as session:
        await inbox.mark_done(
            session, channel=channel, update_ids=update_ids, now=services.clock.now()
        )


async def keep_claimed(services: Services, channel: str, update_ids: Sequence[int]) -> None:
    """Renew this instance's claim on the updates it is still handling."""
    async with transaction(services.sessions) as session:
        await inbox.extend_claims(
            session,
            channel=channel,
            update_ids=update_ids,
            until=services.clock.now() + lease(services),
        )


async def forget_old(services: Services) -> int:
    """Delete done updates older than a day; return how many."""
    async with transaction(services.sessions) as session:
        return await inbox.forget_done(session, before=services.clock.now() - KEEP_DONE)
