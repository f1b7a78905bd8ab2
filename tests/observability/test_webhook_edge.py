"""The webhook's edge: malformed bodies get 400 and one log line, oversized ones 413."""

from __future__ import annotations

import logging

from aiohttp.test_utils import TestClient, TestServer

from bot.app import build_application, start_services, stop_services
from channels.telegram.webhook import SECRET_HEADER, create_webhook_app
from config.settings import Settings
from tests.db import database_url, wipe

SECRET = "s3cret-token"


async def test_malformed_and_oversized_bodies(sandbox_server, clock, tmp_path, caplog):
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        bot_api_url=sandbox_server.url,
        database_url=database_url(tmp_path),
        webhook_url="http://127.0.0.1:1/telegram",
        webhook_secret=SECRET,
        webhook_max_body=4096,
    )
    await wipe(settings.database_url)
    application = build_application(settings, clock=clock, token=sandbox_server.token)
    await start_services(application)
    headers = {SECRET_HEADER: SECRET, "Content-Type": "application/json"}
    try:
        async with TestClient(TestServer(create_webhook_app(application))) as client:
            for body in (
                b"{not json",
                b"[1, 2]",
                b'{"no_update_id": 1}',
                b'{"update_id": "x"}',
                b'{"update_id": 5, "message": {"chat": 7}}',
                "\ufffe".encode(),
            ):
                caplog.clear()
                with caplog.at_level(logging.WARNING, logger="channels.telegram.webhook"):
                    response = await client.post("/telegram", data=body, headers=headers)
                assert response.status == 400, body
                lines = [r for r in caplog.records if r.name == "channels.telegram.webhook"]
                assert len(lines) == 1 and "malformed" in lines[0].getMessage()
                assert "\n" not in lines[0].getMessage() and lines[0].exc_info is None

            big = b'{"update_id": 1, "padding": "' + b"x" * 5000 + b'"}'
            response = await client.post("/telegram", data=big, headers=headers)
            assert response.status == 413

            async def chunks():
                yield big[:3000]
                yield big[3000:]

            response = await client.post("/telegram", data=chunks(), headers=headers)
            assert response.status == 413  # no Content-Length: refused once over the limit

            good = b'{"update_id": 9}'
            assert (await client.post("/telegram", data=good, headers=headers)).status == 200
            assert (await client.get("/healthz")).status == 200
            assert (await client.get("/readyz")).status == 200
            assert (await client.get("/metrics")).status == 200
    finally:
        await stop_services(application)
