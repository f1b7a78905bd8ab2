"""Application wiring: build the PTB Application, open and close its services.

``build_application`` only assembles objects; the database is opened and migrated by
``start_services``, which every run mode (polling, webhook, sandbox, tests) awaits before
the first update; the command menu is published by its catch-up once polling has started.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from typing import Any

from telegram import LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, Defaults
from telegram.request import BaseRequest

import channels.telegram as telegram_channel
from bot.leader import Leader, leading
from bot.scheduler import catch_up, catch_up_reminders, schedule_freezes, schedule_reminders
from channels.telegram.aiohttp_request import AiohttpRequest
from channels.telegram.codec import check_contest
from channels.telegram.inbox import INBOX, TelegramInbox
from channels.telegram.metered import MeteredApplication
from channels.telegram.outbound import TelegramChannel
from channels.telegram.replybot import ReplyBot
from channels.telegram.retrying import RetryingRequest
from config.clock import Clock, ShiftedClock, SystemClock
from config.services import SERVICES, Services, services_of
from config.settings import Settings
from contest.definition import Contest, load_contest
from contest.document import DocumentError, check_template
from delivery.worker import start_worker, stop_worker
from handlers import export_process
from handlers.broadcasts import progress
from handlers.cases import freeze_closed_stages
from messages import use_contest
from storage.case_facts import refresh_batch
from storage.db import (
    create_engine,
    hold_single_instance,
    migrate,
    session_factory,
    transaction,
)

log = logging.getLogger(__name__)

AnyApplication = Application[Any, Any, Any, Any, Any, Any]
INSTANCE = "instance"  # bot_data key of the SQLite single-instance lock, while running
WECOM = "wecom"  # bot_data key of the running 企业微信 service, when configured
CATCH_UP = "catch_up"  # bot_data key of the start's catch-up task (see start_services)
CATCH_UP_NOW = "catch_up_now"  # bot_data key of the event that lets the catch-up begin now
POLLING_GRACE = 2.0  # longest wait of the catch-up for polling (webhook: begin_catch_up)


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
    bot = ReplyBot(  # PTB's ExtBot, whose form prompts leave Telegram's answer unparsed
        token,
        base_url=f"{api}/bot",
        base_file_url=f"{api}/file/bot",
        # No throttling here (the outbox paces bulk sends); only retry after a 429.
        rate_limiter=AIORateLimiter(overall_max_rate=0, group_max_rate=0, max_retries=3),
        # Direct replies are retried on 5xx and timeouts (REPLY_ATTEMPTS).
        request=request
        or RetryingRequest(connection_pool_size=32, attempts=settings.reply_attempts),
        get_updates_request=AiohttpRequest(read_timeout=40),
        # Every text is rendered HTML, every moment is the contest's zone, no link previews:
        # said once here, not on every call.
        defaults=Defaults(
            parse_mode=ParseMode.HTML,
            tzinfo=contest.zone,
            link_preview_options=LinkPreviewOptions(is_disabled=True),
        ),
    )
    builder = (
        ApplicationBuilder()
        .application_class(MeteredApplication)  # counts and times every update (/metrics)
        .bot(bot)
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
    export_process.IN_PROCESS = settings.export_in_process
    telegram_channel.register_all(application)
    return application


async def start_services(application: AnyApplication) -> None:
    """Migrate the database, initialize the bot, start the pushes and the catch-up.

    When the WECOM_* settings are set, the 企业微信 channel starts too: its callback server and
    its outbox channel beside Telegram's (``application.bot_data[WECOM]``).
    The pushes: the delivery worker (over the channels) and the reminder jobs. What may
    take long or no update waits for (the command menu's round trips to Telegram; the
    catch-up of reminders missed while the bot was down, which judges every unit's cases;
    the stage-close copies; the question matcher's dictionary) runs in a task of its own
    (``caught_up`` awaits it), so the bot polls and answers meanwhile and its start does
    not depend on how much is due.
    """
    services = services_of(application)
    application.bot_data[INSTANCE] = hold_single_instance(services.settings.database_url)
    await migrate(services.engine)
    await application.initialize()
    telegram = await TelegramChannel.beside(
        application.bot, pool=services.settings.send_concurrency + 4
    )
    channels: dict[str, Any] = {telegram.name: telegram}
    if services.settings.wecom_enabled:
        # Imported only when configured: aiohttp and the crypto cost ≈9 MiB and 0.3 s.
        from channels.wecom.service import WecomService

        # A notice's attachment is a Telegram file: 企业微信 recipients get it fetched from there.
        wecom = await WecomService(services, attachments=telegram.document_bytes).start()
        application.bot_data[WECOM] = wecom
        assert wecom.channel is not None
        channels[wecom.channel.name] = wecom.channel
    await start_worker(services, channels, progress=progress)
    services.leader = Leader(services, on_elected=lambda: catch_up(services, application.job_queue))
    await services.leader.start()
    schedule_reminders(services, application.job_queue)
    schedule_freezes(application.job_queue, services)
    # What a crash left in the inbox is handled now (on SQLite, the only instance).
    inbox = TelegramInbox(application)
    application.bot_data[INBOX] = inbox
    await inbox.start(single_instance=services.engine.dialect.name == "sqlite")
    application.bot_data[CATCH_UP_NOW] = asyncio.Event()
    application.bot_data[CATCH_UP] = asyncio.create_task(catch_up_at_start(application))
    # What the start made (modules, the contest, templates) lives as long as the process: out
    # of the collector's sight, a full collection no longer walks it (≈100 ms of CPU each
    # time, in whichever thread trips it, the event loop's included).
    gc.freeze()


async def catch_up_at_start(application: AnyApplication) -> None:
    """Publish the command menu, warm up the channel, send the reminders missed meanwhile,
    copy the closed stages."""
    services = services_of(application)
    await _polling_started(application)
    try:  # round trips to Telegram that no update waits for
        await telegram_channel.publish_commands(application)
    except Exception:  # logged; the next start publishes it again
        log.exception("publishing the command menu failed")
    await telegram_channel.startup(application)
    try:
        await count_cases(services)
        await catch_up_reminders(services, application.job_queue)  # only where leading
    except Exception:  # logged; the next reminder job tries again
        log.exception("catching up on reminders failed")
    if not leading(services):  # another instance leads and makes the copies
        return
    try:
        await freeze_closed_stages(services)
    except Exception:  # logged; the next start tries again (idempotent)
        log.exception("copying the closed stages' texts failed")


async def _polling_started(application: AnyApplication) -> None:
    """Return once the inbox polls, someone awaits the catch-up, or after POLLING_GRACE.

    Then the first getUpdates is under way before any catch-up work: SQLite runs in the
    event loop's thread, so the catch-up's queries would otherwise hold it up.
    """
    waits = [
        asyncio.ensure_future(application.bot_data[INBOX].polling.wait()),
        asyncio.ensure_future(application.bot_data[CATCH_UP_NOW].wait()),
    ]
    try:
        await asyncio.wait(waits, timeout=POLLING_GRACE, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for wait in waits:
            wait.cancel()
    await asyncio.sleep(0)  # the poll task, woken first, sends its getUpdates


async def count_cases(services: Services) -> int:
    """Store 字数 and completeness on the cases not counted against this contest file yet."""
    done = 0
    while True:
        async with transaction(services.sessions) as session:
            counted = await refresh_batch(
                session, contest=services.contest, now=services.clock.now()
            )
        if not counted:
            break
        done += counted
    if done:
        log.info("word counts and completeness stored on %d cases", done)
    return done


def begin_catch_up(application: AnyApplication) -> None:
    """Let the start's catch-up begin now, without waiting for polling (webhook mode)."""
    now = application.bot_data.get(CATCH_UP_NOW)
    if now is not None:
        now.set()


async def caught_up(application: AnyApplication) -> None:
    """Wait until the start's catch-up (``catch_up_at_start``) has finished."""
    task = application.bot_data.get(CATCH_UP)
    if task is not None:
        begin_catch_up(application)  # whoever waits for it need not wait for polling
        await asyncio.shield(task)


async def stop_services(application: AnyApplication) -> None:
    """Stop background work, shut the application down and close the database."""
    services = services_of(application)
    task = application.bot_data.pop(CATCH_UP, None)
    if task is not None and not task.done():
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    inbox = application.bot_data.pop(INBOX, None)
    if inbox is not None:
        await inbox.stop()  # updates being handled finish; the rest stays stored
    await telegram_channel.shutdown(application)
    if services.leader is not None:
        await services.leader.stop()
    worker = await stop_worker(services)
    if worker is not None:
        for channel in worker.channels.values():
            await channel.close()
    wecom = application.bot_data.pop(WECOM, None)
    if wecom is not None:
        await wecom.stop()
    await application.shutdown()
    await services.engine.dispose()
    gc.unfreeze()  # what the start froze may be collected again (a test starts many bots)
    held = application.bot_data.pop(INSTANCE, None)
    if held is not None:
        held.close()  # the SQLite file is free for the next process
