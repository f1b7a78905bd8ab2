"""企业微信 callbacks through the inbox: stored before the empty 200, each handled once.

Telegram's updates go through ``inbox_update`` (``channels/telegram/inbox.py``); so do
企业微信's callbacks, on the ``wecom`` channel:

- **In** (:meth:`WecomInbox.store`, called by the callback handler before it answers): the
  decrypted callback XML is stored under its key (MsgId, or FromUserName + CreateTime and
  the event's fields for events), as a 63-bit number. A callback stored before (企业微信
  delivers again when no 200 came within 5 s, or after a restart) is answered and dropped;
  if storing fails, the handler answers 503 and 企业微信 delivers it again.
- **Handling** (:meth:`WecomInbox.consume`): the adapter handles the event inside
  :func:`handlers.inbox.applying`, so its effect and the callback's applied mark commit in
  one transaction: a second dispatch of the same callback (another instance's, after its
  claim ran out) writes nothing. Then the callback is marked done.
- **After a crash or a stop** (:meth:`WecomInbox.recover`, at start and every third of a
  lease for another instance's expired claims): a callback not applied is handled from the
  start; one applied but not answered gets the person's current question asked again
  (“您的上一条消息已收到并保存…”). If the person's next message repeats the applied answer
  word for word (typed again for want of a reply), it is not taken as the next field's
  answer: the question is asked again.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence

from channels.wecom.callback import (
    CallbackHandler,
    InboundEvent,
    InboundKind,
    MalformedCallback,
    parse_event,
)
from channels.wecom.outbound import CHANNEL
from config.services import Services
from handlers import inbox as inbox_cases
from handlers.inbox import AlreadyApplied, Incoming, applying

log = logging.getLogger(__name__)

Consumer = Callable[[InboundEvent], Awaitable[None]]


def inbox_id(dedupe_key: str) -> int:
    """Return the inbox number of a callback: its key's SHA-256, cut to 63 bits."""
    return int.from_bytes(hashlib.sha256(dedupe_key.encode()).digest()[:8], "big") >> 1


class WecomInbox:
    """Stores, handles and recovers 企业微信 callbacks; see the module docstring."""

    def __init__(
        self,
        services: Services,
        adapter: Consumer,
        *,
        resume: Consumer,
    ) -> None:
        self.services = services
        self.adapter = adapter
        self.resume = resume  # the adapter's: what is awaited now, asked again
        self.handler: CallbackHandler | None = None  # set by the service: recovery hands on
        self._handling: set[int] = set()
        self._retyped: dict[str, str] = {}  # userid → the applied answer a re-ask followed
        self._beat: asyncio.Task[None] | None = None
        self.handled = 0

    # -- life cycle -----------------------------------------------------------------------

    async def start(self, *, single_instance: bool) -> None:
        """Handle what a crash or a stop left open, then keep claims and look for more."""
        await self.recover(everything=single_instance)
        self._beat = asyncio.create_task(self._heartbeat(), name="wecom-inbox-heartbeat")

    async def stop(self) -> None:
        """Stop the heartbeat (what is being handled stays stored for the next start)."""
        if self._beat is not None:
            self._beat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._beat
            self._beat = None

    # -- in -------------------------------------------------------------------------------

    async def store(self, event: InboundEvent, plaintext: str) -> bool:
        """Store a decrypted callback; return True if new (to be handed on), False if seen."""
        number = inbox_id(event.dedupe_key)
        incoming = Incoming(CHANNEL, number, event.user_id, {"xml": plaintext})
        fresh = await inbox_cases.receive(self.services, [incoming])
        if fresh:
            self._handling.add(number)
        return bool(fresh)

    # -- handling -------------------------------------------------------------------------

    async def consume(self, event: InboundEvent) -> None:
        """Handle one stored callback, its effect recorded with it; then mark it done."""
        number = inbox_id(event.dedupe_key)
        try:
            if self._retyped and self._typed_again(event):
                await self._reask(event)  # not stored into the next field
            else:
                token = uuid.uuid4().hex  # this dispatch; another one's writes are refused
                with applying(CHANNEL, number, token, self.services.clock.now()):
                    await self.adapter(event)
                self.handled += 1
        except asyncio.CancelledError:
            raise  # stopped half-way: left open, the next start takes it up
        except AlreadyApplied:
            log.info("wecom callback %s was applied by another dispatch", number)
        except Exception:  # noqa: BLE001 - logged; the person's next message goes on
            log.exception("wecom callback %s: handling failed", number)
        await self._finish([number])

    async def _finish(self, numbers: Sequence[int]) -> None:
        try:
            await inbox_cases.finish(self.services, CHANNEL, numbers)
        except Exception:  # noqa: BLE001 - left open: the next recovery answers it
            log.exception("wecom callbacks %s: could not be marked done", list(numbers))
        self._handling.difference_update(numbers)

    # -- recovery -------------------------------------------------------------------------

    async def recover(self, *, everything: bool) -> int:
        """Handle the callbacks a crash left open (see the module docstring); how many."""
        rows = await inbox_cases.reclaim(self.services, CHANNEL, everything=everything)
        rows = [r for r in rows if r.update_id not in self._handling and r.payload]
        if not rows:
            return 0
        log.info("recovering %d wecom callbacks left open", len(rows))
        for row in sorted(rows, key=lambda r: r.received_at):
            try:
                event = parse_event(str((row.payload or {}).get("xml", "")))
            except MalformedCallback:
                await self._finish([row.update_id])
                continue
            if row.applied_by is None and self.handler is not None:
                self._handling.add(row.update_id)
                self.handler.hand_on(event)  # nothing of it was written: from the start
                continue
            if event.kind is InboundKind.TEXT:
                self._retyped[event.user_id] = event.text
            await self._reask(event)
            await self._finish([row.update_id])
        return len(rows)

    def _typed_again(self, event: InboundEvent) -> bool:
        """Tell whether this is the person's first message after a re-ask, repeating the
        applied answer (typed again for want of a reply, before the re-ask reached them)."""
        expected = self._retyped.pop(event.user_id, None)
        return expected is not None and event.kind is InboundKind.TEXT and event.text == expected

    async def _reask(self, event: InboundEvent) -> None:
        """Tell the person what is awaited now: their form's current field, else the menu."""
        try:
            await self.resume(event)
        except Exception:  # noqa: BLE001 - recovery must go on for the others
            log.exception("wecom re-ask failed")

    async def _heartbeat(self) -> None:
        """Renew claims of callbacks in hand; take over expired ones (another instance's)."""
        every = max(0.05, self.services.settings.lease_seconds / 3)
        while True:
            await asyncio.sleep(every)
            with contextlib.suppress(Exception):
                await inbox_cases.keep_claimed(self.services, CHANNEL, sorted(self._handling))
            try:
                await self.recover(everything=False)
            except Exception:  # noqa: BLE001 - try again at the next beat
                log.exception("wecom inbox recovery failed")
