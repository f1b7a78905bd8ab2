"""The sandbox as an aiohttp application: ``Sandbox``, ``create_app``, ``start``, ``SandboxServer``.

Point a real PTB application at it with::

    ApplicationBuilder().token(sandbox.token)
        .base_url(f"{url}/bot").base_file_url(f"{url}/file/bot")
"""

from __future__ import annotations

from types import TracebackType

from aiohttp import web

from sandbox import useractions
from sandbox.botapi import BotApi
from sandbox.config import SandboxConfig
from sandbox.models import CallbackQuery, Message
from sandbox.persist import StateFile
from sandbox.state import SandboxState
from sandbox.userapi import UserApi
from sandbox.web import add_web_routes
from sandbox.webhook import WebhookSender

SANDBOX_KEY: web.AppKey[Sandbox] = web.AppKey("sandbox")


class Sandbox:
    """One simulated Telegram (Bot API + users); usable in-process and over HTTP."""

    def __init__(self, config: SandboxConfig | None = None) -> None:
        self.config = config or SandboxConfig()
        self.state = SandboxState(self.config)
        self.webhook = WebhookSender(self.state)
        self.closing = False
        self.state_file: StateFile | None = None
        self.restored = False
        if self.config.state_file is not None:
            self.state_file = StateFile(self.state, self.config.state_file)
            self.restored = self.state_file.restore()

    @property
    def token(self) -> str:
        """Return the bot token the sandbox accepts."""
        return self.config.token

    def reset(self) -> None:
        """Forget all users, chats, updates, files, commands and the webhook."""
        self.state.reset()

    def wake_all(self) -> None:
        """Wake every long-polling waiter (used on reset and shutdown)."""
        self.state.changes.notify()
        self.state.updates_notifier.notify()
        for chat in self.state.chats.values():
            chat.notifier.notify()

    async def close(self) -> None:
        """Make long polls return at once so the server can stop quickly."""
        self.closing = True
        self.wake_all()

    # -- in-process user actions (same as the HTTP user API) ------------------------------

    def user_send(self, user_id: int, text: str) -> Message:
        """Send ``text`` as user ``user_id``."""
        return useractions.send_text(self.state, user_id, text)

    def user_press(self, user_id: int, message_id: int, data: str) -> CallbackQuery:
        """Press the inline button with ``data`` on a message, as user ``user_id``."""
        return useractions.press_button(self.state, user_id, message_id, data)

    def user_block(self, user_id: int, blocked: bool = True) -> None:
        """Block (or unblock) the bot as user ``user_id``."""
        useractions.set_blocked(self.state, user_id, blocked)


def create_app(
    sandbox: Sandbox, mounts: dict[str, web.Application] | None = None
) -> web.Application:
    """Build the aiohttp application serving the Bot API, the user API and the web page.

    ``mounts`` adds sub-applications under path prefixes (the bot's web console).
    """
    app = web.Application(client_max_size=sandbox.config.max_upload_bytes + 1024 * 1024)
    app[SANDBOX_KEY] = sandbox
    BotApi(sandbox).add_routes(app)
    UserApi(sandbox).add_routes(app)
    add_web_routes(app)
    for prefix, sub_app in (mounts or {}).items():
        app.add_subapp(prefix, sub_app)

    async def on_startup(_app: web.Application) -> None:
        sandbox.closing = False
        await sandbox.webhook.start()
        if sandbox.state_file is not None:
            sandbox.state_file.start()

    async def on_shutdown(_app: web.Application) -> None:
        await sandbox.close()

    async def on_cleanup(_app: web.Application) -> None:
        await sandbox.webhook.stop()
        if sandbox.state_file is not None:
            await sandbox.state_file.stop()

    app.on_startup.append(on_startup)
    app.on_shutdown.append(on_shutdown)
    app.on_cleanup.append(on_cleanup)
    return app


async def start(
    host: str = "127.0.0.1",
    port: int = 0,
    config: SandboxConfig | None = None,
    sandbox: Sandbox | None = None,
    mounts: dict[str, web.Application] | None = None,
) -> tuple[web.AppRunner, str]:
    """Start a sandbox server (port 0 picks a free one); return the runner and its URL."""
    sandbox = sandbox or Sandbox(config)
    app = create_app(sandbox, mounts)
    runner = web.AppRunner(app, handler_cancellation=True, shutdown_timeout=5.0)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    real_host, real_port = runner.addresses[0][:2]
    if ":" in real_host:
        real_host = f"[{real_host}]"
    return runner, f"http://{real_host}:{real_port}"


def sandbox_of(runner: web.AppRunner) -> Sandbox:
    """Return the ``Sandbox`` served by a runner from ``start``."""
    return runner.app[SANDBOX_KEY]


class SandboxServer:
    """``async with SandboxServer(config) as server``: a running sandbox with its URL."""

    def __init__(
        self,
        config: SandboxConfig | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        mounts: dict[str, web.Application] | None = None,
    ) -> None:
        self.sandbox = Sandbox(config)
        self.mounts = mounts
        self.host = host
        self.port = port
        self.runner: web.AppRunner | None = None
        self.url = ""

    @property
    def state(self) -> SandboxState:
        """Return the sandbox world."""
        return self.sandbox.state

    @property
    def config(self) -> SandboxConfig:
        """Return the sandbox config."""
        return self.sandbox.config

    @property
    def token(self) -> str:
        """Return the bot token."""
        return self.sandbox.token

    @property
    def bot_base_url(self) -> str:
        """Return the value for ``ApplicationBuilder().base_url``."""
        return f"{self.url}/bot"

    @property
    def bot_file_url(self) -> str:
        """Return the value for ``ApplicationBuilder().base_file_url``."""
        return f"{self.url}/file/bot"

    async def start(self) -> SandboxServer:
        """Start serving."""
        self.runner, self.url = await start(
            self.host, self.port, sandbox=self.sandbox, mounts=self.mounts
        )
        return self

    async def stop(self) -> None:
        """Stop serving."""
        if self.runner is not None:
            await self.runner.cleanup()
            self.runner = None

    async def __aenter__(self) -> SandboxServer:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()
