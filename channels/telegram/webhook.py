"""Webhook mode: an aiohttp server receives Telegram's updates and checks the secret token."""

from __future__ import annotations

import hmac
import json
import logging
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from telegram import Update

from channels.telegram.inbox import inbox_of
from config.services import services_of
from observability.health import add_health_routes

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
    limit = services_of(application).settings.webhook_max_body
    if request.content_length is not None and request.content_length > limit:
        log.warning("webhook: body of %d bytes refused (limit %d)", request.content_length, limit)
        return web.Response(status=413, text="request body too large")
    try:
        body = await request.read()  # at most client_max_size (WEBHOOK_MAX_BODY) bytes
    except web.HTTPRequestEntityTooLarge:
        log.warning("webhook: body over %d bytes refused", limit)
        return web.Response(status=413, text="request body too large")
    parsed = _parse_update(body, application)
    if parsed is None:
        return web.Response(status=400, text="bad request")
    update, payload = parsed
    try:
        await inbox_of(application).receive([update], [payload])  # stored before the 200
    except Exception:  # noqa: BLE001 - not stored: Telegram must send it again
        log.exception("webhook: update %s could not be stored", update.update_id)
        return web.Response(status=503, text="try again")
    return web.Response(text="ok")


def _parse_update(body: bytes, application: Any) -> tuple[Update, dict[str, Any]] | None:
    """Return the update in a webhook body with its JSON object; None (and one log line)
    if it is not one."""
    try:
        payload = json.loads(body)
        if not isinstance(payload, dict) or not isinstance(payload.get("update_id"), int):
            raise ValueError("not an update object")
        return Update.de_json(payload, application.bot), payload
    except Exception as error:  # noqa: BLE001 - whatever the body is, the answer is 400
        reason = type(error).__name__
        log.warning("webhook: malformed body of %d bytes refused (%s)", len(body), reason)
        return None


def create_webhook_app(application: Any) -> web.Application:
    """Return the aiohttp app that serves the webhook path, health checks and metrics."""
    settings = services_of(application).settings
    if settings.webhook_url is None:
        raise ValueError("WEBHOOK_URL is not set")
    if settings.webhook_secret is None:
        raise ValueError("WEBHOOK_SECRET must be set in webhook mode")
    web_app = web.Application(client_max_size=settings.webhook_max_body)
    web_app[APPLICATION] = application
    web_app.router.add_post(webhook_path(settings.webhook_url), _receive)
    add_health_routes(web_app, services_of(application))
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
