"""The Bot API HTTP surface: ``/bot<token>/<method>`` and ``/file/bot<token>/<path>``."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from itertools import islice
from typing import TYPE_CHECKING, Any

from aiohttp import web

from sandbox import errors as E
from sandbox.errors import ApiError, bad_request
from sandbox.methods import MessageMethods, dumps
from sandbox.models import JSON
from sandbox.params import Params, read_params
from sandbox.state import SandboxState

if TYPE_CHECKING:
    from sandbox.server import Sandbox

Method = Callable[[Params], Awaitable[Any]]
SCOPES_WITH_CHAT = ("chat", "chat_administrators", "chat_member")
SCOPES = ("default", "all_private_chats", "all_group_chats", "all_chat_administrators",
          *SCOPES_WITH_CHAT)
COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")
SECRET_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")
HARMLESS = (
    "setmydescription", "setmyshortdescription", "setmyname", "setchatmenubutton",
    "setmydefaultadministratorrights", "close", "logout",
)


def json_response(body: JSON, status: int = 200) -> web.Response:
    """Return a JSON response encoded like Telegram's."""
    return web.json_response(body, status=status, dumps=dumps)


class BotApi:
    """Dispatch of Bot API methods; message methods live in ``MessageMethods``."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.state: SandboxState = sandbox.state
        self.methods: dict[str, Method] = {
            **MessageMethods(self.state).table(),
            "getme": self.get_me,
            "getupdates": self.get_updates,
            "setwebhook": self.set_webhook,
            "deletewebhook": self.delete_webhook,
            "getwebhookinfo": self.get_webhook_info,
            "setmycommands": self.set_my_commands,
            "getmycommands": self.get_my_commands,
            "deletemycommands": self.delete_my_commands,
        }
        for name in HARMLESS:
            self.methods[name] = self.harmless

    # -- HTTP -----------------------------------------------------------------------------

    async def handle(self, request: web.Request) -> web.Response:
        """Serve one Bot API call."""
        config = self.state.config
        if request.match_info["token"] != config.token:
            return json_response(ApiError(401, "Unauthorized").to_json(), 401)
        name = request.match_info["method"]
        method = self.methods.get(name.lower())
        if method is None:
            return json_response(ApiError(404, "Not Found").to_json(), 404)
        failure = config.take_failure(name)
        if failure is not None:
            params = {"retry_after": failure.retry_after} if failure.retry_after else None
            error = ApiError(failure.status, failure.description, params)
            return json_response(error.to_json(), failure.status)
        try:
            params = await read_params(request)
            result = await method(params)
        except ApiError as exc:
            return json_response(exc.to_json(), exc.code)
        return json_response({"ok": True, "result": result})

    async def download(self, request: web.Request) -> web.Response:
        """Serve a file by its ``file_path`` (what ``File.download_*`` fetches)."""
        if request.match_info["token"] != self.state.config.token:
            return json_response(ApiError(401, "Unauthorized").to_json(), 401)
        record = self.state.files_by_path.get(request.match_info["path"])
        if record is None:
            return json_response(ApiError(404, "Not Found").to_json(), 404)
        return web.Response(
            body=record.data, content_type=record.mime_type or "application/octet-stream"
        )

    def add_routes(self, app: web.Application) -> None:
        """Register the Bot API routes on ``app``."""
        app.router.add_route("*", "/bot{token}/{method}", self.handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self.download)

    # -- methods --------------------------------------------------------------------------

    async def get_me(self, params: Params) -> JSON:
        """getMe."""
        return {
            **self.state.bot_json(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def harmless(self, params: Params) -> bool:
        """Accept a setter the sandbox does not model."""
        return True

    async def get_updates(self, params: Params) -> list[JSON]:
        """getUpdates with offset confirmation and event-driven long polling."""
        state = self.state
        if state.webhook["url"]:
            raise ApiError(409, E.WEBHOOK_CONFLICT)
        offset = params.get_int("offset") or 0
        limit = min(max(params.get_int("limit") or 100, 1), 100)
        timeout = min(max(params.get_float("timeout") or 0.0, 0.0), state.config.max_long_poll)
        allowed = params.get_json("allowed_updates")
        state.set_allowed_updates(allowed if isinstance(allowed, list) else None)
        state.confirm_updates(offset)
        state.poll_generation += 1
        generation = state.poll_generation
        state.updates_notifier.notify()
        state.changes.notify()  # lets tests wait_until() a poll is in progress
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not state.updates and not self.sandbox.closing:
            if not await state.updates_notifier.wait(deadline - loop.time()):
                break
            if state.poll_generation != generation:
                raise ApiError(409, E.GETUPDATES_CONFLICT)
            if state.webhook["url"]:
                return []
        return list(islice(state.updates, limit))

    async def set_webhook(self, params: Params) -> bool:
        """setWebhook; an empty url removes the webhook."""
        state = self.state
        url = params.get_str("url") or ""
        if url and not url.startswith(("http://", "https://")):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.get_str("secret_token")
        if secret is not None and not SECRET_RE.fullmatch(secret):
            raise bad_request("secret token contains unallowed characters")
        if params.get_bool("drop_pending_updates"):
            state.drop_pending_updates()
        allowed = params.get_json("allowed_updates")
        state.set_allowed_updates(allowed if isinstance(allowed, list) else None)
        state.webhook = {
            "url": url,
            "secret_token": secret,
            "max_connections": params.get_int("max_connections") or 40,
        }
        state.webhook_errors = {}
        if url:
            state.poll_generation += 1
            state.updates_notifier.notify()
            while state.updates and state.webhook_sink is not None:
                state.webhook_sink(state.updates.popleft())
        return True

    async def delete_webhook(self, params: Params) -> bool:
        """deleteWebhook."""
        if params.get_bool("drop_pending_updates"):
            self.state.drop_pending_updates()
        self.state.webhook = {"url": "", "secret_token": None, "max_connections": 40}
        return True

    async def get_webhook_info(self, params: Params) -> JSON:
        """getWebhookInfo."""
        state = self.state
        hook = state.webhook
        pending = len(state.updates) + self.sandbox.webhook.pending()
        info: JSON = {
            "url": hook["url"],
            "has_custom_certificate": False,
            "pending_update_count": pending,
        }
        if hook["url"]:
            info["max_connections"] = hook["max_connections"]
            info["allowed_updates"] = sorted(state.allowed_updates)
            info.update(state.webhook_errors)
        return info

    def command_key(self, params: Params) -> tuple[str, int | None, str]:
        """Return the storage key of (scope, language_code)."""
        scope = params.get_json("scope") or {"type": "default"}
        if not isinstance(scope, dict) or scope.get("type") not in SCOPES:
            raise bad_request("can't parse BotCommandScope JSON object")
        chat_id = None
        if scope["type"] in SCOPES_WITH_CHAT:
            chat_id = self.state.chat_for_bot(scope.get("chat_id"), check_blocked=False).user.id
        lang = params.get_str("language_code") or ""
        if lang and not re.fullmatch(r"[a-z]{2}", lang):
            raise bad_request("invalid language code specified")
        return scope["type"], chat_id, lang

    async def set_my_commands(self, params: Params) -> bool:
        """setMyCommands."""
        commands = params.get_json("commands")
        if not isinstance(commands, list):
            raise bad_request("can't parse commands JSON object")
        if len(commands) > 100:
            raise bad_request("BOT_COMMANDS_TOO_MUCH")
        stored = []
        for item in commands:
            if not isinstance(item, dict):
                raise bad_request("can't parse BotCommand JSON object")
            command, description = item.get("command"), item.get("description")
            if not isinstance(command, str) or not COMMAND_RE.fullmatch(command):
                raise bad_request("BOT_COMMAND_INVALID")
            if not isinstance(description, str) or not 1 <= len(description.strip()) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
            stored.append({"command": command, "description": description})
        key = self.command_key(params)
        if stored:
            self.state.commands[key] = stored
        else:
            self.state.commands.pop(key, None)
        for chat in self.state.chats.values():
            self.state.touch(chat)
        return True

    async def get_my_commands(self, params: Params) -> list[JSON]:
        """getMyCommands (exactly the given scope and language)."""
        return list(self.state.commands.get(self.command_key(params), []))

    async def delete_my_commands(self, params: Params) -> bool:
        """deleteMyCommands."""
        self.state.commands.pop(self.command_key(params), None)
        for chat in self.state.chats.values():
            self.state.touch(chat)
        return True
