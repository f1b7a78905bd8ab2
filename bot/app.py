"""Application wiring: build the PTB Application, open and close its services.

``build_application`` only assembles objects; the database is opened, migrated and the
command menu published by ``start_services``, which every run mode (polling, webhook,
sandbox, tests) awaits before the first update.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram.ext import AIORateLimiter, Application, ApplicationBuilder
from telegram.request import BaseRequest, HTTPXRequest

import handlers
from bot.clock import Clock, ShiftedClock, SystemClock
from bot.services import SERVICES, Services, services_of
from bot.settings import Settings
from contest.definition import Contest, load_contest
from messages import use_contest
from storage.db import create_engine, migrate, session_factory

log = logging.getLogger(__name__)

AnyApplication = Application[Any, Any, Any, Any, Any, Any]


def default_clock(settings: Settings) -> Clock:
    """Return the sandbox's shifted clock when configured, else the system clock."""
    if settings.sandbox and settings.sandbox_clock is not None:
        return ShiftedClock(settings.sandbox_clock)
    return SystemClock()


def build_application(
    settings: Settings,
    *,
    request: BaseRequest | None = None,
    clock: Clock | None = None,
    contest: Contest | None = None,
    token: str | None = None,
) -> AnyApplication:
    """Assemble the bot: handlers, services and the Bot API endpoint; no I/O happens here."""
    contest = contest or load_contest(settings.contest_file)
    token = token or (settings.bot_token.get_secret_value() if settings.bot_token else None)
    if token is None:
        raise ValueError("a token is needed: from BOT_TOKEN, or the sandbox's")
    api = settings.bot_api_url.rstrip("/")
    builder = (
        ApplicationBuilder()
        .token(token)
        .base_url(f"{api}/bot")
        .base_file_url(f"{api}/file/bot")
        # No throttling here (the outbox paces bulk sends); only retry after a 429.
        .rate_limiter(AIORateLimiter(overall_max_rate=0, group_max_rate=0, max_retries=3))
        .request(request or HTTPXRequest(connection_pool_size=32))
        .get_updates_request(HTTPXRequest(read_timeout=40))
    )
    if settings.webhook_url:
        builder = builder.updater(None)
    application = builder.build()
    engine = create_engine(settings.database_url)
    application.bot_data[SERVICES] = Services(
        settings=settings,
        contest=contest,
        clock=clock or default_clock(settings),
        engine=engine,
        sessions=session_factory(engine),
    )
    use_contest(contest)
    handlers.register_all(application)
    return application


async def start_services(application: AnyApplication) -> None:
    """Migrate the database, initialize the bot and publish its commands."""
    services = services_of(application)
    await migrate(services.engine)
    await application.initialize()
    await handlers.publish_commands(application)
    await handlers.startup(application)


async def stop_services(application: AnyApplication) -> None:
    """Stop background work, shut the application down and close the database."""
    await handlers.shutdown(application)
    await application.shutdown()
    await services_of(application).engine.dispose()
