"""Wiring of the organizers' web console: bind it to the bot, serve it in production.

Sandbox: the sandbox's aiohttp server mounts the console under ``/console`` before it
starts, and :func:`bind_console` connects it once the bot is built. Production: the console
is served on CONSOLE_LISTEN:CONSOLE_PORT under ``/console`` (behind the same TLS proxy as
the webhook), or, in webhook mode with no CONSOLE_PORT, on the webhook server itself.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from aiohttp import web

from channels.console.app import ConsoleBackend, ConsoleSite, mount
from config.services import services_of

CONSOLE_PATH = "/console"


def console_backend(application: Any) -> ConsoleBackend:
    """Return what the console needs from a built bot application."""
    services = services_of(application)
    settings = services.settings
    url = settings.console_url or ""
    return ConsoleBackend(
        services=services,
        idle=timedelta(minutes=settings.console_idle_minutes),
        secure_cookies=url.startswith("https://"),
        base_path=CONSOLE_PATH,
    )


def bind_console(site: ConsoleSite, application: Any) -> None:
    """Connect a mounted console to the bot's database, contest and clock."""
    site.bind(console_backend(application))


async def serve_console(application: Any) -> web.AppRunner:
    """Serve the console on CONSOLE_LISTEN:CONSOLE_PORT; return the runner to clean up."""
    settings = services_of(application).settings
    site = ConsoleSite()
    bind_console(site, application)
    root = web.Application()
    mount(root, site, CONSOLE_PATH)
    runner = web.AppRunner(root)
    await runner.setup()
    await web.TCPSite(runner, settings.console_listen, settings.console_port).start()
    return runner
