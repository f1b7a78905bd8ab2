"""The 企业微信 sandbox as an aiohttp application: the API, the people's side, the page.

Routes:

- ``GET  /cgi-bin/gettoken?corpid&corpsecret``
- ``POST /cgi-bin/message/send?access_token``                 text, markdown, file, template_card
- ``POST /cgi-bin/message/update_template_card?access_token``
- ``POST /cgi-bin/media/upload?access_token&type``            multipart field ``media``
- ``GET  /cgi-bin/media/get?access_token&media_id``
- ``POST /sandbox/api/send {user, text}``, ``press {user, message_id, key}``,
  ``upload`` (multipart ``user``, ``file``), ``enter {user}``: act as a person; each one is
  encrypted and POSTed to the bot's callback URL before the answer returns
- ``GET  /sandbox/api/messages?user&since``, ``poll?user&since&timeout&epoch``: a chat
- ``GET  /sandbox/api/file/{media_id}``, ``GET /sandbox/api/info``, ``POST /sandbox/api/reset``
- ``GET  /``: the phone-sized chat page (``?user=zhangsan``)
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import quote

import aiohttp
from aiohttp import web

from channels.wecom.crypto import WecomCrypto
from sandbox.wecom.config import WecomSandboxConfig
from sandbox.wecom.state import JSON, UserActionError, WecomApiError, WecomState, cdata

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).with_name("static")
PREFIX = "/sandbox/api"
WECOM_SANDBOX_KEY: web.AppKey[WecomSandbox] = web.AppKey("wecom_sandbox")


@dataclass
class Delivery:
    """One callback POSTed to the bot and what the bot answered."""

    xml: str
    query: dict[str, str]
    body: str
    status: int | None = None  # None: the bot could not be reached
    answer: str = ""


class WecomSandbox:
    """One simulated 企业微信 (a self-built app and its people); usable in-process and over HTTP."""

    def __init__(self, config: WecomSandboxConfig | None = None) -> None:
        self.config = config or WecomSandboxConfig()
        self.state = WecomState(self.config)
        self.crypto = WecomCrypto(self.config.token, self.config.aes_key, self.config.corp_id)
        self.session: aiohttp.ClientSession | None = None
        self.deliveries: list[Delivery] = []
        self.closing = False

    # -- callbacks --------------------------------------------------------------------------

    def envelope(self, xml: str) -> tuple[dict[str, str], str]:
        """Encrypt a plaintext callback; return its query (signature...) and the POST body."""
        ciphertext = self.crypto.encrypt(xml)
        timestamp = str(self.state.now())
        nonce = str(secrets.randbelow(10**10))
        query = {
            "msg_signature": self.crypto.sign(timestamp, nonce, ciphertext),
            "timestamp": timestamp, "nonce": nonce,
        }
        body = (
            f"<xml><ToUserName>{cdata(self.config.corp_id)}</ToUserName>"
            f"<Encrypt>{cdata(ciphertext)}</Encrypt>"
            f"<AgentID>{cdata(str(self.config.agent_id))}</AgentID></xml>"
        )
        return query, body

    async def deliver(self, xml: str) -> Delivery:
        """Encrypt ``xml`` and POST it to the bot's callback URL (recorded in ``deliveries``);
        deliver it again, up to ``config.redeliveries`` times, while the answer is no 200."""
        query, body = self.envelope(xml)
        delivery = Delivery(xml, query, body)
        self.deliveries.append(delivery)
        await self._post(delivery)
        for _ in range(self.config.redeliveries):
            if delivery.status == 200:
                break
            delivery = await self.redeliver(delivery)
        return delivery

    async def redeliver(self, delivery: Delivery | None = None) -> Delivery:
        """POST a callback again, byte for byte, as 企业微信 does after 5 s without an answer."""
        original = delivery or self.deliveries[-1]
        again = Delivery(original.xml, original.query, original.body)
        self.deliveries.append(again)
        await self._post(again)
        return again

    async def _post(self, delivery: Delivery) -> None:
        url = self.config.callback_url
        if not url:
            return
        session = self._session()
        try:
            async with session.post(
                url, params=delivery.query, data=delivery.body.encode(),
                headers={"Content-Type": "text/xml"},
            ) as response:
                delivery.status = response.status
                delivery.answer = await response.text()
        except (aiohttp.ClientError, TimeoutError, OSError) as error:
            log.warning("wecom sandbox callback failed: %r", error)

    async def verify_callback_url(self) -> bool:
        """Do 企业微信's URL verification (GET with an echostr); tell whether the bot passed."""
        echo = str(secrets.randbelow(10**18))
        ciphertext = self.crypto.encrypt(echo)
        timestamp, nonce = str(self.state.now()), str(secrets.randbelow(10**10))
        query = {"msg_signature": self.crypto.sign(timestamp, nonce, ciphertext),
                 "timestamp": timestamp, "nonce": nonce, "echostr": ciphertext}
        try:
            async with self._session().get(self.config.callback_url, params=query) as response:
                return response.status == 200 and await response.text() == echo
        except (aiohttp.ClientError, TimeoutError, OSError):
            return False

    def _session(self) -> aiohttp.ClientSession:
        if self.session is None or self.session.closed:
            # 企业微信 waits 5 s for an answer before it delivers again.
            self.session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5))
        return self.session

    async def close(self) -> None:
        """Wake long polls and close the callback session."""
        self.closing = True
        self.state.changes.notify()
        for chat in self.state.chats.values():
            chat.notifier.notify()
        if self.session is not None:
            await self.session.close()
            self.session = None

    # -- people, in process -------------------------------------------------------------------

    async def user_send(self, user_id: str, text: str) -> Delivery:
        """Type ``text`` as a person and deliver the callback."""
        _message, xml = self.state.user_text(user_id, text)
        return await self.deliver(xml)

    async def user_press(self, user_id: str, message_id: int, key: str) -> Delivery:
        """Press a card button as a person and deliver the callback."""
        return await self.deliver(self.state.user_press(user_id, message_id, key))

    async def user_upload(
        self, user_id: str, file_name: str, data: bytes,
        content_type: str = "application/octet-stream",
    ) -> Delivery:
        """Send a file as a person and deliver the callback."""
        _message, xml = self.state.user_upload(user_id, file_name, data, content_type)
        return await self.deliver(xml)


def _ok(body: JSON | None = None) -> web.Response:
    return web.json_response({"errcode": 0, "errmsg": "ok", **(body or {})},
                             dumps=lambda v: json.dumps(v, ensure_ascii=False))


def _user_ok(body: JSON | None = None) -> web.Response:
    return web.json_response({"ok": True, **(body or {})},
                             dumps=lambda v: json.dumps(v, ensure_ascii=False))


def _user_fail(message: str, status: int = 400) -> web.Response:
    return web.json_response({"ok": False, "error": message}, status=status,
                             dumps=lambda v: json.dumps(v, ensure_ascii=False))


def _disposition(name: str) -> str:
    ascii_name = name.encode("ascii", "replace").decode().replace('"', "_")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"


class Routes:
    """HTTP handlers of the API and the people's side."""

    def __init__(self, sandbox: WecomSandbox) -> None:
        self.sandbox = sandbox
        self.state = sandbox.state

    def add(self, app: web.Application) -> None:
        """Register every route on ``app``."""
        r = app.router
        r.add_get("/cgi-bin/gettoken", self.gettoken)
        r.add_post("/cgi-bin/message/send", self.api("message/send", self.send))
        r.add_post("/cgi-bin/message/update_template_card",
                   self.api("message/update_template_card", self.update_card))
        r.add_post("/cgi-bin/media/upload", self.api("media/upload", self.upload))
        r.add_get("/cgi-bin/media/get", self.api("media/get", self.media_get))
        r.add_get(f"{PREFIX}/info", self.info)
        r.add_post(f"{PREFIX}/send", self.user_send)
        r.add_post(f"{PREFIX}/press", self.user_press)
        r.add_post(f"{PREFIX}/upload", self.user_upload)
        r.add_post(f"{PREFIX}/enter", self.user_enter)
        r.add_get(f"{PREFIX}/messages", self.messages)
        r.add_get(f"{PREFIX}/poll", self.poll)
        r.add_post(f"{PREFIX}/reset", self.reset)
        r.add_get(f"{PREFIX}/file/{{media_id}}", self.file)
        r.add_get("/", self.index)
        r.add_static("/static/", STATIC_DIR, show_index=False)

    # -- the API --------------------------------------------------------------------------

    def _injected(self, path: str) -> web.Response | None:
        failure = self.sandbox.config.take_failure(path)
        if failure is None:
            return None
        if failure.http_status != 200:
            return web.Response(status=failure.http_status, text="sandbox injected failure")
        return web.json_response(WecomApiError(failure.errcode, failure.errmsg).to_json())

    async def gettoken(self, request: web.Request) -> web.Response:
        """Issue an access_token."""
        self.state.calls["gettoken"] = self.state.calls.get("gettoken", 0) + 1
        injected = self._injected("gettoken")
        if injected is not None:
            return injected
        try:
            return _ok(self.state.gettoken(request.query.get("corpid", ""),
                                           request.query.get("corpsecret", "")))
        except WecomApiError as error:
            return web.json_response(error.to_json())

    def api(self, path: str, handler: Any) -> Any:
        """Wrap an API handler: count it, inject failures, check the token."""

        async def wrapped(request: web.Request) -> web.StreamResponse:
            self.state.calls[path] = self.state.calls.get(path, 0) + 1
            injected = self._injected(path)
            if injected is not None:
                return injected
            try:
                self.state.check_token(request.query.get("access_token"))
                return await handler(request)
            except WecomApiError as error:
                return web.json_response(error.to_json())

        return wrapped

    @staticmethod
    async def _json(request: web.Request) -> JSON:
        try:
            body = await request.json()
        except ValueError:
            raise WecomApiError(47001, "data format error") from None
        if not isinstance(body, dict):
            raise WecomApiError(47001, "data format error")
        return body

    async def send(self, request: web.Request) -> web.Response:
        """message/send."""
        return _ok(self.state.send(await self._json(request)))

    async def update_card(self, request: web.Request) -> web.Response:
        """message/update_template_card."""
        return _ok(self.state.update_card(await self._json(request)))

    async def upload(self, request: web.Request) -> web.Response:
        """media/upload (multipart field ``media``)."""
        self.state.check_rate()
        try:
            form = await request.post()
        except ValueError:
            raise WecomApiError(44001, "empty media data") from None
        media = form.get("media")
        if not isinstance(media, web.FileField):
            raise WecomApiError(44001, "empty media data")
        data = media.file.read()
        return _ok(self.state.upload(request.query.get("type", ""), media.filename or "file",
                                     media.content_type, data))

    async def media_get(self, request: web.Request) -> web.Response:
        """media/get: the file itself, or a JSON error."""
        record = self.state.media_get(request.query.get("media_id", ""))
        return web.Response(body=record.data, content_type=record.content_type,
                            headers={"Content-Disposition": _disposition(record.file_name)})

    # -- the people's side ------------------------------------------------------------------

    @staticmethod
    async def _values(request: web.Request) -> dict[str, Any]:
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
    def _user(values: Any) -> str:
        user = str(values.get("user") or "").strip()
        if not user:
            raise UserActionError("缺少成员账号（user）")
        return user

    @staticmethod
    def _delivery_json(delivery: Delivery) -> JSON:
        return {"callback_status": delivery.status}

    async def info(self, request: web.Request) -> web.Response:
        """Describe the app."""
        config = self.sandbox.config
        return _user_ok({"app": {"name": config.app_name, "agent_id": config.agent_id,
                                 "corp_id": config.corp_id},
                         "callback_url": config.callback_url})

    async def user_send(self, request: web.Request) -> web.Response:
        """Type a message as a person."""
        try:
            values = await self._values(request)
            message, xml = self.state.user_text(self._user(values), str(values.get("text") or ""))
        except UserActionError as error:
            return _user_fail(str(error))
        delivery = await self.sandbox.deliver(xml)
        return _user_ok({"message": message.to_json(), **self._delivery_json(delivery)})

    async def user_press(self, request: web.Request) -> web.Response:
        """Press a card button as a person."""
        try:
            values = await self._values(request)
            xml = self.state.user_press(self._user(values), int(values.get("message_id") or 0),
                                        str(values.get("key") or ""))
        except (UserActionError, ValueError) as error:
            return _user_fail(str(error))
        delivery = await self.sandbox.deliver(xml)
        return _user_ok(self._delivery_json(delivery))

    async def user_upload(self, request: web.Request) -> web.Response:
        """Send a file as a person (multipart ``user``, ``file``)."""
        try:
            form = await request.post()
            upload = form.get("file")
            if not isinstance(upload, web.FileField):
                raise UserActionError("缺少文件（file）")
            message, xml = self.state.user_upload(
                self._user(form), upload.filename or "file", upload.file.read(),
                upload.content_type,
            )
        except UserActionError as error:
            return _user_fail(str(error))
        delivery = await self.sandbox.deliver(xml)
        return _user_ok({"message": message.to_json(), **self._delivery_json(delivery)})

    async def user_enter(self, request: web.Request) -> web.Response:
        """Open the app as a person."""
        try:
            xml = self.state.user_enter(self._user(await self._values(request)))
        except UserActionError as error:
            return _user_fail(str(error))
        delivery = await self.sandbox.deliver(xml)
        return _user_ok(self._delivery_json(delivery))

    async def messages(self, request: web.Request) -> web.Response:
        """Return a chat (messages changed after ``since``)."""
        try:
            user = self._user(request.query)
            since = int(request.query.get("since") or 0)
        except (UserActionError, ValueError) as error:
            return _user_fail(str(error))
        return _user_ok(self.state.chat_view(user, since))

    async def poll(self, request: web.Request) -> web.Response:
        """Long-poll a chat: answer once it changed after ``since`` (or on timeout)."""
        try:
            user = self._user(request.query)
            since = int(request.query.get("since") or 0)
            timeout = min(float(request.query.get("timeout") or 25), 60.0)
        except (UserActionError, ValueError) as error:
            return _user_fail(str(error))
        state = self.state
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        epoch = int(request.query.get("epoch") or state.epoch)
        while not self.sandbox.closing and state.epoch == epoch:
            chat = state.chats.get(user)
            if chat is not None and chat.version > since:
                break
            notifier = chat.notifier if chat is not None else state.changes
            if not await notifier.wait(deadline - loop.time()):
                break
        return _user_ok(state.chat_view(user, since))

    async def reset(self, request: web.Request) -> web.Response:
        """Forget everything."""
        self.state.reset()
        self.sandbox.deliveries.clear()
        return _user_ok()

    async def file(self, request: web.Request) -> web.Response:
        """Download a file of a chat."""
        record = self.state.media.get(request.match_info["media_id"])
        if record is None:
            return _user_fail("文件不存在或已过期", 404)
        return web.Response(body=record.data, content_type=record.content_type,
                            headers={"Content-Disposition": _disposition(record.file_name)})

    async def index(self, request: web.Request) -> web.FileResponse:
        """Serve the chat page."""
        response = web.FileResponse(STATIC_DIR / "index.html")
        response.headers["Cache-Control"] = "no-store"
        return response


def create_app(sandbox: WecomSandbox) -> web.Application:
    """Build the aiohttp application of a sandbox."""
    app = web.Application(client_max_size=sandbox.config.max_file_bytes + 1024 * 1024)
    app[WECOM_SANDBOX_KEY] = sandbox
    Routes(sandbox).add(app)

    async def on_startup(_app: web.Application) -> None:
        sandbox.closing = False

    async def on_shutdown(_app: web.Application) -> None:
        await sandbox.close()

    app.on_startup.append(on_startup)
    app.on_shutdown.append(on_shutdown)
    return app


async def start(
    host: str = "127.0.0.1", port: int = 0, sandbox: WecomSandbox | None = None
) -> tuple[web.AppRunner, str]:
    """Start a sandbox server (port 0 picks a free one); return the runner and its URL."""
    sandbox = sandbox or WecomSandbox()
    runner = web.AppRunner(create_app(sandbox), handler_cancellation=True, shutdown_timeout=5.0)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    real_host, real_port = runner.addresses[0][:2]
    if ":" in real_host:
        real_host = f"[{real_host}]"
    return runner, f"http://{real_host}:{real_port}"


class WecomSandboxServer:
    """``async with WecomSandboxServer(config) as server``: a running sandbox with its URL."""

    def __init__(
        self, config: WecomSandboxConfig | None = None, host: str = "127.0.0.1", port: int = 0
    ) -> None:
        self.sandbox = WecomSandbox(config)
        self.host = host
        self.port = port
        self.runner: web.AppRunner | None = None
        self.url = ""

    @property
    def state(self) -> WecomState:
        """Return the sandbox world."""
        return self.sandbox.state

    @property
    def config(self) -> WecomSandboxConfig:
        """Return the sandbox config."""
        return self.sandbox.config

    async def start(self) -> WecomSandboxServer:
        """Start serving."""
        self.runner, self.url = await start(self.host, self.port, self.sandbox)
        return self

    async def stop(self) -> None:
        """Stop serving."""
        if self.runner is not None:
            await self.runner.cleanup()
            self.runner = None
        await self.sandbox.close()

    async def __aenter__(self) -> WecomSandboxServer:
        return await self.start()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()
