"""An echo bot on the 企业微信 channel: a stand-in for the adapter, for tests and the page test."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
from aiohttp import web

from channels.wecom.api import Unreachable, WecomClient, split_text
from channels.wecom.callback import CallbackHandler, Consumer, InboundEvent, InboundKind
from channels.wecom.crypto import WecomCrypto
from sandbox.config import FakeClock
from sandbox.wecom.server import WecomSandboxServer


def echo_consumer(client: WecomClient) -> Consumer:
    """Return a consumer that answers every event the way a tiny bot would."""

    async def consume(event: InboundEvent) -> None:
        user = event.user_id
        try:
            if event.kind is InboundKind.TEXT:
                if event.text == "选择":
                    await client.send_card(user, title="请选择赛道",
                                           buttons=[("cat:1", "基层治理"), ("cat:2", "民生服务")],
                                           task_id=f"pick-{event.dedupe_key}")
                    return
                for part in split_text(f"你说：{event.text}"):
                    await client.send_text(user, part)
            elif event.kind is InboundKind.BUTTON:
                label = {"cat:1": "基层治理", "cat:2": "民生服务"}[event.button_key]
                await client.update_card_buttons(user, response_code=event.response_code,
                                                 replace_name=f"已选择：{label}")
                await client.send_text(user, f"好的，赛道是{label}")
            elif event.kind is InboundKind.MEDIA:
                media = await client.download_media(event.media_id)
                await client.send_document(user, media.data[::-1], f"回执-{media.file_name}")
            elif event.kind is InboundKind.ENTER:
                await client.send_markdown(user, "**欢迎**使用大赛助手")
            else:
                await client.send_text(user, "暂不支持这种消息")
        except Unreachable:
            pass  # the adapter would mark the account unreachable here

    return consume



@asynccontextmanager
async def running_echo_bot(
    wecom: WecomSandboxServer, http: aiohttp.ClientSession, clock: FakeClock | None = None
) -> AsyncIterator[CallbackHandler]:
    """Serve the echo bot's callback URL on 127.0.0.1 and point the sandbox at it."""
    config = wecom.config
    client = WecomClient(http, corp_id=config.corp_id, agent_id=config.agent_id,
                         secret=config.secret, api_url=wecom.url,
                         **({"clock": clock} if clock is not None else {}))
    handler = CallbackHandler(WecomCrypto(config.token, config.aes_key, config.corp_id),
                              echo_consumer(client), agent_id=config.agent_id)
    app = web.Application()
    handler.add_routes(app)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    host, port = runner.addresses[0][:2]
    config.callback_url = f"http://{host}:{port}/wecom/callback"
    try:
        yield handler
    finally:
        await runner.cleanup()
