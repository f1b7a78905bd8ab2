"""Bot API sandbox: a local stand-in for Telegram's Bot API plus a user side to play users.

Start it with ``python -m sandbox`` (web chat page at ``/``), or in tests with
``SandboxServer``; drive users with ``SandboxUser`` and the bot with ``UpdatePump``.
"""

from sandbox.config import FakeClock, RateLimit, SandboxConfig
from sandbox.server import Sandbox, SandboxServer, create_app, sandbox_of, start

__all__ = [
    "FakeClock",
    "RateLimit",
    "Sandbox",
    "SandboxConfig",
    "SandboxServer",
    "create_app",
    "sandbox_of",
    "start",
]
