"""The organizers' web console: aiohttp routes over the use cases in handlers/console.py.

See :mod:`channels.console.app`. No database session is opened here; every request calls
one use case and renders its result.
"""

from channels.console.app import ConsoleBackend, ConsoleSite, create_console_app

__all__ = ["ConsoleBackend", "ConsoleSite", "create_console_app"]
