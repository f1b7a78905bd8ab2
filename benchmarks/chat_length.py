"""How long the contact's chat is after the README's first journey: messages, edits, buttons.

Walks ``tests/flows/test_first_journey.py`` against the sandbox and prints, for the contact
person's chat: the bot's messages, how many were ever edited, how many still carry live
buttons and how many buttons, and the text's lines (a phone screen shows about 20).

    python -m benchmarks.chat_length
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

os.environ.setdefault("PTB_TIMEDELTA", "true")

import aiohttp  # noqa: E402

from bot import demo  # noqa: E402
from config.clock import ManualClock  # noqa: E402
from contest.definition import load_contest  # noqa: E402
from sandbox.config import SandboxConfig  # noqa: E402
from sandbox.server import SandboxServer  # noqa: E402
from tests.flows.test_first_journey import test_the_first_journey_of_the_readme  # noqa: E402
from tests.harness import Harness  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SCREEN_LINES = 20


async def run() -> None:
    """Walk the first journey and print the figures of the contact's chat."""
    contest = load_contest(ROOT / "contests" / "jianbing-2024.toml")
    clock = ManualClock(datetime(2024, 7, 1, 10, tzinfo=timezone(timedelta(hours=8))))
    with tempfile.TemporaryDirectory() as folder:
        async with SandboxServer(SandboxConfig(global_rate=None, per_chat_rate=None)) as server:
            async with aiohttp.ClientSession() as session:
                harness = Harness(
                    server,
                    session,
                    database_url=f"sqlite+aiosqlite:///{folder}/bench.db",
                    clock=clock,
                    contest=contest,
                )
                await harness.start()
                await test_the_first_journey_of_the_readme(harness, contest)
                contact = harness.user(demo.CONTACT_ID)
                await contact.refresh()
                await harness.stop()
    bot = [m for m in contact.messages() if m.from_bot]
    live = [m for m in bot if m.buttons]
    lines = sum(len(m.text.splitlines()) for m in bot)
    print(f"bot messages: {len(bot)}, ever edited: {sum(m.edited for m in bot)}")
    print(f"with live buttons: {len(live)} ({sum(len(m.button_labels()) for m in live)} buttons)")
    print(f"lines of text: {lines} (about {lines / SCREEN_LINES:.0f} screens)")


def main() -> None:
    """Run the measurement."""
    asyncio.run(run())


if __name__ == "__main__":
    main()
