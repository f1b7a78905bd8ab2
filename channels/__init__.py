"""Channel adapters (Telegram, 企业微信, the organizers' web console): each parses its input,
calls the use cases in ``handlers/`` and renders their neutral replies."""
