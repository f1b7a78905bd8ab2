"""Launching Debian's Chromium through Playwright (its own browser download is impossible here)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from playwright.async_api import Browser, async_playwright

CHROMIUM_PATH = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

requires_chromium = pytest.mark.skipif(
    not Path(CHROMIUM_PATH).exists(),
    reason=f"{CHROMIUM_PATH} not found: install it with `apt-get install -y chromium`",
)


@asynccontextmanager
async def launch_chromium() -> AsyncIterator[Browser]:
    """Launch headless Debian Chromium with Playwright's async API."""
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM_PATH, args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield browser
        finally:
            await browser.close()
