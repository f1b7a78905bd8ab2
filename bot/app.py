"""Application wiring: build the PTB Application, open and close its services.

``build_application`` only assembles objects; the database is opened, migrated and the
command menu published by ``start_services``, which every run mode (polling, webhook,
sandbox, tests) awaits before the first update.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, Defaults
from telegram.request import BaseRequest, HTTPXRequest

import channels.telegram as telegram_channel
from bot.scheduler import start_freezes, start_reminders
from channels.telegram.codec import check_contest
from channels.telegram.metered import MeteredApplication
from channels.telegram.outbound import TelegramChannel
from channels.wecom.service import WecomService
from config.clock import Clock, ShiftedClock, SystemClock
from config.services import SERVICES, Services, services_of
from config.settings import Settings
from contest.definition import Contest, load_contest
from contest.document import DocumentError, check_template
from delivery.worker import start_worker, stop_worker
from handlers.broadcasts import progress
from messages import use_contest
from storage.db import create_engine, migrate, session_factory

log = logging.getLogger(__name__)

AnyApplication = Application[Any, Any, Any, Any, Any, Any]
WECOM = "wecom"  # bot_data key of the running 企业微信 service, when configured


def default_clock(settings: Settings) -> Clock:
    """Return the sandbox's shifted clock when configured, else the system clock."""
    if settings.sandbox and settings.sandbox_clock is not None:
        return ShiftedClock(settings.sandbox_clock)
    return SystemClock()


def read_case_template(settings: Settings) -> bytes:
    """Read the 说明书's Word template (CASE_TEMPLATE); raise DocumentError if unusable."""
    try:
        template = settings.case_template.read_bytes()
    except OSError as error:
        raise DocumentError("not_docx") from error
    missing = check_template(template)
    if missing:
        log.warning("CASE_TEMPLATE lacks the styles %s; Normal is used instead", missing)
    return template


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
        .application_class(MeteredApplication)  # counts and times every update (/metrics)
        .token(token)
        .base_url(f"{api}/bot")
        .base_file_url(f"{api}/file/bot")
        # No throttling here (the outbox paces bulk sends); only retry after a 429.
        .rate_limiter(AIORateLimiter(overall_max_rate=0, group_max_rate=0, max_retries=3))
        .request(request or HTTPXRequest(connection_pool_size=32))
        .get_updates_request(HTTPXRequest(read_timeout=40))
        # Every text is rendered HTML, every moment is the contest's zone, no link previews:
        # said once here, not on every call.
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML,
                tzinfo=contest.zone,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        )
    )
    if settings.webhook_url:
        builder = builder.updater(None)
    application = builder.build()
    engine = create_engine(settings.database_url)
    check_contest(contest)  # every callback id the contest's forms can make fits Telegram's
    application.bot_data[SERVICES] = Services(
        settings=settings,
        contest=contest,
        clock=clock or default_clock(settings),
        engine=engine,
        sessions=session_factory(engine),
        case_template=read_case_template(settings),
    )
    use_contest(contest)
    telegram_channel.register_all(application)
    return application


async def start_services(application: AnyApplication) -> None:
    """Migrate the database, initialize the bot, publish its commands, start the pushes.

    When the WECOM_* settings are set, the 企业微信 channel starts too: its callback server and
    its outbox channel beside Telegram's (``application.bot_data[WECOM]``).
    The pushes: the delivery worker (over the channels), the reminder jobs with a
    catch-up of what was missed, and the channel's own start-up work (stage-close copies,
    the question matcher's dictionary).
    """
    services = services_of(application)
    await migrate(services.engine)
    await application.initialize()
    await telegram_channel.publish_commands(application)
    telegram = await TelegramChannel.beside(
        application.bot, pool=services.settings.send_concurrency + 4
    )
    channels: dict[str, Any] = {telegram.name: telegram}
    if services.settings.wecom_enabled:
        wecom = await WecomService(services).start()
        application.bot_data[WECOM] = wecom
        assert wecom.channel is not None
        channels[wecom.channel.name] = wecom.channel
    await start_worker(services, channels, progress=progress)
    await start_reminders(services, application.job_queue)
    await start_freezes(services, application.job_queue)
    await telegram_channel.startup(application)


async def stop_services(application: AnyApplication) -> None:
    """Stop background work, shut the application down and close the database."""
    services = services_of(application)
    await telegram_channel.shutdown(application)
    worker = await stop_worker(services)
    if worker is not None:
        for channel in worker.channels.values():
            await channel.close()
    wecom = application.bot_data.pop(WECOM, None)
    if wecom is not None:
        await wecom.stop()
    await application.shutdown()
    await services.engine.dispose()
