"""Fixtures for the 企业微信 channel: the sandbox, an API client on it, a bot's callback server."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

import aiohttp
import pytest
from aiohttp import web

from channels.wecom.api import WecomClient
from channels.wecom.callback import CallbackHandler, Consumer, InboundEvent
from channels.wecom.crypto import WecomCrypto
from sandbox.config import FakeClock
from sandbox.wecom.client import WecomUser
from sandbox.wecom.config import WecomSandboxConfig
from sandbox.wecom.server import WecomSandboxServer


@pytest.fixture
def fake_clock() -> FakeClock:
    """Return the monotonic clock shared by the sandbox (limits, expiry) and the client."""
    return FakeClock()


@pytest.fixture
def wecom_config(fake_clock: FakeClock) -> WecomSandboxConfig:
    """Return the sandbox settings (override in a module to set limits)."""
    return WecomSandboxConfig(clock=fake_clock)


@pytest.fixture
async def wecom(wecom_config: WecomSandboxConfig) -> AsyncIterator[WecomSandboxServer]:
    """Run a 企业微信 sandbox on 127.0.0.1 for one test."""
    async with WecomSandboxServer(wecom_config) as server:
        yield server


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    """Return an aiohttp client session."""
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
def client(
    wecom: WecomSandboxServer, http: aiohttp.ClientSession, fake_clock: FakeClock
) -> WecomClient:
    """Return an API client pointed at the sandbox."""
    config = wecom.config
    return WecomClient(http, corp_id=config.corp_id, agent_id=config.agent_id,
                       secret=config.secret, api_url=wecom.url, clock=fake_clock)


@dataclass
class BotSide:
    """A bot's callback server: the handler, its URL and what its consumer received."""

    handler: CallbackHandler
    url: str
    received: list[InboundEvent] = field(default_factory=list)


@pytest.fixture
async def bot_side(
    wecom: WecomSandboxServer, request: pytest.FixtureRequest
) -> AsyncIterator[BotSide]:
    """Serve a callback URL on 127.0.0.1 that the sandbox posts to; record every event."""
    config = wecom.config
    received: list[InboundEvent] = []
    extra: Consumer | None = getattr(request, "param", None)

    async def consumer(event: InboundEvent) -> None:
        received.append(event)
        if extra is not None:
            await extra(event)

    handler = CallbackHandler(WecomCrypto(config.token, config.aes_key, config.corp_id),
                              consumer, agent_id=config.agent_id)
    app = web.Application()
    handler.add_routes(app, "/wecom/callback")
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    url = f"http://{host}:{port}/wecom/callback"
    config.callback_url = url
    try:
        yield BotSide(handler, url, received)
    finally:
        await runner.cleanup()


@pytest.fixture
def make_user(
    wecom: WecomSandboxServer, http: aiohttp.ClientSession, bot_side: BotSide
) -> Callable[[str], WecomUser]:
    """Return ``make_user(user_id)``: a member whose actions wait for the bot to handle them."""

    def factory(user_id: str) -> WecomUser:
        return WecomUser(http, wecom.url, user_id, after=bot_side.handler.join)

    return factory
