"""(being written) The team flow."""

from __future__ import annotations

from telegram.ext import Application


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Adds this flow's handlers."""
