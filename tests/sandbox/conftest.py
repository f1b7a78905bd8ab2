"""Reusable sandbox fixtures: a server per test, PTB ``Bot``/``Application`` on it, users."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import pytest
from telegram import Bot
from telegram.ext import Application, ApplicationBuilder

from sandbox.client import Pump, SandboxUser
from sandbox.config import SandboxConfig
from sandbox.driver import UpdatePump
from sandbox.server import SandboxServer
from tests.sandbox.echo_app import add_echo_handlers

AnyApplication = Application[Any, Any, Any, Any, Any, Any]


@pytest.fixture(autouse=True)
def _ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    """Opt in to PTB's timedelta durations (else RetryAfter warns, and warnings are errors)."""
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


@pytest.fixture
def sandbox_config() -> SandboxConfig:
    """Return the config for ``sandbox_server`` (override per test module to change it)."""
    return SandboxConfig(global_rate=None, per_chat_rate=None)


@pytest.fixture
async def sandbox_server(sandbox_config: SandboxConfig) -> AsyncIterator[SandboxServer]:
    """Run a sandbox on 127.0.0.1 with a free port for one test."""
    async with SandboxServer(sandbox_config) as server:
        yield server


def application_builder(server: SandboxServer) -> ApplicationBuilder[Any, Any, Any, Any, Any, Any]:
    """Return an ``ApplicationBuilder`` already pointed at ``server``."""
    return (
        ApplicationBuilder()
        .token(server.token)
        .base_url(server.bot_base_url)
        .base_file_url(server.bot_file_url)
    )


@pytest.fixture
async def bot(sandbox_server: SandboxServer) -> AsyncIterator[Bot]:
    """Return an initialized PTB ``Bot`` talking to the sandbox."""
    async with Bot(
        sandbox_server.token,
        base_url=sandbox_server.bot_base_url,
        base_file_url=sandbox_server.bot_file_url,
    ) as tg_bot:
        yield tg_bot


@pytest.fixture
async def http_session() -> AsyncIterator[aiohttp.ClientSession]:
    """Return an aiohttp client session."""
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
async def echo_app(sandbox_server: SandboxServer) -> AsyncIterator[AnyApplication]:
    """Return an initialized (not polling) echo ``Application`` on the sandbox."""
    application = application_builder(sandbox_server).build()
    add_echo_handlers(application)
    async with application:
        yield application


@pytest.fixture
def pump(echo_app: AnyApplication) -> UpdatePump:
    """Return an ``UpdatePump`` feeding the echo application."""
    return UpdatePump(echo_app)


@pytest.fixture
def make_user(
    sandbox_server: SandboxServer, http_session: aiohttp.ClientSession
) -> Callable[..., SandboxUser]:
    """Return a factory ``make_user(user_id, pump=None) -> SandboxUser``."""

    def factory(user_id: int, pump: Pump | None = None) -> SandboxUser:
        return SandboxUser(http_session, sandbox_server.url, user_id, pump=pump)

    return factory
