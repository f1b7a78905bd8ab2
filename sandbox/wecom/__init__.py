"""企业微信 sandbox: a local stand-in for a self-built app's API and its users' app.

Start it with ``python -m sandbox.wecom`` (web chat page at ``/``), or in tests with
``WecomSandboxServer``; play users with ``WecomUser``. It serves gettoken, message/send,
message/update_template_card, media/upload and media/get with 企业微信's error codes and
limits, and encrypts and POSTs callbacks to the bot's callback URL when a user acts.
"""

from sandbox.wecom.config import WecomSandboxConfig
from sandbox.wecom.server import WecomSandbox, WecomSandboxServer, create_app

__all__ = ["WecomSandbox", "WecomSandboxConfig", "WecomSandboxServer", "create_app"]
