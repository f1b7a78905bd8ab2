"""``/healthz``, ``/readyz`` and ``/metrics`` for the bot's web server.

``/healthz`` answers 200 while the process runs. ``/readyz`` answers 200 only when the
database answers, its schema is at the newest migration and the delivery worker runs;
otherwise 503 with the failing checks. ``/metrics`` reads the outbox and form gauges from
the database, then serves the application's registry. In webhook mode the routes sit beside
the webhook path; in polling and sandbox modes :func:`start_health_server` serves them on
``HEALTH_LISTEN:HEALTH_PORT``.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from aiohttp import web

from observability.metrics import CONTENT_TYPE, metrics_of
from storage.health import active_form_count, outbox_backlog, schema_at_head

log = logging.getLogger(__name__)

SERVICES = web.AppKey("health_services", object)
CHECK_TIMEOUT = 5.0  # seconds a readiness check may take before it counts as failed


async def refresh(services: Any) -> None:
    """Read the outbox depth, its oldest due row and the open forms into the gauges."""
    metrics = metrics_of(services)
    now = services.clock.now()
    async with services.sessions() as session:
        backlog = await outbox_backlog(session, now=now)
        forms = await active_form_count(session)
    metrics.outbox_pending.set(backlog.pending)
    metrics.outbox_due.set(backlog.due)
    late = (now - backlog.oldest_due).total_seconds() if backlog.oldest_due else 0.0
    metrics.outbox_oldest_seconds.set(max(late, 0.0))
    metrics.active_forms.set(forms)


async def readiness(services: Any) -> dict[str, str]:
    """Return each readiness check's result: "ok" or why it failed."""
    checks: dict[str, str] = {}
    try:
        at_head = await asyncio.wait_for(schema_at_head(services.engine), CHECK_TIMEOUT)
        checks["database"] = "ok"
        checks["migrations"] = "ok" if at_head else "behind"
    except Exception as error:  # noqa: BLE001 - any failure means "not ready"
        checks["database"] = f"unreachable: {type(error).__name__}"
        checks["migrations"] = "unknown"
    worker = services.worker
    checks["delivery_worker"] = "ok" if worker is not None and worker.alive else "stopped"
    return checks


async def _healthz(_request: web.Request) -> web.Response:
    return web.Response(text="ok")


async def _readyz(request: web.Request) -> web.Response:
    checks = await readiness(request.app[SERVICES])
    ready = all(value == "ok" for value in checks.values())
    if not ready:
        log.warning("not ready: %s", checks)
    return web.Response(
        status=200 if ready else 503,
        text=json.dumps({"ready": ready, **checks}),
        content_type="application/json",
    )


async def _metrics(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    try:
        await asyncio.wait_for(refresh(services), CHECK_TIMEOUT)
    except Exception as error:  # noqa: BLE001 - the counters are still worth serving
        log.warning("metrics: database gauges not read (%s)", type(error).__name__)
    body = metrics_of(services).exposition()
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE})


def add_health_routes(web_app: web.Application, services: Any) -> None:
    """Serve /healthz, /readyz and /metrics from ``web_app`` for this application."""
    web_app[SERVICES] = services
    web_app.router.add_get("/healthz", _healthz)
    web_app.router.add_get("/readyz", _readyz)
    web_app.router.add_get("/metrics", _metrics)


def health_app(services: Any) -> web.Application:
    """Return a small aiohttp app with only the health and metrics routes."""
    web_app = web.Application()
    add_health_routes(web_app, services)
    return web_app


async def start_health_server(services: Any, host: str, port: int) -> web.AppRunner:
    """Serve the health and metrics routes on host:port; return the runner to clean up."""
    runner = web.AppRunner(health_app(services), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    log.info("health and metrics on %s:%s", host, port)
    return runner
