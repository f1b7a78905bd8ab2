"""Production serving: the console on CONSOLE_PORT, links to PUBLIC_URL, Secure cookies."""

from __future__ import annotations

import re

import aiohttp
import pytest

from bot.console import serve_console

pytestmark = pytest.mark.database
PUBLIC = "https://contest.example.org/console"


@pytest.fixture
def harness_options() -> dict[str, object]:
    """Return settings as behind a TLS proxy: PUBLIC_URL https, the console's own port."""
    return {"public_url": PUBLIC + "/", "console_port": 0, "console_listen": "127.0.0.1"}


async def test_the_console_on_its_own_port_links_to_public_url_with_secure_cookies(harness):
    organizer = harness.organizer()
    await organizer.send("/console")
    match = re.search(
        re.escape(PUBLIC) + r"/login\?token=([A-Za-z0-9_\-]+)", organizer.last_reply.text
    )
    assert match, organizer.last_reply.text
    runner = await serve_console(harness.app)
    try:
        host, port = runner.addresses[0][:2]
        local = f"http://{host}:{port}/console"
        async with aiohttp.ClientSession() as client:
            async with client.get(local + "/") as page:
                assert page.status == 401
            async with client.post(
                local + "/login", data={"token": match.group(1)}, allow_redirects=False
            ) as login:
                assert login.status == 303
                cookie = login.cookies["console_session"]
                assert cookie["secure"] and cookie["httponly"]
    finally:
        await runner.cleanup()
