"""Channels: one package per messenger the assistant speaks through (Telegram, 企业微信)."""
