"""The web chat page: ``/`` serves a phone-sized Telegram-like chat, ``/static/`` its assets.

``/?user=1002`` plays user 1002; ``/?user=1002&start=CODE`` also opens the chat as the link
``t.me/<bot>?start=CODE`` would (it sends ``/start CODE`` if the chat is still empty), and a
t.me link to the bot inside a message does the same when clicked.
"""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

STATIC_DIR = Path(__file__).with_name("static")


async def index(request: web.Request) -> web.FileResponse:
    """Serve the chat page."""
    response = web.FileResponse(STATIC_DIR / "index.html")
    response.headers["Cache-Control"] = "no-store"
    return response


async def favicon(request: web.Request) -> web.FileResponse:
    """Serve the page's icon where browsers look for it by default."""
    return web.FileResponse(STATIC_DIR / "favicon.svg")


def add_web_routes(app: web.Application) -> None:
    """Register the page, its icon and its static files on ``app``."""
    app.router.add_get("/", index)
    app.router.add_get("/favicon.ico", favicon)
    app.router.add_static("/static/", STATIC_DIR, show_index=False)
