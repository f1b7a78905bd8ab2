"""Channels: how people reach the application (Telegram, the organizers' web console)."""
