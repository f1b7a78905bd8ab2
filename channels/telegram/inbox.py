"""Telegram updates through the inbox: stored before confirmed, handled in per-person order.

:class:`TelegramInbox` replaces PTB's ``Updater`` and update queue:

- **Polling** (:meth:`TelegramInbox.poll`): ``getUpdates`` with the offset after the last
  update *stored*: Telegram forgets an update only once it is in the database. The webhook
  server calls :meth:`TelegramInbox.receive` before answering 200.
- **Handling**: each newly stored update goes to its sender's lane (the user's id, else the
  chat's): one lane handles its updates one after another in arrival order, lanes run
  concurrently, at most ``UPDATE_CONCURRENCY`` updates at once, and an update waiting for
  its lane holds no slot, so a slow person never holds another up. Each update is handled
  by ``application.process_update`` inside :func:`storage.inbox.applying` (its effect and
  its mark commit together), then marked done (the done marks of lanes finishing at the
  same time share one transaction).
- **After a crash** (:meth:`TelegramInbox.recover`, at start and every lease on PostgreSQL
  for another instance's expired claims): an update not applied is handled again; one
  applied but not answered gets the person's current question asked again (the re-ask).
  The person's next message, if it repeats that answer word for word (typed again for
  want of a reply), is not taken as the next field's answer: the re-ask is sent again, and
  typing it once more enters it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections import deque
from collections.abc import Sequence
from typing import Any

from telegram import Update
from telegram.error import Conflict, NetworkError, TimedOut
from telegram.ext import CallbackContext

from channels.telegram.codec import CHANNEL
from channels.telegram.common import bot_of, send_replies, visit
from channels.telegram.start import start
from config.services import services_of
from handlers import forms
from handlers import inbox as inbox_cases
from handlers.inbox import AlreadyApplied, Incoming, applying
from handlers.replies import Reply

log = logging.getLogger(__name__)

INBOX = "inbox"  # bot_data key of the running TelegramInbox
LONG_POLL = 30  # seconds a getUpdates waits for news
FORGET_EVERY = 360  # heartbeats between deletions of day-old handled updates (≈ an hour)
POLL_PAUSE = (1.0, 30.0)  # seconds between failed getUpdates: first, at most


def sender_key(update: Update) -> str:
    """Return whose updates this one keeps order with: the user, else the chat, else itself."""
    if update.effective_user is not None:
        return f"user:{update.effective_user.id}"
    if update.effective_chat is not None:
        return f"chat:{update.effective_chat.id}"
    return f"update:{update.update_id}"


def incoming(update: Update, payload: dict[str, Any] | None = None) -> Incoming:
    """Return the storable form of an update: ``payload``, the update as Telegram sent it,
    if given (else the parsed update serialized again)."""
    stored = payload if payload is not None else update.to_dict()
    return Incoming(CHANNEL, update.update_id, sender_key(update), stored)


def _text_of(payload: dict[str, Any] | None) -> str | None:
    message = (payload or {}).get("message") or {}
    text = message.get("text")
    return text if isinstance(text, str) else None


class TelegramInbox:
    """Stores, orders and handles the application's updates; see the module docstring."""

    def __init__(self, application: Any) -> None:
        self.application = application
        self.services = services_of(application)
        self.concurrency = self.services.settings.update_concurrency
        self._slots = asyncio.Semaphore(self.concurrency)
        self._lanes: dict[str, deque[Update]] = {}
        self._lane_tasks: dict[str, asyncio.Task[None]] = {}
        self._handling: set[int] = set()
        self._idle = asyncio.Event()
        self._idle.set()
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = False
        self._retyped: dict[str, str] = {}  # sender → the applied answer a re-ask followed
        self._marks: list[tuple[Sequence[int], asyncio.Future[None]]] = []  # done, to write
        self._marking: asyncio.Task[None] | None = None
        self.handled = 0
        self.polling = asyncio.Event()  # set once polling starts (the start's catch-up waits)

    # -- life cycle ---------------------------------------------------------------------

    async def start(self, *, single_instance: bool) -> None:
        """Handle what a crash left open, then keep claims and look for expired ones.

        Several instances (PostgreSQL): updates still claimed may be a crashed process's or
        a live one's; waiting one lease at most before polling tells them apart (a live
        instance renews its claims), so a person's updates left open come before new ones.
        """
        if not single_instance:
            wait = await inbox_cases.claims_run_out(self.services, CHANNEL)
            if wait:
                log.info("waiting %.1f s for the claims of a stopped instance to run out", wait)
                await asyncio.sleep(wait)
        await self.recover(everything=single_instance)
        await inbox_cases.forget_old(self.services)
        self._tasks.append(asyncio.create_task(self._heartbeat(), name="inbox-heartbeat"))

    def start_polling(self) -> None:
        """Start fetching updates with getUpdates (long polling)."""
        self._tasks.append(asyncio.create_task(self.poll(), name="inbox-polling"))
        self.polling.set()

    async def stop(self) -> None:
        """Stop fetching and wait for the updates being handled (the rest stays stored)."""
        self._stopping = True
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        await self.idle()

    async def idle(self) -> None:
        """Wait until every update handed to a lane is handled."""
        await self._idle.wait()

    # -- in -----------------------------------------------------------------------------

    async def receive(
        self, updates: Sequence[Update], payloads: Sequence[dict[str, Any]] = ()
    ) -> int:
        """Store these updates, then hand the new ones to their lanes; return how many.

        ``payloads``: the same updates as Telegram sent them, in order (stored as they are).
        """
        raw = {p.get("update_id"): p for p in payloads}
        stored = [incoming(u, raw.get(u.update_id)) for u in updates]
        fresh = await inbox_cases.receive(self.services, stored)
        new_ids = {u.update_id for u in fresh}
        count = 0
        for update in updates:
            if update.update_id in new_ids:
                new_ids.discard(update.update_id)
                self.dispatch(update)
                count += 1
        return count

    async def poll(self) -> None:
        """Fetch updates until stopped; confirm each batch only after it is stored."""
        bot = bot_of(self.application)
        offset: int | None = None
        pause = POLL_PAUSE[0]
        while not self._stopping:
            try:
                updates, payloads = await bot.get_updates_with_payloads(
                    offset=offset, timeout=LONG_POLL, allowed_updates=Update.ALL_TYPES
                )
                if updates:
                    await self.receive(updates, payloads)
                    offset = updates[-1].update_id + 1
                pause = POLL_PAUSE[0]
            except asyncio.CancelledError:
                raise
            except Conflict:  # Telegram lets one poller at a time: several need a webhook
                log.warning("another instance polls this bot; several instances need webhook mode")
                await asyncio.sleep(POLL_PAUSE[1])
            except (TimedOut, NetworkError) as error:
                log.info("getUpdates failed (%s); again in %.0f s", type(error).__name__, pause)
                await asyncio.sleep(pause)
                pause = min(pause * 2, POLL_PAUSE[1])
            except Exception:  # noqa: BLE001 - e.g. the database was down: keep polling
                log.exception("storing updates failed; again in %.0f s", pause)
                await asyncio.sleep(pause)
                pause = min(pause * 2, POLL_PAUSE[1])

    # -- lanes --------------------------------------------------------------------------

    def dispatch(self, update: Update) -> None:
        """Queue an update on its sender's lane (started if idle)."""
        key = sender_key(update)
        self._lanes.setdefault(key, deque()).append(update)
        self._handling.add(update.update_id)
        self._idle.clear()
        if key not in self._lane_tasks:
            self._lane_tasks[key] = asyncio.create_task(self._lane(key), name=f"lane-{key}")

    async def _lane(self, key: str) -> None:
        queue = self._lanes[key]
        try:
            while queue:
                update = queue[0]
                async with self._slots:
                    await self._handle(update)
                queue.popleft()
                self._handling.discard(update.update_id)
        finally:
            self._lanes.pop(key, None)
            self._lane_tasks.pop(key, None)
            if not self._lane_tasks:
                self._idle.set()

    async def _handle(self, update: Update) -> None:
        if self._retyped and self._typed_again(update):
            await self._reask(update)  # not stored into the next field: where they are, again
            await self._finish([update.update_id])
            return
        token = uuid.uuid4().hex  # this dispatch; another one's writes are refused
        try:
            with applying(CHANNEL, update.update_id, token, self.services.clock.now()):
                await self.application.process_update(update)
        except Exception:  # noqa: BLE001 - PTB's error handler ran; the lane goes on
            log.exception("update %s: handling failed", update.update_id)
        await self._finish([update.update_id])
        self.handled += 1

    async def _finish(self, update_ids: Sequence[int]) -> None:
        """Mark these updates done; return once the mark is committed.

        The lane keeps its slot until then, so at most ``UPDATE_CONCURRENCY`` updates are
        applied but not done at a crash. The marks of lanes that finish meanwhile are
        written together, in one transaction (a group commit: none waits for a timer).
        """
        done = asyncio.get_running_loop().create_future()
        self._marks.append((update_ids, done))
        if self._marking is None or self._marking.done():
            self._marking = asyncio.create_task(self._write_marks(), name="inbox-done-marks")
        try:
            await done
        except Exception:  # noqa: BLE001 - left open: the next recovery answers it
            log.exception("updates %s: could not be marked done", list(update_ids))

    async def _write_marks(self) -> None:
        """Write the waiting done marks, those that come meanwhile in the next transaction."""
        while self._marks:
            batch, self._marks = self._marks, []
            ids = [update_id for update_ids, _ in batch for update_id in update_ids]
            try:
                await inbox_cases.finish(self.services, CHANNEL, ids)
            except Exception as error:  # noqa: BLE001 - each waiting lane logs it
                for _, done in batch:
                    if not done.done():
                        done.set_exception(error)
            else:
                for _, done in batch:
                    if not done.done():
                        done.set_result(None)

    # -- recovery -----------------------------------------------------------------------

    async def recover(self, *, everything: bool) -> int:
        """Handle the updates a crash left open (see the module docstring); return how many."""
        rows = await inbox_cases.reclaim(self.services, CHANNEL, everything=everything)
        rows = [r for r in rows if r.update_id not in self._handling and r.payload is not None]
        if not rows:
            return 0
        log.info("recovering %d updates left open", len(rows))
        for row in rows:
            assert row.payload is not None
            update = Update.de_json(row.payload, self.application.bot)
            if row.applied_by is None:
                self.dispatch(update)  # nothing of it was written: handled from the start
                continue
            text = _text_of(row.payload)
            if text is not None:
                self._retyped[row.sender] = text
            await self._reask(update)
            await self._finish([row.update_id])
        return len(rows)

    def _typed_again(self, update: Update) -> bool:
        """Tell whether this is the person's first message after a re-ask, repeating the
        applied answer (typed again for want of a reply, before the re-ask reached them)."""
        expected = self._retyped.pop(sender_key(update), None)
        message = update.message
        return expected is not None and message is not None and message.text == expected

    async def _reask(self, update: Update) -> None:
        """Tell the person what is awaited now: their form's current field, else the menu."""
        context = CallbackContext.from_update(update, self.application)
        try:
            if update.effective_user is None or update.effective_chat is None:
                return
            v = await visit(update, context)
            replies = await forms.reask(v)
            if not replies:
                await start(update, context)  # no form waits: the menu, the way in
                return
            await send_replies(update, context, [Reply("common/resumed.html"), *replies])
        except AlreadyApplied:
            pass
        except Exception:  # noqa: BLE001 - recovery must go on for the others
            log.exception("update %s: re-ask failed", update.update_id)

    async def _heartbeat(self) -> None:
        """Renew claims of updates in hand; take over expired ones (another instance's)."""
        every = max(0.05, self.services.settings.lease_seconds / 3)
        beats = 0
        while True:
            await asyncio.sleep(every)
            beats += 1
            if beats % FORGET_EVERY == 0:
                with contextlib.suppress(Exception):
                    await inbox_cases.forget_old(self.services)
            with contextlib.suppress(Exception):
                await inbox_cases.keep_claimed(self.services, CHANNEL, sorted(self._handling))
            try:
                await self.recover(everything=False)
            except Exception:  # noqa: BLE001 - try again at the next beat
                log.exception("inbox recovery failed")


def inbox_of(application: Any) -> TelegramInbox:
    """Return the application's running inbox."""
    inbox: TelegramInbox = application.bot_data[INBOX]
    return inbox
