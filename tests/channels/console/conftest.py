"""Fixtures: a sandbox with the web console mounted under /console, bound to the bot."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest

from bot.console import bind_console
from channels.console import ConsoleSite, create_console_app
from sandbox.config import SandboxConfig
from sandbox.server import SandboxServer
from tests.harness import Harness

LINK = re.compile(r"(https?://\S+/console/login\?token=[A-Za-z0-9_\-]+)")


@pytest.fixture
def console_site() -> ConsoleSite:
    """Return the console site the sandbox mounts."""
    return ConsoleSite()


@pytest.fixture
async def sandbox_server(
    sandbox_config: SandboxConfig, console_site: ConsoleSite
) -> AsyncIterator[SandboxServer]:
    """Run a sandbox whose aiohttp server also hosts the console, as ./run does."""
    mounts = {"/console": create_console_app(console_site)}
    async with SandboxServer(sandbox_config, mounts=mounts) as server:
        yield server


@pytest.fixture
async def console(harness: Harness, console_site: ConsoleSite) -> Harness:
    """Return the harness with the console bound to its bot."""
    assert harness.app is not None
    bind_console(console_site, harness.app)
    return harness


async def login_link(harness: Harness, user_id: int | None = None) -> str:
    """Send /console as the organizer (or ``user_id``) and return the link the bot sent."""
    user = harness.user(user_id) if user_id else harness.organizer()
    await user.send("/console")
    match = LINK.search(user.last_reply.text if user.last_reply else "")
    assert match, user.last_reply.text if user.last_reply else "no reply"
    return match.group(1)
