"""The 企业微信 channel as one running service: client, adapter, callback server, outbox channel.

``WecomService.start`` opens an HTTP session for the API, serves the callback URL on a small
aiohttp server of its own (``WECOM_LISTEN``:``WECOM_PORT``, path ``WECOM_PATH``) and
returns; ``channel`` is handed to the delivery worker beside Telegram's. Every callback is
stored in the inbox before its 200 (``inbox.py``), so ``stop`` may stop serving at once:
events not yet handled stay stored, and the next start handles them (or, for one applied
but not answered, asks the person's current question again).
"""

from __future__ import annotations

import logging

import aiohttp
from aiohttp import web

from channels.wecom.adapter import WecomAdapter
from channels.wecom.api import WecomClient
from channels.wecom.callback import CallbackHandler
from channels.wecom.crypto import WecomCrypto
from channels.wecom.inbox import WecomInbox
from channels.wecom.outbound import Attachments, WecomChannel
from channels.wecom.speaker import Speaker
from config.services import Services

log = logging.getLogger(__name__)


class WecomService:
    """The configured 企业微信 self-built app, receiving and sending."""

    def __init__(self, services: Services, *, attachments: Attachments | None = None) -> None:
        """Prepare the service; ``attachments`` fetches notices' files (Telegram's channel)."""
        settings = services.settings
        if not settings.wecom_enabled:
            raise ValueError("企业微信 is not configured (WECOM_CORP_ID …)")
        assert settings.wecom_agent_id is not None and settings.wecom_secret is not None
        assert settings.wecom_token is not None and settings.wecom_aes_key is not None
        assert settings.wecom_corp_id is not None
        self.services = services
        self.attachments = attachments
        self.session: aiohttp.ClientSession | None = None
        self.runner: web.AppRunner | None = None
        self.url = ""
        self.crypto = WecomCrypto(
            settings.wecom_token.get_secret_value(),
            settings.wecom_aes_key.get_secret_value(),
            settings.wecom_corp_id,
        )
        self.client: WecomClient | None = None
        self.handler: CallbackHandler | None = None
        self.adapter: WecomAdapter | None = None
        self.inbox: WecomInbox | None = None
        self.channel: WecomChannel | None = None

    async def start(self) -> WecomService:
        """Open the API session and serve the callback URL."""
        settings = self.services.settings
        assert settings.wecom_secret is not None and settings.wecom_agent_id is not None
        self.session = aiohttp.ClientSession()
        self.client = WecomClient(
            self.session,
            corp_id=settings.wecom_corp_id or "",
            agent_id=settings.wecom_agent_id,
            secret=settings.wecom_secret.get_secret_value(),
            api_url=settings.wecom_api_url,
        )
        speaker = Speaker(self.client)
        self.adapter = WecomAdapter(self.services, speaker)
        self.channel = WecomChannel(speaker, self.services.contest, attachments=self.attachments)
        self.inbox = WecomInbox(self.services, self.adapter, resume=self.adapter.resume)
        self.handler = CallbackHandler(
            self.crypto, self.inbox.consume, agent_id=settings.wecom_agent_id, concurrency=4,
            store=self.inbox.store,
        )  # fmt: skip
        self.inbox.handler = self.handler
        app = web.Application()
        self.handler.add_routes(app, settings.wecom_path)
        self.runner = web.AppRunner(app, handler_cancellation=True)
        await self.runner.setup()
        await web.TCPSite(self.runner, settings.wecom_listen, settings.wecom_port).start()
        host, port = self.runner.addresses[0][:2]
        if ":" in host:
            host = f"[{host}]"
        self.url = f"http://{host}:{port}{settings.wecom_path}"
        log.info("企业微信 callback served on %s:%s%s", host, port, settings.wecom_path)
        # What a crash or a stop left in the inbox is handled now (SQLite: the only instance).
        await self.inbox.start(single_instance=self.services.engine.dialect.name == "sqlite")
        return self

    async def join(self) -> None:
        """Wait until every event received so far was handled (tests, shutdown)."""
        if self.handler is not None:
            await self.handler.join()

    async def stop(self) -> None:
        """Stop serving and close the API session."""
        if self.inbox is not None:
            await self.inbox.stop()
        if self.runner is not None:
            await self.runner.cleanup()  # the handler's on_cleanup stops its consumers
            self.runner = None
        if self.session is not None:
            await self.session.close()
            self.session = None
