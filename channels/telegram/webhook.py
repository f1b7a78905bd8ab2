"""Webhook mode: an aiohttp server receives Telegram's updates and checks the secret token."""

from __future__ import annotations

import hmac
import logging
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from telegram import Update

from config.services import services_of

log = logging.getLogger(__name__)

APPLICATION = web.AppKey("application", object)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def webhook_path(webhook_url: str) -> str:
    """Return the path part of the public webhook URL (where Telegram posts)."""
    return urlsplit(webhook_url).path or "/"


async def _receive(request: web.Request) -> web.Response:
    application: Any = request.app[APPLICATION]
    secret = services_of(application).settings.webhook_secret
    given = request.headers.get(SECRET_HEADER, "")
    if secret is None or not hmac.compare_digest(given, secret.get_secret_value()):
        return web.Response(status=403, text="forbidden")
    try:
        payload = await request.json()
    except ValueError:
        return web.Response(status=400, text="bad request")
    update = Update.de_json(payload, application.bot)
    await application.update_queue.put(update)
    return web.Response(text="ok")


async def _health(_request: web.Request) -> web.Response:
    return web.Response(text="ok")


def create_webhook_app(application: Any) -> web.Application:
    """Return the aiohttp app that serves the webhook path and a health check."""
    settings = services_of(application).settings
    if settings.webhook_url is None:
        raise ValueError("WEBHOOK_URL is not set")
    if settings.webhook_secret is None:
        raise ValueError("WEBHOOK_SECRET must be set in webhook mode")
    web_app = web.Application()
    web_app[APPLICATION] = application
    web_app.router.add_post(webhook_path(settings.webhook_url), _receive)
    web_app.router.add_get("/healthz", _health)
    return web_app


async def register_webhook(application: Any) -> None:
    """Tell the Bot API where to post updates, with the secret token."""
    settings = services_of(application).settings
    assert settings.webhook_url and settings.webhook_secret
    await application.bot.set_webhook(
        settings.webhook_url,
        secret_token=settings.webhook_secret.get_secret_value(),
        allowed_updates=Update.ALL_TYPES,
    )
