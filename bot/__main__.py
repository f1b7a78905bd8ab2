"""Command line: ``python -m bot`` runs the bot (the only module with side effects).

No BOT_TOKEN: the local sandbox starts, the bot polls it, and one line says where to open
the chat page. BOT_TOKEN: long polling against Telegram, or a webhook served by aiohttp
when WEBHOOK_URL is set.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys

os.environ.setdefault("PTB_TIMEDELTA", "true")  # PTB 22: durations as timedelta, no warnings

from aiohttp import web  # noqa: E402

from bot.app import build_application, start_services, stop_services  # noqa: E402
from channels.telegram.webhook import create_webhook_app, register_webhook  # noqa: E402
from config.settings import Settings  # noqa: E402
from contest.definition import ContestFileError, load_contest  # noqa: E402

log = logging.getLogger("bot")


async def _wait_for_stop() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    await stop.wait()


async def run_polling(
    settings: Settings, *, api_url: str | None = None, token: str | None = None
) -> None:  # noqa: E501
    """Run the bot with long polling (against Telegram, or the sandbox at ``api_url``)."""
    if api_url:
        settings = settings.model_copy(update={"bot_api_url": api_url})
    application = build_application(settings, token=token)
    await start_services(application)
    assert application.updater is not None
    await application.updater.start_polling(drop_pending_updates=False)
    await application.start()
    try:
        await _wait_for_stop()
    finally:
        await application.updater.stop()
        await application.stop()
        await stop_services(application)


async def run_webhook(settings: Settings) -> None:
    """Serve Telegram's webhook with aiohttp until stopped."""
    application = build_application(settings)
    await start_services(application)
    await application.start()
    runner = web.AppRunner(create_webhook_app(application))
    await runner.setup()
    await web.TCPSite(runner, settings.webhook_listen, settings.webhook_port).start()
    await register_webhook(application)
    log.info("webhook server on %s:%s", settings.webhook_listen, settings.webhook_port)
    try:
        await _wait_for_stop()
    finally:
        await runner.cleanup()
        await application.stop()
        await stop_services(application)


async def run_sandbox(settings: Settings) -> None:
    """Start the local sandbox and the bot on it; print where to open the chat page."""
    from sandbox.config import SandboxConfig
    from sandbox.server import SandboxServer

    async with SandboxServer(
        SandboxConfig(), host=settings.sandbox_host, port=settings.sandbox_port
    ) as server:
        print(f"沙箱已启动：请在浏览器打开 {server.url}/?user=1001  (Ctrl+C 退出)", flush=True)
        await run_polling(settings, api_url=server.url, token=server.token)


def main() -> int:
    """Load settings and the contest file, then run in the configured mode."""
    settings = Settings()
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    try:
        load_contest(settings.contest_file)
    except ContestFileError as error:
        print(f"contest file error, the bot does not start:\n{error}", file=sys.stderr)
        return 2
    if settings.sandbox:
        runner = run_sandbox(settings)
    elif settings.webhook_url:
        runner = run_webhook(settings)
    else:
        runner = run_polling(settings)
    asyncio.run(runner)
    return 0


if __name__ == "__main__":
    sys.exit(main())
