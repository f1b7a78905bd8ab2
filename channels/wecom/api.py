"""An aiohttp client of the 企业微信 self-built-app API, with errors mapped to typed exceptions.

One ``WecomClient`` per app (corp id, agent id, secret). It keeps the access_token and renews
it before it expires, and once more when 企业微信 says it is invalid or expired (40014,
42001): a call is retried once with a fresh token, so a token that dies in the middle of a
broadcast costs one extra request and no message. Errors come back as the same few kinds
the delivery worker knows from Telegram:

- ``RetryLater(seconds)``: a frequency limit (45009, 45033); wait and send again.
- ``Unreachable``: the person is not (or no longer) in the app's visible range, or not in
  the address book (81013, 60111, 60011, ...); stop writing to them.
- ``TransientError``: network errors, timeouts, HTTP 5xx, 系统繁忙 (-1); back off and retry.
- ``Misconfigured``: a wrong corp id or secret, an untrusted server IP (60020), a disabled
  app; nothing will work until an operator fixes the settings.
- ``BadRequest``: anything else 企业微信 refused (``MessageTooLong`` before sending).
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import aiohttp

DEFAULT_API_URL = "https://qyapi.weixin.qq.com"
TEXT_LIMIT = 2048  # bytes of UTF-8, for text and markdown content (45002 beyond it)
MAX_BUTTONS = 6  # button_interaction cards
BUTTON_KEY_LIMIT = 1024  # bytes
TASK_ID_RE = re.compile(r"^[0-9A-Za-z_\-@]{1,128}$")
MEDIA_LIMITS = {  # bytes, media/upload
    "file": 20 * 1024 * 1024,
    "image": 10 * 1024 * 1024,
    "voice": 2 * 1024 * 1024,
    "video": 10 * 1024 * 1024,
}
MEDIA_MIN_BYTES = 5
RENEW_BEFORE = 300.0  # seconds before expiry a token is renewed

TOKEN_CODES = frozenset({40014, 42001, 41001})  # invalid, expired, missing access_token
RATE_LIMIT_WAITS = {45009: 60.0, 45033: 5.0}  # a minute-level limit lifts after a minute
UNREACHABLE_CODES = frozenset(
    {
        81013,  # UserID、部门ID、标签ID全部非法或无权限 (removed, or out of the visible range)
        60111,  # UserID不存在
        60011,  # 指定的成员/部门/标签参数无权限
        60021,  # userid不在应用可见范围内
        40003,  # 无效的UserID
        82001,  # 指定的成员/部门/标签全部为空或全部无效
        46004,  # 指定的用户不存在
        50002,  # 成员不在权限范围
    }
)
MISCONFIGURED_CODES = frozenset(
    {
        40001,  # 不合法的secret参数
        40013,  # 不合法的CorpID
        40056,  # 不合法的agentid
        40091,  # secret不合法
        41002,  # 缺少corpid参数
        41004,  # 缺少secret参数
        48002,  # API接口无权限调用
        50003,  # 应用已禁用
        60020,  # 访问ip不在白名单之中 (企业可信IP)
    }
)
TRANSIENT_CODES = frozenset({-1})  # 系统繁忙


class WecomError(Exception):
    """An API call 企业微信 did not carry out."""

    def __init__(self, message: str, code: int | None = None) -> None:
        super().__init__(message if code is None else f"{code}: {message}")
        self.code = code


class RetryLater(WecomError):
    """A frequency limit: send again after ``seconds``."""

    def __init__(self, message: str, code: int | None = None, seconds: float = 60.0) -> None:
        super().__init__(message, code)
        self.seconds = seconds


class Unreachable(WecomError):
    """The person cannot receive messages from this app (not in its visible range)."""


class TransientError(WecomError):
    """A network error, timeout or server error: the same call may work later."""


class Misconfigured(WecomError):
    """The app's settings (corp id, secret, agent id, trusted IP) are wrong."""


class BadRequest(WecomError):
    """企业微信 refused the request itself; sending it again will not help."""


class MessageTooLong(BadRequest):
    """A text or markdown message is over 企业微信's byte limit (refused before sending)."""

    def __init__(self, size: int, limit: int = TEXT_LIMIT) -> None:
        super().__init__(f"message is {size} bytes, the limit is {limit}", 45002)
        self.size = size
        self.limit = limit


def error_for(code: int, message: str) -> WecomError:
    """Return the typed exception for an errcode."""
    if code in RATE_LIMIT_WAITS:
        return RetryLater(message, code, RATE_LIMIT_WAITS[code])
    if code in UNREACHABLE_CODES:
        return Unreachable(message, code)
    if code in TRANSIENT_CODES:
        return TransientError(message, code)
    if code in MISCONFIGURED_CODES:
        return Misconfigured(message, code)
    return BadRequest(message, code)


def describe(error: BaseException) -> str:
    """Describe a network error without its URL (the query holds the token or the secret)."""
    if isinstance(error, aiohttp.ClientConnectorError):
        return f"{type(error).__name__}: cannot connect to {error.host}:{error.port}"
    if isinstance(error, aiohttp.ClientResponseError):
        return f"{type(error).__name__}: HTTP {error.status}"
    if isinstance(error, aiohttp.ClientError):
        return type(error).__name__
    return f"{type(error).__name__}: {error}"


def utf8_len(text: str) -> int:
    """Return the length of ``text`` in UTF-8 bytes, as 企业微信 counts it."""
    return len(text.encode())


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Split ``text`` into parts of at most ``limit`` UTF-8 bytes, at line ends where possible.

    The parts put together are the text again, less any part that would be only whitespace
    (企业微信 refuses an empty message).
    """
    parts: list[str] = []
    current = ""
    for line in text.splitlines(keepends=True):
        if utf8_len(current) + utf8_len(line) <= limit:
            current += line
            continue
        if current:
            parts.append(current)
            current = ""
        while utf8_len(line) > limit:
            cut = _cut(line, limit)
            parts.append(line[:cut])
            line = line[cut:]
        current = line
    parts.append(current)
    return [part for part in parts if part.strip()] or [text]


def _cut(line: str, limit: int) -> int:
    """Return the largest character count whose UTF-8 form fits in ``limit`` bytes."""
    size = 0
    for index, char in enumerate(line):
        size += utf8_len(char)
        if size > limit:
            return max(index, 1)
    return len(line)


@dataclass(frozen=True, slots=True)
class Sent:
    """What message/send answered: the msgid, and for a card the code to update it."""

    msg_id: str
    response_code: str = ""


@dataclass(frozen=True, slots=True)
class Media:
    """A downloaded temporary media file."""

    data: bytes
    file_name: str
    content_type: str


@dataclass(frozen=True, slots=True)
class CardButton:
    """One button of a button_interaction card: the callback key and the label."""

    key: str
    text: str
    style: int = 1  # 1..4: 企业微信's button colours


def card_json(
    *, title: str, description: str, buttons: Sequence[tuple[str, str] | CardButton],
    task_id: str,
) -> dict[str, Any]:
    """Return a button_interaction template_card, checked against 企业微信's limits."""
    if not title and not description:
        raise BadRequest("a card needs a title or a description")
    if not TASK_ID_RE.match(task_id):
        raise BadRequest("task_id must be 1-128 of 0-9 a-z A-Z _ - @")
    items = [b if isinstance(b, CardButton) else CardButton(*b) for b in buttons]
    if not 1 <= len(items) <= MAX_BUTTONS:
        raise BadRequest(f"a button_interaction card has 1 to {MAX_BUTTONS} buttons")
    keys = [b.key for b in items]
    if len(set(keys)) != len(keys):
        raise BadRequest("button keys must be unique")
    for button in items:
        if not button.text or not 1 <= utf8_len(button.key) <= BUTTON_KEY_LIMIT:
            raise BadRequest(f"button keys are 1 to {BUTTON_KEY_LIMIT} bytes, texts not empty")
    card: dict[str, Any] = {
        "card_type": "button_interaction",
        "task_id": task_id,
        "button_list": [{"text": b.text, "style": b.style, "key": b.key} for b in items],
    }
    if title:
        card["main_title"] = {"title": title}
    if description:
        card["sub_title_text"] = description
    return card


Clock = Callable[[], float]


class WecomClient:
    """The self-built app's API: token, messages, template cards, media."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        corp_id: str,
        agent_id: int,
        secret: str,
        api_url: str = DEFAULT_API_URL,
        clock: Clock = time.monotonic,
        renew_before: float = RENEW_BEFORE,
        timeout: float = 30.0,
    ) -> None:
        self.session = session
        self.corp_id = corp_id
        self.agent_id = agent_id
        self._secret = secret
        self.api_url = api_url.rstrip("/")
        self.clock = clock
        self.renew_before = renew_before
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self._token: str | None = None
        self._expires_at = 0.0
        self._token_lock = asyncio.Lock()
        self.tokens_fetched = 0

    # -- token --------------------------------------------------------------------------

    async def access_token(self) -> str:
        """Return a valid access_token, fetching one when none is cached or it nears expiry."""
        if self._token is not None and self.clock() < self._expires_at - self.renew_before:
            return self._token
        async with self._token_lock:
            if self._token is not None and self.clock() < self._expires_at - self.renew_before:
                return self._token
            body = await self._request(
                "GET", "/cgi-bin/gettoken", params={"corpid": self.corp_id,
                                                    "corpsecret": self._secret},
            )
            self._check(body)
            token = body.get("access_token")
            if not isinstance(token, str) or not token:
                raise TransientError("gettoken answered without an access_token")
            self._token = token
            self._expires_at = self.clock() + float(body.get("expires_in") or 7200)
            self.tokens_fetched += 1
            return token

    def forget_token(self, token: str | None = None) -> None:
        """Drop the cached token (only if it is still ``token``, when given)."""
        if token is None or token == self._token:
            self._token = None

    # -- plumbing -------------------------------------------------------------------------

    async def _request(
        self, method: str, path: str, *, params: dict[str, str],
        payload: dict[str, Any] | None = None, data: aiohttp.FormData | None = None,
    ) -> dict[str, Any]:
        try:
            async with self.session.request(
                method, self.api_url + path, params=params, json=payload, data=data,
                timeout=self.timeout,
            ) as response:
                if response.status >= 500:
                    raise TransientError(f"HTTP {response.status}")
                if response.status >= 400:
                    raise BadRequest(f"HTTP {response.status}")
                body = await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as error:
            raise TransientError(describe(error)) from error
        if not isinstance(body, dict):
            raise TransientError("answer is not a JSON object")
        return body

    @staticmethod
    def _check(body: dict[str, Any]) -> None:
        code = int(body.get("errcode") or 0)
        if code:
            raise error_for(code, str(body.get("errmsg") or ""))

    async def _call(
        self, method: str, path: str, *, params: dict[str, str] | None = None,
        payload: dict[str, Any] | None = None,
        form: Callable[[], aiohttp.FormData] | None = None,
    ) -> dict[str, Any]:
        """Call an API with the token; renew it and retry once if it was invalid or expired."""
        for attempt in (1, 2):
            token = await self.access_token()
            body = await self._request(
                method, path, params={"access_token": token, **(params or {})}, payload=payload,
                data=form() if form is not None else None,
            )
            code = int(body.get("errcode") or 0)
            if code in TOKEN_CODES and attempt == 1:
                self.forget_token(token)
                continue
            self._check(body)
            return body
        raise AssertionError("unreachable")  # pragma: no cover

    # -- messages ---------------------------------------------------------------------------

    async def _send(self, user_id: str, msgtype: str, content: dict[str, Any]) -> Sent:
        body = await self._call(
            "POST", "/cgi-bin/message/send",
            payload={"touser": user_id, "msgtype": msgtype, "agentid": self.agent_id,
                  msgtype: content},
        )
        invalid = "|".join(
            str(body.get(name) or "") for name in ("invaliduser", "unlicenseduser")
        )
        if user_id in invalid.split("|"):
            raise Unreachable("the person is not in the app's visible range", 81013)
        return Sent(str(body.get("msgid") or ""), str(body.get("response_code") or ""))

    @staticmethod
    def _checked_text(text: str) -> str:
        if not text.strip():
            raise BadRequest("message text is empty", 44004)
        size = utf8_len(text)
        if size > TEXT_LIMIT:
            raise MessageTooLong(size)
        return text

    async def send_text(self, user_id: str, text: str) -> Sent:
        """Send a plain text message (at most 2048 UTF-8 bytes: see ``split_text``)."""
        return await self._send(user_id, "text", {"content": self._checked_text(text)})

    async def send_markdown(self, user_id: str, text: str) -> Sent:
        """Send a markdown message (企业微信's markdown subset, at most 2048 bytes)."""
        return await self._send(user_id, "markdown", {"content": self._checked_text(text)})

    async def send_card(
        self, user_id: str, *, title: str = "", description: str = "",
        buttons: Sequence[tuple[str, str] | CardButton], task_id: str,
    ) -> Sent:
        """Send a button_interaction card; buttons are (key, text); keep ``response_code``."""
        card = card_json(title=title, description=description, buttons=buttons,
                         task_id=task_id)
        return await self._send(user_id, "template_card", card)

    async def update_card_buttons(
        self, user_id: str, *, response_code: str, replace_name: str
    ) -> None:
        """Turn a card's buttons into one unclickable label (e.g. "已选择：…")."""
        await self._update(user_id, response_code, {"button": {"replace_name": replace_name}})

    async def update_card(
        self, user_id: str, *, response_code: str, title: str = "", description: str = "",
        buttons: Sequence[tuple[str, str] | CardButton], task_id: str,
    ) -> None:
        """Replace a card a person pressed a button on (once per response_code)."""
        card = card_json(title=title, description=description, buttons=buttons,
                         task_id=task_id)
        await self._update(user_id, response_code, {"template_card": card})

    async def _update(self, user_id: str, response_code: str, change: dict[str, Any]) -> None:
        if not response_code:
            raise BadRequest("response_code is empty")
        body = await self._call(
            "POST", "/cgi-bin/message/update_template_card",
            payload={"userids": [user_id], "agentid": self.agent_id,
                  "response_code": response_code, **change},
        )
        if user_id in (body.get("invaliduser") or []):
            raise Unreachable("the person is not in the app's visible range", 81013)

    # -- media ------------------------------------------------------------------------------

    async def upload_media(
        self, data: bytes, file_name: str, *, media_type: str = "file",
        content_type: str = "application/octet-stream",
    ) -> str:
        """Upload a temporary media file (kept three days by 企业微信); return its media_id."""
        limit = MEDIA_LIMITS.get(media_type)
        if limit is None:
            raise BadRequest(f"unknown media type {media_type!r}", 40005)
        if not MEDIA_MIN_BYTES <= len(data) <= limit:
            raise BadRequest(
                f"{media_type} must be {MEDIA_MIN_BYTES} bytes to {limit} bytes", 40006
            )

        def form() -> aiohttp.FormData:
            payload = aiohttp.FormData(quote_fields=False)  # 企业微信 wants the raw UTF-8 name
            payload.add_field("media", data, filename=file_name, content_type=content_type)
            return payload

        body = await self._call(
            "POST", "/cgi-bin/media/upload", params={"type": media_type}, form=form
        )
        media_id = body.get("media_id")
        if not isinstance(media_id, str) or not media_id:
            raise TransientError("media/upload answered without a media_id")
        return media_id

    async def send_file(self, user_id: str, media_id: str) -> Sent:
        """Send an uploaded file to a person."""
        return await self._send(user_id, "file", {"media_id": media_id})

    async def send_document(
        self, user_id: str, data: bytes, file_name: str,
        content_type: str = "application/octet-stream",
    ) -> Sent:
        """Upload ``data`` and send it as a file message."""
        media_id = await self.upload_media(data, file_name, content_type=content_type)
        return await self.send_file(user_id, media_id)

    async def download_media(
        self, media_id: str, *, max_bytes: int = MEDIA_LIMITS["file"]
    ) -> Media:
        """Download a temporary media file a person sent (media/get)."""
        for attempt in (1, 2):
            token = await self.access_token()
            try:
                async with self.session.get(
                    self.api_url + "/cgi-bin/media/get",
                    params={"access_token": token, "media_id": media_id},
                    timeout=self.timeout,
                ) as response:
                    if response.status >= 500:
                        raise TransientError(f"HTTP {response.status}")
                    if response.status >= 400:
                        raise BadRequest(f"HTTP {response.status}")
                    disposition = response.content_disposition
                    content_type = response.content_type
                    data = await response.content.read(max_bytes + 1)
            except (aiohttp.ClientError, TimeoutError) as error:
                raise TransientError(describe(error)) from error
            if disposition is None and content_type in ("application/json", "text/plain"):
                try:
                    body = json.loads(data)
                except ValueError as error:
                    raise TransientError("media/get answered neither a file nor JSON") from error
                code = int(body.get("errcode") or 0)
                if code in TOKEN_CODES and attempt == 1:
                    self.forget_token(token)
                    continue
                self._check(body)
                raise TransientError("media/get answered JSON without a file")
            if len(data) > max_bytes:
                raise BadRequest(f"media is larger than {max_bytes} bytes")
            name = (disposition.filename if disposition is not None else None) or media_id
            return Media(data, name, content_type)
        raise AssertionError("unreachable")  # pragma: no cover
