"""Command line: ``python -m bot`` runs the bot (the only module with side effects).

No BOT_TOKEN: the local sandbox starts, the bot polls it, and one line says where to open
the chat page (``--demo``: inside the contest, with an organizer and an invite ready; see
bot/demo.py). BOT_TOKEN: long polling against Telegram, or a webhook served by aiohttp
when WEBHOOK_URL is set.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import sys
from collections.abc import Callable
from typing import Any

os.environ.setdefault("PTB_TIMEDELTA", "true")  # PTB 22: durations as timedelta, no warnings

from bot.runtime import import_telegram, tune_runtime  # noqa: E402

import_telegram()  # bot/runtime.py: without Telegram Passport's cryptography (8 MiB)

from aiohttp import web  # noqa: E402

from bot.app import (  # noqa: E402
    WECOM,
    begin_catch_up,
    build_application,
    read_case_template,
    start_services,
    stop_services,
)
from bot.console import CONSOLE_PATH, bind_console, serve_console  # noqa: E402
from bot.demo import demo_lines, demo_settings, forget_demo, prepare_demo, sandbox_lines  # noqa: E402
from channels.console.app import ConsoleSite, create_console_app, mount  # noqa: E402
from channels.telegram.inbox import inbox_of  # noqa: E402
from channels.telegram.webhook import create_webhook_app, register_webhook  # noqa: E402
from config.services import services_of  # noqa: E402
from config.settings import Settings  # noqa: E402
from contest.definition import Contest, ContestFileError, load_contest  # noqa: E402
from contest.document import DocumentError  # noqa: E402
from messages import terminal_line  # noqa: E402
from observability.health import start_health_server  # noqa: E402
from observability.logs import configure_logging  # noqa: E402
from storage.db import AnotherInstance  # noqa: E402

log = logging.getLogger("bot")

MAINTENANCE = ("backup", "restore", "purge")  # python -m bot <command> …: see bot/maintenance.py


async def _wait_for_stop() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    await stop.wait()


async def run_polling(
    settings: Settings,
    *,
    api_url: str | None = None,
    token: str | None = None,
    console: ConsoleSite | None = None,
    started: Callable[[Any], None] | None = None,
    contest: Contest | None = None,
) -> None:
    """Run the bot with long polling (against Telegram, or the sandbox at ``api_url``)."""
    if api_url:
        settings = settings.model_copy(update={"bot_api_url": api_url})
    application = build_application(settings, token=token, contest=contest)
    await start_services(application)
    health = None
    if settings.health_port:
        services = services_of(application)
        host, port = settings.health_listen, settings.health_port
        try:
            health = await start_health_server(services, host, port)
        except OSError as error:
            if not settings.sandbox:
                raise
            log.warning("health server not started on %s:%s (%s)", host, port, error.strerror)
    if console is not None:
        bind_console(console, application)
    console_runner = await serve_console(application) if settings.console_port else None
    if started is not None:
        started(application)
    # Not PTB's Updater: the inbox confirms an update to Telegram only once it is stored.
    await application.bot.delete_webhook(drop_pending_updates=False)
    inbox_of(application).start_polling()
    await application.start()
    try:
        await _wait_for_stop()
    finally:
        if console_runner is not None:
            await console_runner.cleanup()
        if health is not None:
            await health.cleanup()
        await inbox_of(application).stop()
        await application.stop()
        await stop_services(application)


async def run_webhook(settings: Settings, *, contest: Contest | None = None) -> None:
    """Serve Telegram's webhook with aiohttp until stopped."""
    application = build_application(settings, contest=contest)
    await start_services(application)
    await application.start()
    webhook_app = create_webhook_app(application)
    console_runner = await serve_console(application) if settings.console_port else None
    if console_runner is None:
        console = ConsoleSite()
        bind_console(console, application)
        mount(webhook_app, console, CONSOLE_PATH)
    runner = web.AppRunner(webhook_app)
    await runner.setup()
    await web.TCPSite(runner, settings.webhook_listen, settings.webhook_port).start()
    await register_webhook(application)
    begin_catch_up(application)  # no polling to wait for
    log.info("webhook server on %s:%s", settings.webhook_listen, settings.webhook_port)
    try:
        await _wait_for_stop()
    finally:
        await runner.cleanup()
        await inbox_of(application).stop()
        if console_runner is not None:
            await console_runner.cleanup()
        await application.stop()
        await stop_services(application)


def with_wecom_sandbox(settings: Settings, url: str, config: Any) -> Settings:
    """Return the settings with the 企业微信 channel pointed at a local 企业微信 sandbox."""
    from pydantic import SecretStr

    return settings.model_copy(
        update={
            "wecom_corp_id": config.corp_id,
            "wecom_agent_id": config.agent_id,
            "wecom_secret": SecretStr(config.secret),
            "wecom_token": SecretStr(config.token),
            "wecom_aes_key": SecretStr(config.aes_key),
            "wecom_api_url": url,
            "wecom_listen": "127.0.0.1",
            "wecom_port": 0,
        }
    )


async def run_sandbox(
    settings: Settings, *, demo: bool = False, contest: Contest | None = None
) -> None:
    """Start the local sandboxes (Telegram, 企业微信) and the bot; print the chat pages."""
    from sandbox.config import SandboxConfig
    from sandbox.server import SandboxServer
    from sandbox.wecom.server import WecomSandboxServer

    contest = contest or load_contest(settings.contest_file)
    prepared = None
    if demo:
        settings = demo_settings(settings, contest)
        assert settings.sandbox_clock is not None
        prepared = await prepare_demo(settings, contest, settings.sandbox_clock)
    config = SandboxConfig(state_file=settings.sandbox_state_file)
    console = ConsoleSite()
    async with contextlib.AsyncExitStack() as stack:
        server = await stack.enter_async_context(
            SandboxServer(
                config,
                host=settings.sandbox_host,
                port=settings.sandbox_port,
                mounts={CONSOLE_PATH: create_console_app(console)},
            )
        )
        wecom = None
        if not settings.wecom_enabled:  # a configured real app is used as it is
            wecom = await stack.enter_async_context(
                WecomSandboxServer(host=settings.sandbox_host, port=settings.wecom_sandbox_port)
            )
            settings = with_wecom_sandbox(settings, wecom.url, wecom.config)
        if prepared is not None:
            assert settings.sandbox_state_file is not None
            lines = demo_lines(prepared, contest, server.url, settings.sandbox_state_file)
        else:
            lines = sandbox_lines(server.url, settings.sandbox_state_file)
        print("\n".join(lines), flush=True)

        def started(application: Any) -> None:
            service = application.bot_data.get(WECOM)
            if wecom is not None and service is not None:
                wecom.config.callback_url = service.url
                print(terminal_line("wecom_ready", url=wecom.url, user="zhangsan"), flush=True)

        await run_polling(
            settings,
            api_url=server.url,
            token=server.token,
            console=console,
            started=started,
            contest=contest,
        )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse ``./run``'s options."""
    parser = argparse.ArgumentParser(prog="./run", description=terminal_line("program"))
    parser.add_argument(
        "--demo",
        action="store_true",
        help="sandbox inside the text-submission stage, with an organizer and an invite ready",
    )
    parser.add_argument(
        "--fresh", action="store_true", help="with --demo: forget the demo's data first"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Load settings and the contest file, then run in the configured mode."""
    words = sys.argv[1:] if argv is None else argv
    settings = Settings()
    configure_logging(level=settings.log_level, log_format=settings.log_format)
    if words and words[0] in MAINTENANCE:  # backup, restore, purge
        from bot.maintenance import run_command

        return run_command(words, settings)
    args = parse_args(argv)
    try:
        contest = load_contest(settings.contest_file)  # read once: the run mode is given it
    except ContestFileError as error:
        print(f"contest file error, the bot does not start:\n{error}", file=sys.stderr)
        return 2
    try:
        read_case_template(settings)
    except DocumentError:
        print(f"CASE_TEMPLATE {settings.case_template}: not a readable .docx", file=sys.stderr)
        return 2
    if args.demo and not settings.sandbox:
        print("--demo runs the local sandbox: leave BOT_TOKEN empty", file=sys.stderr)
        return 2
    if args.fresh:
        if not args.demo:
            print("--fresh goes with --demo (it deletes the demo's data)", file=sys.stderr)
            return 2
        for path in forget_demo():
            print(terminal_line("deleted", path=path), flush=True)
    if settings.sandbox:
        runner = run_sandbox(settings, demo=args.demo, contest=contest)
    elif settings.webhook_url:
        runner = run_webhook(settings, contest=contest)
    else:
        runner = run_polling(settings, contest=contest)
    tune_runtime()  # bot/runtime.py: the GIL's switch interval
    try:
        asyncio.run(runner)
    except AnotherInstance as error:
        print(error, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
