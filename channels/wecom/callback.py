"""The callback URL of a 企业微信 self-built app, as an aiohttp handler.

GET is 企业微信's URL verification (answer the decrypted echostr). POST carries one encrypted
message or event; the handler checks the signature before anything else (a forged request
gets 403 and nothing happens), decrypts, parses it into a neutral ``InboundEvent``, stores
it (the inbox, ``inbox.py``: a failure answers 503, so 企业微信 delivers it again), drops
redeliveries, hands it on and answers an empty 200 at once: 企业微信 waits 5 s and then
delivers again (three times), so the reply is sent later by the consumer through the API.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import xml.etree.ElementTree as ET
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from aiohttp import web

from channels.wecom.crypto import DecryptError, ReceiverError, SignatureError, WecomCrypto

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024  # a callback is a few hundred bytes; refuse anything big
SEEN_LIMIT = 10_000


class InboundKind(StrEnum):
    """What a person did in the app's chat."""

    TEXT = "text"  # typed a message: ``text``
    BUTTON = "button"  # pressed a template-card button: ``button_key``, ``task_id``, ...
    MEDIA = "media"  # sent a file, image, voice or video: ``media_id``, ``media_type``
    ENTER = "enter"  # opened the app (enter_agent)
    SUBSCRIBE = "subscribe"  # the app became available to the person (subscribe)
    UNSUBSCRIBE = "unsubscribe"  # the person left the app's visible range (unsubscribe)
    UNSUPPORTED = "unsupported"  # anything else (location, link, other events): ``raw_type``


@dataclass(frozen=True, slots=True)
class InboundEvent:
    """One message or event from a person, free of 企业微信's XML."""

    kind: InboundKind
    user_id: str  # FromUserName: the person's 企业微信 userid
    created_at: datetime  # CreateTime, UTC
    dedupe_key: str  # MsgId, or userid + CreateTime + event fields for events
    agent_id: int | None = None
    text: str = ""
    button_key: str = ""  # EventKey of the pressed button
    task_id: str = ""  # TaskId of the card the button is on
    response_code: str = ""  # ResponseCode: lets update_template_card change that card once
    media_id: str = ""  # MediaId, for media/get (valid three days)
    media_type: str = ""  # file, image, voice or video
    file_name: str = ""  # FileName, when 企业微信 gives one
    raw_type: str = ""  # MsgType, or "event:<Event>" for events


Consumer = Callable[[InboundEvent], Awaitable[None]]
# Stores a decrypted callback durably before the 200; True if new, False if stored before.
Store = Callable[[InboundEvent, str], Awaitable[bool]]


class MalformedCallback(ValueError):
    """The body is not the XML 企业微信 sends."""


def _parse_xml(text: str) -> ET.Element:
    # 企业微信 never sends a DTD; refusing one rules out entity expansion and external entities.
    if "<!DOCTYPE" in text.upper() or "<!ENTITY" in text.upper():
        raise MalformedCallback("DTDs are not accepted")
    try:
        root = ET.fromstring(text)
    except ET.ParseError as error:
        raise MalformedCallback(f"not XML: {error}") from None
    if root.tag != "xml":
        raise MalformedCallback("root element is not <xml>")
    return root


def _field(root: ET.Element, name: str) -> str:
    node = root.find(name)
    return (node.text or "").strip() if node is not None else ""


def encrypted_part(body: str) -> str:
    """Return the <Encrypt> text of a POSTed callback body."""
    ciphertext = _field(_parse_xml(body), "Encrypt")
    if not ciphertext:
        raise MalformedCallback("no <Encrypt> element")
    return ciphertext


def parse_event(plaintext: str) -> InboundEvent:
    """Turn a decrypted callback XML into an ``InboundEvent``."""
    root = _parse_xml(plaintext)
    user_id = _field(root, "FromUserName")
    msg_type = _field(root, "MsgType")
    if not user_id or not msg_type:
        raise MalformedCallback("FromUserName or MsgType missing")
    try:
        created = int(_field(root, "CreateTime") or "0")
        agent_text = _field(root, "AgentID")
        agent_id = int(agent_text) if agent_text else None
    except ValueError:
        raise MalformedCallback("CreateTime or AgentID is not a number") from None
    common = {
        "user_id": user_id,
        "created_at": datetime.fromtimestamp(created, UTC),
        "agent_id": agent_id,
    }
    if msg_type == "event":
        event = _field(root, "Event")
        key = _field(root, "EventKey")
        task_id = _field(root, "TaskId")
        dedupe = f"{user_id}|{created}|{event}|{key}|{task_id}"
        raw = f"event:{event}"
        if event == "template_card_event":
            return InboundEvent(
                kind=InboundKind.BUTTON, dedupe_key=dedupe, raw_type=raw, button_key=key,
                task_id=task_id, response_code=_field(root, "ResponseCode"), **common,
            )
        kind = {
            "enter_agent": InboundKind.ENTER,
            "subscribe": InboundKind.SUBSCRIBE,
            "unsubscribe": InboundKind.UNSUBSCRIBE,
        }.get(event, InboundKind.UNSUPPORTED)
        return InboundEvent(kind=kind, dedupe_key=dedupe, raw_type=raw, **common)
    msg_id = _field(root, "MsgId") or f"{user_id}|{created}|{msg_type}"
    if msg_type == "text":
        return InboundEvent(
            kind=InboundKind.TEXT, dedupe_key=msg_id, raw_type=msg_type,
            text=_field(root, "Content"), **common,
        )
    if msg_type in ("file", "image", "voice", "video"):
        return InboundEvent(
            kind=InboundKind.MEDIA, dedupe_key=msg_id, raw_type=msg_type,
            media_id=_field(root, "MediaId"), media_type=msg_type,
            file_name=_field(root, "FileName") or _field(root, "Title"), **common,
        )
    return InboundEvent(
        kind=InboundKind.UNSUPPORTED, dedupe_key=msg_id, raw_type=msg_type, **common
    )


class SeenKeys:
    """The most recent ``limit`` dedupe keys, oldest forgotten first."""

    def __init__(self, limit: int = SEEN_LIMIT) -> None:
        self.limit = limit
        self._keys: OrderedDict[str, None] = OrderedDict()

    def add(self, key: str) -> bool:
        """Remember ``key``; return False if it was already there (a redelivery)."""
        if key in self._keys:
            self._keys.move_to_end(key)
            return False
        self._keys[key] = None
        if len(self._keys) > self.limit:
            self._keys.popitem(last=False)
        return True

    def __len__(self) -> int:
        return len(self._keys)


class CallbackHandler:
    """Serve the callback URL and hand each new event to ``consumer``.

    ``concurrency`` consumers run at once, but one person's events are always handled one
    after the other, in the order they arrived (a second message waits for the first reply).
    """

    def __init__(
        self,
        crypto: WecomCrypto,
        consumer: Consumer,
        *,
        agent_id: int | None = None,
        seen_limit: int = SEEN_LIMIT,
        concurrency: int = 1,
        store: Store | None = None,
    ) -> None:
        self.crypto = crypto
        self.consumer = consumer
        # With a store (the inbox), redeliveries are told by it, across restarts and
        # instances; without, by the keys this process saw.
        self.store = store
        self._storing = asyncio.Lock()  # stored and handed on in arrival order
        self.agent_id = agent_id
        self.seen = SeenKeys(seen_limit)
        self.concurrency = max(1, concurrency)
        self._gate = asyncio.Semaphore(self.concurrency)
        self._backlogs: dict[str, deque[InboundEvent]] = {}  # userid -> events not yet done
        self._tasks: set[asyncio.Task[None]] = set()
        self._waiting = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self.stopped = False
        self.dropped = 0  # redeliveries dropped
        self.refused = 0  # forged or unreadable requests

    # -- wiring -----------------------------------------------------------------------------

    def add_routes(self, app: web.Application, path: str = "/wecom/callback") -> None:
        """Register GET and POST of the callback URL and the consumer's start and stop."""
        app.router.add_get(path, self.verify)
        app.router.add_post(path, self.receive)
        app.on_startup.append(self._on_startup)
        app.on_cleanup.append(self._on_cleanup)

    async def _on_startup(self, _app: web.Application) -> None:
        self.start()

    async def _on_cleanup(self, _app: web.Application) -> None:
        await self.stop()

    def start(self) -> None:
        """Accept events (consumers start on demand, one task per person with events)."""
        self.stopped = False

    async def stop(self) -> None:
        """Stop every consumer task; events not yet handled are dropped."""
        self.stopped = True
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._backlogs.clear()
        self._waiting = 0
        self._idle.set()

    async def join(self) -> None:
        """Wait until every event handed on so far was handled by the consumer."""
        await self._idle.wait()

    def hand_on(self, event: InboundEvent) -> None:
        """Queue ``event`` behind the same person's earlier events and start serving them."""
        if self.stopped:
            log.warning("wecom %s event after stop not handed on", event.kind)
            return
        self._waiting += 1
        self._idle.clear()
        backlog = self._backlogs.get(event.user_id)
        if backlog is not None:
            backlog.append(event)
            return
        self._backlogs[event.user_id] = deque([event])
        task = asyncio.create_task(self._serve(event.user_id), name="wecom-consumer")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _serve(self, user_id: str) -> None:
        backlog = self._backlogs[user_id]
        while backlog:
            event = backlog[0]
            try:
                async with self._gate:
                    await self.consumer(event)
            except Exception:  # noqa: BLE001 - one bad event must not stop the channel
                log.exception("wecom consumer failed on a %s event", event.kind)
            finally:
                backlog.popleft()
                self._waiting -= 1
                if self._waiting == 0:
                    self._idle.set()
        del self._backlogs[user_id]  # no await since the last check: nothing can slip in

    # -- requests ---------------------------------------------------------------------------

    @staticmethod
    def _query(request: web.Request) -> tuple[str, str, str]:
        query = request.query
        return query.get("msg_signature", ""), query.get("timestamp", ""), query.get("nonce", "")

    async def verify(self, request: web.Request) -> web.Response:
        """Answer 企业微信's URL verification with the decrypted echostr."""
        signature, timestamp, nonce = self._query(request)
        # A '+' left unescaped in the query arrives as a space; Base64 never has spaces.
        echostr = request.query.get("echostr", "").replace(" ", "+")
        if not (signature and timestamp and nonce and echostr):
            return web.Response(status=400, text="missing parameters")
        try:
            plain = self.crypto.verify_url(signature, timestamp, nonce, echostr)
        except SignatureError:
            self.refused += 1
            log.warning("wecom URL verification with a wrong signature refused")
            return web.Response(status=403, text="forbidden")
        except DecryptError:
            self.refused += 1
            return web.Response(status=400, text="bad echostr")
        return web.Response(text=plain, content_type="text/plain")

    async def receive(self, request: web.Request) -> web.Response:
        """Check, decrypt and hand on one callback; answer an empty 200 at once."""
        signature, timestamp, nonce = self._query(request)
        if not (signature and timestamp and nonce):
            return web.Response(status=400, text="missing parameters")
        if (request.content_length or 0) > MAX_BODY_BYTES:
            return web.Response(status=413, text="too large")
        raw = await request.content.read(MAX_BODY_BYTES + 1)
        if len(raw) > MAX_BODY_BYTES:
            return web.Response(status=413, text="too large")
        try:
            ciphertext = encrypted_part(raw.decode("utf-8"))
        except (UnicodeDecodeError, MalformedCallback):
            self.refused += 1
            return web.Response(status=400, text="malformed")
        try:
            plaintext = self.crypto.decrypt_message(signature, timestamp, nonce, ciphertext)
        except SignatureError:
            self.refused += 1
            log.warning("wecom callback with a wrong signature refused")
            return web.Response(status=403, text="forbidden")
        except DecryptError:
            self.refused += 1
            return web.Response(status=400, text="undecryptable")
        except ReceiverError:
            self.refused += 1
            log.warning("wecom callback for another corp refused")
            return web.Response(status=403, text="forbidden")
        try:
            event = parse_event(plaintext)
        except MalformedCallback:
            self.refused += 1
            return web.Response(status=400, text="malformed")
        if self.agent_id is not None and event.agent_id not in (None, self.agent_id):
            log.warning("wecom callback for agent %s ignored (this is %s)", event.agent_id,
                        self.agent_id)
            return web.Response(text="")
        if self.store is not None:
            return await self._store_and_hand_on(event, plaintext)
        if not self.seen.add(event.dedupe_key):
            self.dropped += 1
            log.info("wecom redelivery of a %s dropped", event.kind)
            return web.Response(text="")
        self.hand_on(event)
        return web.Response(text="")

    async def _store_and_hand_on(self, event: InboundEvent, plaintext: str) -> web.Response:
        """Store the callback, then hand it on if new; 503 if it could not be stored."""
        assert self.store is not None
        async with self._storing:  # one person's callbacks are handed on as they came
            try:
                fresh = await self.store(event, plaintext)
            except Exception:  # noqa: BLE001 - 企业微信 delivers again after a non-200
                log.exception("wecom %s callback not stored: answered 503", event.kind)
                return web.Response(status=503, text="try again")
            if not fresh:
                self.dropped += 1
                log.info("wecom redelivery of a %s dropped", event.kind)
                return web.Response(text="")
            self.hand_on(event)
        return web.Response(text="")
