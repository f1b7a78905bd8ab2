"""The real bot with its 企业微信 channel on, over the 企业微信 sandbox: fixtures' helpers.

``WecomBot`` points the sandbox at the running bot's callback URL and gives members whose
every action returns once the bot has handled it (the callback handler's ``join``).
"""

from __future__ import annotations

from typing import Any

import aiohttp

from bot.app import WECOM
from channels.wecom.service import WecomService
from sandbox.wecom.client import WecomMessage, WecomUser
from sandbox.wecom.server import WecomSandboxServer
from tests.harness import Harness


def wecom_settings(server: WecomSandboxServer, **extra: Any) -> dict[str, Any]:
    """Return the WECOM_* settings of a bot on this sandbox (callback on a free port)."""
    config = server.config
    return {
        "wecom_corp_id": config.corp_id,
        "wecom_agent_id": config.agent_id,
        "wecom_secret": config.secret,
        "wecom_token": config.token,
        "wecom_aes_key": config.aes_key,
        "wecom_api_url": server.url,
        "wecom_listen": "127.0.0.1",
        "wecom_port": 0,
        **extra,
    }


class WecomBot:
    """The harness's bot seen from 企业微信."""

    def __init__(self, harness: Harness, server: WecomSandboxServer,
                 http: aiohttp.ClientSession) -> None:
        self.harness = harness
        self.server = server
        self.http = http
        self.connect()

    @property
    def service(self) -> WecomService:
        """Return the running bot's 企业微信 service."""
        assert self.harness.app is not None
        service: WecomService = self.harness.app.bot_data[WECOM]
        return service

    def connect(self) -> None:
        """Point the sandbox at the running bot's callback URL (again after a restart)."""
        self.server.config.callback_url = self.service.url

    async def join(self) -> None:
        """Wait until the bot handled every callback so far."""
        await self.service.join()

    def user(self, user_id: str = "zhangsan") -> WecomUser:
        """Return a member whose actions return once the bot has answered."""
        return WecomUser(self.http, self.server.url, user_id, after=self.join)


def texts(messages: list[WecomMessage]) -> str:
    """Return what the app's messages say, one after the other."""
    return "\n".join(m.text for m in messages if m.from_bot)


async def tap(user: WecomUser, label: str) -> None:
    """Press the button with this label on the newest card that has it."""
    for message in reversed(user.messages()):
        if message.from_bot and any(text == label for _key, text in message.buttons):
            await user.press(label, message)
            return
    raise AssertionError(f"no button {label!r} on any card")


async def say(user: WecomUser, text: str) -> str:
    """Type ``text``; return what the app answered to it."""
    mark = user.mark()
    await user.send(text)
    return texts(user.replies_since(mark))


async def press(user: WecomUser, label: str) -> str:
    """Press a button; return what the app answered to it."""
    mark = user.mark()
    await tap(user, label)
    return texts(user.replies_since(mark))
