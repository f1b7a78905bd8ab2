"""Webhook delivery (with the secret header), getUpdates conflicts and long polling."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from telegram import Bot
from telegram.error import Conflict

from sandbox.server import SandboxServer

SECRET = "s3cret_token-1"


class Receiver:
    """A tiny aiohttp server on 127.0.0.1 collecting webhook POSTs."""

    def __init__(self) -> None:
        self.received: asyncio.Queue[tuple[dict[str, Any], str | None]] = asyncio.Queue()
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        header = request.headers.get("X-Telegram-Bot-Api-Secret-Token")
        await self.received.put((await request.json(), header))
        return web.Response(text="ok")


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    hook = Receiver()
    app = web.Application()
    app.router.add_post("/hook", hook.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    hook.url = f"http://{host}:{port}/hook"
    yield hook
    await runner.cleanup()


async def test_webhook_delivery_with_secret(
    bot: Bot, sandbox_server: SandboxServer, receiver: Receiver
) -> None:
    sandbox = sandbox_server.sandbox
    sandbox.user_send(42, "queued before the webhook")
    assert await bot.set_webhook(receiver.url, secret_token=SECRET)
    sandbox.user_send(42, "/start")
    first, header = await asyncio.wait_for(receiver.received.get(), 10)
    second, _ = await asyncio.wait_for(receiver.received.get(), 10)
    assert header == SECRET
    assert first["message"]["text"] == "queued before the webhook"
    assert second["message"]["text"] == "/start"
    assert second["update_id"] == first["update_id"] + 1
    info = await bot.get_webhook_info()
    assert info.url == receiver.url and info.pending_update_count == 0

    with pytest.raises(Conflict) as conflict:
        await bot.get_updates(timeout=0)
    assert conflict.value.message == (
        "Conflict: can't use getUpdates method while webhook is active; "
        "use deleteWebhook to delete the webhook first"
    )
    assert await bot.delete_webhook()
    sandbox.user_send(42, "after")
    (update,) = await bot.get_updates(timeout=0)
    assert update.message.text == "after"


async def test_webhook_failure_is_recorded(bot: Bot, sandbox_server: SandboxServer) -> None:
    dead_url = "http://127.0.0.1:9/hook"  # discard port: connection refused
    await bot.set_webhook(dead_url)
    sandbox_server.sandbox.user_send(42, "lost")
    await sandbox_server.sandbox.webhook.wait_idle()
    info = await bot.get_webhook_info()
    assert info.last_error_message and "Connection error" in info.last_error_message


async def test_long_poll_wakes_on_new_update(bot: Bot, sandbox_server: SandboxServer) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=30))
    assert await sandbox_server.state.wait_until(
        lambda: sandbox_server.state.poll_generation > 0, 10
    )
    sandbox_server.sandbox.user_send(42, "醒醒")
    (update,) = await asyncio.wait_for(poll, 10)
    assert update.message.text == "醒醒"


async def test_second_get_updates_terminates_the_first(
    sandbox_server: SandboxServer, http_session: aiohttp.ClientSession
) -> None:
    url = f"{sandbox_server.bot_base_url}{sandbox_server.token}/getUpdates"

    async def get_updates(timeout: int) -> tuple[int, dict[str, Any]]:
        async with http_session.post(url, json={"timeout": timeout}) as response:
            return response.status, await response.json()

    first = asyncio.create_task(get_updates(30))
    assert await sandbox_server.state.wait_until(
        lambda: sandbox_server.state.poll_generation == 1, 10
    )
    assert await get_updates(0) == (200, {"ok": True, "result": []})
    status, body = await asyncio.wait_for(first, 10)
    assert status == 409
    assert body["description"] == (
        "Conflict: terminated by other getUpdates request; "
        "make sure that only one bot instance is running"
    )
