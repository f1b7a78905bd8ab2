"""The user side as JSON over HTTP under ``/sandbox/api/``: play Telegram users.

Routes (``user`` is a user id; it is also the private chat id):

- ``GET  info``                      bot identity and sandbox version
- ``GET  users``                     users seen so far
- ``POST send {user, text, reply_to?}``
- ``POST press {user, message_id, data}``
- ``POST upload`` multipart ``user``, ``file``, ``caption?``
- ``GET  messages?user=U&since=V``   chat view: messages changed after version V
- ``GET  poll?user=U&since=V&timeout=T&epoch=E``  the same, once something changed (long
  poll); it also returns at once when the sandbox was reset (its ``epoch`` is not E)
- ``POST block {user, blocked}``     block / unblock the bot
- ``POST profile {user, first_name?, last_name?, username?, language_code?}``
- ``POST reset``                     forget everything
- ``GET  commands?user=U``           the command menu that chat shows
- ``GET  file/{file_id}``            download a document
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from aiohttp import web

from sandbox import useractions
from sandbox.methods import dumps
from sandbox.models import JSON, Message, User
from sandbox.useractions import UserActionError

if TYPE_CHECKING:
    from sandbox.server import Sandbox

PREFIX = "/sandbox/api"


def ok(body: JSON | None = None, status: int = 200) -> web.Response:
    """Return a success response."""
    return web.json_response({"ok": True, **(body or {})}, status=status, dumps=dumps)


def fail(message: str, status: int = 400) -> web.Response:
    """Return an error response."""
    return web.json_response({"ok": False, "error": message}, status=status, dumps=dumps)


def message_view(msg: Message) -> JSON:
    """Return how the user's app sees a message (edits applied)."""
    view: JSON = {
        "message_id": msg.message_id,
        "from_bot": msg.from_bot,
        "date": msg.date,
        "text": msg.text,
        "entities": msg.entities,
        "source": msg.source,
        "parse_mode": msg.parse_mode,
        "caption": msg.caption,
        "caption_entities": msg.caption_entities,
        "reply_markup": msg.reply_markup,
        "reply_to": msg.reply_to,
        "edited": msg.edit_date is not None,
        "edit_date": msg.edit_date,
        "edit_count": len(msg.history),
        "deleted": msg.deleted,
        "version": msg.version,
        "document": None,
    }
    if msg.document is not None:
        view["document"] = {
            **msg.document.document_json(),
            "url": f"{PREFIX}/file/{msg.document.file_id}",
        }
    return view


class UserApi:
    """HTTP handlers of the user side."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.state = sandbox.state

    def add_routes(self, app: web.Application) -> None:
        """Register the user-side routes on ``app``."""
        r = app.router
        r.add_get(f"{PREFIX}/info", self.info)
        r.add_get(f"{PREFIX}/users", self.users)
        r.add_post(f"{PREFIX}/send", self.send)
        r.add_post(f"{PREFIX}/press", self.press)
        r.add_post(f"{PREFIX}/upload", self.upload)
        r.add_get(f"{PREFIX}/messages", self.messages)
        r.add_get(f"{PREFIX}/poll", self.poll)
        r.add_post(f"{PREFIX}/block", self.block)
        r.add_post(f"{PREFIX}/profile", self.profile)
        r.add_post(f"{PREFIX}/reset", self.reset)
        r.add_get(f"{PREFIX}/commands", self.commands)
        r.add_get(f"{PREFIX}/file/{{file_id}}", self.file)

    # -- helpers --------------------------------------------------------------------------

    @staticmethod
    async def body(request: web.Request) -> dict[str, Any]:
        """Read a JSON or form body merged over the query string."""
        values: dict[str, Any] = dict(request.query)
        if request.body_exists:
            if request.content_type == "application/json":
                data = await request.json()
                if isinstance(data, dict):
                    values.update(data)
            else:
                values.update(await request.post())
        return values

    @staticmethod
    def user_id(values: Any) -> int:
        """Return the ``user`` parameter as an int or raise ``UserActionError``."""
        try:
            user_id = int(values.get("user"))
        except (TypeError, ValueError):
            raise UserActionError("缺少有效的用户 ID（user）") from None
        if user_id <= 0:
            raise UserActionError("用户 ID 必须是正整数")
        return user_id

    def chat_view(self, user_id: int, since: int) -> JSON:
        """Return the chat as the user's app shows it, messages changed after ``since``."""
        state = self.state
        chat = state.chats.get(user_id)
        if chat is None:
            return {
                "version": state.version, "epoch": state.epoch, "messages": [],
                "reply_keyboard": None, "keyboard_hidden": False, "toast": None,
                "action": None, "force_reply": None, "blocked": False, "known": False,
                "user": {"id": user_id, "first_name": f"用户{user_id}"},
                "bot": state.bot_json(),
            }
        messages = [message_view(m) for m in chat.messages.values() if m.version > since]
        force = chat.messages.get(chat.force_reply) if chat.force_reply else None
        return {
            "version": chat.version,
            "epoch": state.epoch,
            "messages": messages,
            "reply_keyboard": chat.reply_keyboard,
            "keyboard_hidden": chat.keyboard_hidden,
            "toast": chat.toast,
            "action": chat.action,
            "force_reply": force.reply_markup if force is not None else None,
            "blocked": chat.user.blocked,
            "known": True,
            "user": chat.user.to_json(),
            "bot": state.bot_json(),
        }

    # -- handlers -------------------------------------------------------------------------

    async def info(self, request: web.Request) -> web.Response:
        """Describe the sandbox."""
        return ok({"bot": self.state.bot_json(), "version": self.state.version})

    async def users(self, request: web.Request) -> web.Response:
        """List the users seen so far."""
        users = [{**u.to_json(), "blocked": u.blocked} for u in self.state.users.values()]
        return ok({"users": users})

    async def send(self, request: web.Request) -> web.Response:
        """Send a text message as a user."""
        try:
            values = await self.body(request)
            reply_to = values.get("reply_to")
            msg = useractions.send_text(
                self.state, self.user_id(values), str(values.get("text") or ""),
                int(reply_to) if reply_to not in (None, "") else None,
            )
        except (UserActionError, ValueError) as exc:
            return fail(str(exc))
        return ok({"message": message_view(msg)})

    async def press(self, request: web.Request) -> web.Response:
        """Press an inline button as a user."""
        try:
            values = await self.body(request)
            query = useractions.press_button(
                self.state, self.user_id(values), int(values.get("message_id") or 0),
                str(values.get("data") or ""),
            )
        except (UserActionError, ValueError) as exc:
            return fail(str(exc))
        return ok({"callback_query_id": query.id})

    async def upload(self, request: web.Request) -> web.Response:
        """Upload a document as a user (multipart: user, file, caption)."""
        try:
            form = await request.post()
            upload = form.get("file")
            if not isinstance(upload, web.FileField):
                raise UserActionError("缺少文件（file）")
            caption = form.get("caption")
            msg = useractions.upload_document(
                self.state, self.user_id(form), upload.filename or "file", upload.file.read(),
                upload.content_type, caption if isinstance(caption, str) else None,
            )
        except (UserActionError, ValueError) as exc:
            return fail(str(exc))
        return ok({"message": message_view(msg)})

    async def messages(self, request: web.Request) -> web.Response:
        """Return the chat view (messages changed after ``since``)."""
        try:
            user_id = self.user_id(request.query)
            since = int(request.query.get("since") or 0)
        except (UserActionError, ValueError) as exc:
            return fail(str(exc))
        return ok(self.chat_view(user_id, since))

    async def poll(self, request: web.Request) -> web.Response:
        """Long-poll: answer once the chat changed after ``since`` (or on timeout)."""
        try:
            user_id = self.user_id(request.query)
            since = int(request.query.get("since") or 0)
            timeout = min(float(request.query.get("timeout") or 25), 60.0)
        except (UserActionError, ValueError) as exc:
            return fail(str(exc))
        state = self.state
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        epoch = int(request.query.get("epoch") or state.epoch)
        while not self.sandbox.closing and state.epoch == epoch:
            chat = state.chats.get(user_id)
            if chat is not None and chat.version > since:
                break
            notifier = chat.notifier if chat is not None else state.changes
            if not await notifier.wait(deadline - loop.time()):
                break
        return ok(self.chat_view(user_id, since))

    async def block(self, request: web.Request) -> web.Response:
        """Block or unblock the bot as a user."""
        try:
            values = await self.body(request)
            blocked = str(values.get("blocked", "true")).lower() in ("true", "1", "yes")
            useractions.set_blocked(self.state, self.user_id(values), blocked)
        except (UserActionError, ValueError) as exc:
            return fail(str(exc))
        return ok({"blocked": blocked})

    async def profile(self, request: web.Request) -> web.Response:
        """Change a user's profile."""
        try:
            values = await self.body(request)
            user = useractions.update_profile(self.state, self.user_id(values), values)
        except (UserActionError, ValueError) as exc:
            return fail(str(exc))
        return ok({"user": user.to_json()})

    async def reset(self, request: web.Request) -> web.Response:
        """Forget all users, chats, updates, files and commands."""
        self.sandbox.reset()
        return ok()

    async def commands(self, request: web.Request) -> web.Response:
        """Return the command menu of a user's chat (chat > all_private_chats > default)."""
        try:
            user_id = self.user_id(request.query)
        except UserActionError as exc:
            return fail(str(exc))
        user = self.state.users.get(user_id) or User(
            user_id, "", language_code=self.state.config.default_language_code
        )
        return ok({"commands": self.state.visible_commands(user)})

    async def file(self, request: web.Request) -> web.Response:
        """Download a stored document by file_id."""
        record = self.state.files.get(request.match_info["file_id"])
        if record is None:
            return fail("文件不存在", 404)
        name = record.file_name or record.file_path.rsplit("/", 1)[-1]
        return web.Response(
            body=record.data,
            content_type=record.mime_type or "application/octet-stream",
            headers={"Content-Disposition": _disposition(name)},
        )


def _disposition(name: str) -> str:
    ascii_name = name.encode("ascii", "replace").decode().replace('"', "_")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
