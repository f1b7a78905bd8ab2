"""The bot's Prometheus metrics, kept per application in ``services.metrics``.

Counters move where things happen (updates handled, sends, reminders written); the gauges
that describe the database (outbox depth, how late its oldest due row is, forms in progress)
are read from storage when ``/metrics`` is scraped (:func:`observability.health.refresh`).
Each application gets its own ``CollectorRegistry``: two bots in one process (tests) keep
separate figures.
"""

from __future__ import annotations

from typing import Any, Protocol

from prometheus_client import CONTENT_TYPE_LATEST as CONTENT_TYPE
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

__all__ = ["CONTENT_TYPE", "Metrics", "metrics_of", "send_result"]


class HasMetrics(Protocol):
    """Anything with a ``metrics`` slot (the application's Services)."""

    metrics: Any


class Metrics:
    """Every metric of one bot application, in its own registry."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.updates = Counter(
            "bot_updates", "Updates handled, by kind and outcome (ok, error)",
            ["kind", "outcome"], registry=r,
        )  # fmt: skip
        self.update_seconds = Histogram(
            "bot_update_handling_seconds", "Time to handle one update, by kind", ["kind"],
            buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10), registry=r,
        )  # fmt: skip
        self.sends = Counter(
            "bot_outbox_sends", "Outbox sends by result (ok, 429, 403, 400, 5xx, network)",
            ["result"], registry=r,
        )  # fmt: skip
        self.reminders_planned = Counter(
            "bot_reminders_planned", "Reminder and opening messages written to the outbox",
            registry=r,
        )  # fmt: skip
        self.reminders_sent = Counter(
            "bot_reminders_sent", "Reminder and opening messages delivered", registry=r
        )
        self.outbox_pending = Gauge(
            "bot_outbox_pending", "Outbox rows not yet delivered (due now or later)", registry=r
        )
        self.outbox_due = Gauge("bot_outbox_due", "Outbox rows due now and not sent", registry=r)
        self.outbox_oldest_seconds = Gauge(
            "bot_outbox_oldest_due_seconds",
            "Seconds since the oldest unsent due outbox row fell due (0 when none)",
            registry=r,
        )
        self.active_forms = Gauge(
            "bot_active_forms", "Forms a person has open and not finished", registry=r
        )

    def exposition(self) -> bytes:
        """Return the registry in Prometheus' text format."""
        return generate_latest(self.registry)


def metrics_of(services: HasMetrics) -> Metrics:
    """Return the application's metrics (created on first use)."""
    metrics = services.metrics
    if metrics is None:
        metrics = services.metrics = Metrics()
    assert isinstance(metrics, Metrics)
    return metrics


def send_result(status: int | None, *, network: bool = False) -> str:
    """Return the ``result`` label of a send: ok, 429, 403, 400, 5xx or network."""
    if network:
        return "network"
    if status is None or status < 300:
        return "ok"
    if status >= 500:
        return "5xx"
    return str(status)
