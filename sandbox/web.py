"""The web chat page: ``/`` serves a phone-sized Telegram-like chat, ``/static/`` its assets."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

STATIC_DIR = Path(__file__).with_name("static")


async def index(request: web.Request) -> web.FileResponse:
    """Serve the chat page."""
    response = web.FileResponse(STATIC_DIR / "index.html")
    response.headers["Cache-Control"] = "no-store"
    return response


def add_web_routes(app: web.Application) -> None:
    """Register the page and its static files on ``app``."""
    app.router.add_get("/", index)
    app.router.add_static("/static/", STATIC_DIR, show_index=False)
