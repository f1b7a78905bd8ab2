"""The delivery worker: sends the outbox's due rows through their channels, paced.

One worker per bot process, an asyncio task started by ``start_services`` (never inside an
update handler). It sleeps until woken (``delivery.wake``) or until the next row falls due
(looking again at least every ``POLL`` seconds), then works in rounds:

1. **Claim**: lease up to ``BATCH`` pending rows due now, oldest first, to this worker for
   ``settings.lease_seconds`` (``storage.outbox.claim_due``: ``FOR UPDATE SKIP LOCKED`` on
   PostgreSQL, so several instances share the sending and never send the same row; at
   most one row per chat leased at once). The rows stay ``pending`` until their outcome is
   known; a crashed worker's leases run out and another worker takes them over. SQLite
   runs one instance: its leases are freed at start.
2. **Pace**: each send takes a token from a bucket filled at ``settings.send_rate`` per
   second (a small burst allowed) and waits until its chat's previous send is
   ``1 / settings.send_rate_per_chat`` seconds old; a round sends at most one row per chat
   (the next round takes the rest). ``settings.send_concurrency`` sends are in flight at
   once: 1 by default, so a crash repeats at most one message, and the rate is at most
   one send per round trip; more keeps the rate when Telegram answers slowly, at the price
   of up to that many repeats (to different chats; ``docs/deploy.md``, "One send in
   flight"). On PostgreSQL the bucket is a row shared by every instance
   (``storage/pace.py``), so the overall rate holds however many run, and so does the
   pace per chat: a sent message spends its chat's token in the database, and the claim
   reads how long each claimed chat must still wait. The default 25/s stays under
   Telegram's 30/s, leaving room for the bot's interactive replies, which do not go
   through here.
3. **Record**: each outcome is written right after its send by a one-statement UPDATE
   (shielded from cancellation). On PostgreSQL the lease is renewed before a send only
   once half of it has gone by since the claim (earlier, nobody else can hold the row).
   Channels map their service's answers onto the outcomes of ``delivery/channel.py``:
   sent; ``Unreachable`` (Telegram's 403 or "chat not found": the person is marked
   ``unreachable``, no retry); ``Refused`` (any other 400: a retry would fail the same
   way); ``Transient`` (network errors and 5xx: ``attempts + 1`` and due again after a
   backoff of 30 s, 1, 2, 4 min, failed after ``MAX_ATTEMPTS``). ``RetryLater`` (429)
   pauses the whole worker for that long, then the same message is sent again (it is not
   an attempt).

A crash therefore loses nothing and repeats at most the sends in flight (one by default),
each to a different chat, so nobody gets more than one duplicate per crash.

The worker knows no messenger: each row's account names its channel, and the channels
(``delivery.channel.Channel``) are handed in by the wiring in ``bot/``.

Broadcasts: while a broadcast's rows go out, the worker asks the ``progress`` callback
(the broadcast use case) every ``PROGRESS_EVERY`` seconds what the organizer's progress
message should say, and edits it through the organizer's channel; when none of the round
is pending any more, the message becomes the final report.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

from config.services import Services
from delivery import wake_event
from delivery.channel import (
    Channel,
    NotModified,
    Refused,
    RetryLater,
    Transient,
    Unreachable,
)
from messages import render
from observability.metrics import metrics_of, send_result
from storage.db import transaction
from storage.models import Account, OutboxMessage
from storage.outbox import (
    claim_due,
    mark_failed,
    mark_sent,
    mark_unreachable,
    next_due,
    release_leases,
    renew_lease,
    retry_later,
)
from storage.pace import chat_waits, spend_chat, take_tokens

log = logging.getLogger(__name__)

BATCH = 100  # rows read per round
CONCURRENCY = 1  # default sends in flight at once (settings.send_concurrency)
POLL = 15.0  # seconds between looks at the outbox when nothing wakes the worker
ERROR_PAUSE = 5.0  # seconds to wait after a round failed (e.g. the database was busy)
MAX_ATTEMPTS = 5  # network errors / 5xx before a message is given up
BACKOFF = timedelta(seconds=30)  # doubled per attempt
MAX_THROTTLED = 10  # 429s in a row for one message before it goes back to the queue
REMINDER_KINDS = ("reminder", "announcement")  # outbox kinds written by the reminder job
PROGRESS_EVERY = 3.0  # seconds between edits of a broadcast's progress message
BURST = 0.2  # seconds of sending the token bucket may store
PACE_BUCKET = "outbox"  # the shared bucket's name (PostgreSQL: several instances)


@dataclass
class DeliveryStats:
    """What the worker did since it started (benchmarks and logs)."""

    sent: int = 0
    unreachable: int = 0
    failed: int = 0
    retried: int = 0  # network errors and 5xx, tried again later
    throttled: int = 0  # 429 answers received


class DeliveryWorker:
    """Sends due outbox rows under the configured rates; see the module docstring."""

    def __init__(
        self,
        channels: Mapping[str, Channel],
        services: Services,
        *,
        progress: ProgressSource | None = None,
        concurrency: int | None = None,
        batch: int = BATCH,
        rate: float | None = None,
        rate_per_chat: float | None = None,
    ) -> None:
        self.channels = dict(channels)
        self.services = services
        self.progress = progress
        self.rate = rate or services.settings.send_rate
        self.rate_per_chat = rate_per_chat or services.settings.send_rate_per_chat
        self.chat_interval = 1.0 / self.rate_per_chat
        self.concurrency = concurrency or services.settings.send_concurrency
        self.batch = batch
        self.stats = DeliveryStats()
        self.name = uuid.uuid4().hex[:12]  # this worker's leases on outbox rows
        # Several instances share one PostgreSQL: the overall pace is a bucket in it.
        self.shared_pace = services.engine.dialect.name == "postgresql"
        self._wake = wake_event(services)
        self._stop = asyncio.Event()
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._records: set[asyncio.Task[Any]] = set()
        self._burst = max(1.0, self.rate * BURST)
        self._tokens = 0.0 if self.shared_pace else self._burst  # shared: from the bucket only
        self._stamp = 0.0
        self._pause_until = 0.0
        self._chat_ready: dict[tuple[str, str], float] = {}
        self._touched: set[int] = set()
        self._progress_at: dict[int, float] = {}

    # -- life cycle ---------------------------------------------------------------------

    def start(self) -> None:
        """Start the background task."""
        self._stop.clear()
        self._task = asyncio.create_task(self._run(), name="delivery-worker")

    async def release(self, *, everybody: bool = False) -> int:
        """Free the rows this worker leased and did not send (all leases: ``everybody``)."""
        async with transaction(self.services.sessions) as session:
            return await release_leases(session, worker=None if everybody else self.name)

    async def stop(self) -> None:
        """Stop after the sends in flight; rows not sent stay pending for the next start."""
        self._stop.set()
        self._wake.set()
        if self._task is not None:
            await asyncio.wait([self._task])  # returns also when it was cancelled (abort)
            self._task = None
        async with self._lock:
            pass
        if self._records:
            await asyncio.gather(*self._records, return_exceptions=True)

    def abort(self) -> None:
        """Cancel the background task at once, sends in flight included (as a crash would)."""
        self._stop.set()
        if self._task is not None:
            self._task.cancel()

    @property
    def alive(self) -> bool:
        """Return True while the background task runs (readiness checks)."""
        return self._task is not None and not self._task.done() and not self.stopping

    def _count(self, result: str, row: OutboxMessage | None = None) -> None:
        """Count one send's result in the metrics (and a delivered reminder)."""
        metrics = metrics_of(self.services)
        metrics.sends.labels(result).inc()
        if row is not None and result == "ok" and row.kind in REMINDER_KINDS:
            metrics.reminders_sent.inc()

    @property
    def stopping(self) -> bool:
        """Return True once stop() was called."""
        return self._stop.is_set()

    async def drain(self, *, limit: int | None = None) -> int:
        """Send everything due now (or at most ``limit`` rows), then return how many."""
        handled = 0
        while not self.stopping and (limit is None or handled < limit):
            count = await self._round(None if limit is None else limit - handled)
            if count == 0:
                break
            handled += count
        return handled

    async def _run(self) -> None:
        while not self.stopping:
            self._wake.clear()
            try:
                handled = await self._round()
                idle = 0.0 if handled else await self._idle_seconds()
            except Exception:  # noqa: BLE001 - the worker must outlive one bad round
                log.exception("delivery round failed")
                await self._nap(ERROR_PAUSE)
                continue
            if idle and not self.stopping:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), idle)

    async def _idle_seconds(self) -> float:
        async with self.services.sessions() as session:
            due = await next_due(session)
        if due is None:
            return POLL
        wait = (due - self.services.clock.now()).total_seconds()
        return min(max(wait, 0.5), POLL)

    async def _nap(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stop.wait(), seconds)

    # -- one round ----------------------------------------------------------------------

    async def _claim(self) -> list[tuple[OutboxMessage, Account]]:
        """Lease the next due rows to this worker (no more than it can send in a lease)."""
        lease = self.services.settings.lease_seconds
        limit = max(1, min(self.batch, int(self.rate * lease / 2)))
        waits: dict[int, float] = {}
        async with transaction(self.services.sessions) as session:
            rows = await claim_due(
                session, now=self.services.clock.now(), limit=limit, worker=self.name,
                lease=timedelta(seconds=lease),
            )  # fmt: skip
            if self.shared_pace:  # another instance may have sent to these chats lately
                waits = await chat_waits(
                    session, account_ids=[row.account_id for row, _ in rows],
                    rate=self.rate_per_chat,
                )  # fmt: skip
        if waits:
            now = asyncio.get_running_loop().time()
            for row, account in rows:
                if row.account_id in waits:
                    chat = (account.channel, account.chat_id)
                    ready = now + waits[row.account_id]
                    self._chat_ready[chat] = max(self._chat_ready.get(chat, 0.0), ready)
        return rows

    async def _round(self, limit: int | None = None) -> int:
        async with self._lock:
            claimed = asyncio.get_running_loop().time()  # the leases run from about now
            rows = await self._claim()
            if not rows:
                return 0
            launched = 0
            chats: set[tuple[str, str]] = set()
            gate = asyncio.Semaphore(self.concurrency)
            async with asyncio.TaskGroup() as group:
                for row, account in rows:
                    if self.stopping or (limit is not None and launched >= limit):
                        break
                    chat = (account.channel, account.chat_id)
                    if chat in chats:
                        continue  # one per chat per round: the next round takes the rest
                    chats.add(chat)
                    await gate.acquire()
                    if not await self._turn(chat):
                        gate.release()
                        break
                    group.create_task(self._deliver(row, account, gate, claimed))
                    launched += 1
                    await self._report(final=False)
            await self._report(final=True)
            return launched

    # -- pacing -------------------------------------------------------------------------

    async def _turn(self, chat_id: tuple[str, str]) -> bool:
        """Wait until a send to this (channel, chat) fits both rates; False if told to stop."""
        loop = asyncio.get_running_loop()
        while not self.stopping:
            now = loop.time()
            wait = max(self._pause_until, self._chat_ready.get(chat_id, 0.0)) - now
            if wait <= 0:
                if self.shared_pace:
                    wait = await self._take_shared() if self._tokens < 1.0 else 0.0
                else:
                    self._tokens = min(self._burst, self._tokens + (now - self._stamp) * self.rate)
                    self._stamp = now
                    wait = (1.0 - self._tokens) / self.rate
                if self._tokens >= 1.0:
                    self._tokens -= 1.0
                    self._chat_ready[chat_id] = now + self.chat_interval
                    self._forget_old_chats(now)
                    return True
            await self._nap(wait)
        return False

    async def _take_shared(self) -> float:
        """Take tokens from the bucket all instances share; return the wait if none."""
        async with transaction(self.services.sessions) as session:
            grant = await take_tokens(
                session, name=PACE_BUCKET, rate=self.rate, burst=self._burst,
                want=max(1, int(self._burst)),
            )  # fmt: skip
        self._tokens += grant.tokens
        return grant.wait

    def _forget_old_chats(self, now: float) -> None:
        if len(self._chat_ready) > 10_000:
            self._chat_ready = {c: t for c, t in self._chat_ready.items() if t > now}

    def _pause(self, error: RetryLater) -> None:
        loop = asyncio.get_running_loop()
        self._pause_until = max(self._pause_until, loop.time() + error.seconds)
        self._tokens = 0.0

    # -- one message --------------------------------------------------------------------

    async def _deliver(
        self, row: OutboxMessage, account: Account, gate: asyncio.Semaphore, claimed: float
    ) -> None:
        chat = (account.channel, account.chat_id)
        try:
            channel = self.channels.get(account.channel)
            if channel is None:
                log.warning("outbox row %s: no channel %r running", row.id, account.channel)
                return
            for _ in range(MAX_THROTTLED):
                if self.shared_pace and self._lease_aging(claimed):
                    claimed = asyncio.get_running_loop().time()
                    if not await self._still_ours(row):
                        return  # the lease ran out and another worker took the row: it sends it
                try:
                    message_id = await channel.send(
                        account.chat_id, row.text, actions=row.actions, document=row.document
                    )
                except RetryLater as error:
                    self.stats.throttled += 1
                    self._count(send_result(429))
                    log.info("429 for outbox row %s: pausing %s s", row.id, error.seconds)
                    self._pause(error)
                    if not await self._turn(chat):
                        return
                    continue
                except Unreachable as error:
                    self._count(send_result(403))
                    await self._record(self._unreachable(row, error))
                    return
                except Refused as error:
                    self._count(send_result(400))
                    await self._record(self._failed(row, error))
                    return
                except Transient as error:  # network errors, timeouts, 5xx
                    self._count(send_result(None if error.network else 500, network=error.network))
                    await self._record(self._retry(row, error))
                    return
                self._count(send_result(200), row)
                await self._record(self._sent(row, message_id))
                return
        except Exception:  # noqa: BLE001 - one bad row must not stop the others
            log.exception("delivering outbox row %s failed", row.id)
        finally:
            gate.release()
            if row.broadcast_id is not None:
                self._touched.add(row.broadcast_id)

    def _lease_aging(self, claimed: float) -> bool:
        """Tell whether half the lease taken at ``claimed`` (loop time) has gone by.

        Until then nobody else can have taken the row (whose clock is not half a lease ahead
        of ours), so the send needs no renewal: one transaction fewer per send.
        """
        elapsed = asyncio.get_running_loop().time() - claimed
        return elapsed >= self.services.settings.lease_seconds / 2

    async def _still_ours(self, row: OutboxMessage) -> bool:
        """Renew this worker's lease on a row right before sending it (several instances)."""
        until = self.services.clock.now() + timedelta(seconds=self.services.settings.lease_seconds)
        async with transaction(self.services.sessions) as session:
            return await renew_lease(session, row_id=row.id or 0, worker=self.name, until=until)

    async def _record(self, write: Callable[[], Awaitable[None]]) -> None:
        """Write an outcome to the database even if the send's task is being cancelled."""
        task = asyncio.create_task(self._write(write))
        self._records.add(task)
        task.add_done_callback(self._records.discard)
        await asyncio.shield(task)

    async def _write(self, write: Callable[[], Awaitable[None]]) -> None:
        await write()

    def _sent(self, row: OutboxMessage, message_id: str) -> Callable[[], Awaitable[None]]:
        async def write() -> None:
            async with transaction(self.services.sessions) as session:
                await mark_sent(
                    session, row_id=row.id or 0, now=self.services.clock.now(),
                    message_id=message_id,
                )  # fmt: skip
                if self.shared_pace:  # the chat's next send waits, on every instance
                    await spend_chat(session, account_id=row.account_id)
            self.stats.sent += 1

        return write

    def _unreachable(self, row: OutboxMessage, error: Exception) -> Callable[[], Awaitable[None]]:
        async def write() -> None:
            async with transaction(self.services.sessions) as session:
                await mark_unreachable(
                    session, row_id=row.id or 0, person_id=row.person_id, error=str(error)
                )
            self.stats.unreachable += 1

        return write

    def _failed(self, row: OutboxMessage, error: Exception) -> Callable[[], Awaitable[None]]:
        async def write() -> None:
            log.warning("outbox row %s failed for good: %s", row.id, error)
            async with transaction(self.services.sessions) as session:
                await mark_failed(session, row_id=row.id or 0, error=str(error))
            self.stats.failed += 1

        return write

    def _retry(self, row: OutboxMessage, error: Exception) -> Callable[[], Awaitable[None]]:
        async def write() -> None:
            attempts = row.attempts + 1
            if attempts >= MAX_ATTEMPTS:
                await self._failed(row, error)()
                return
            due = self.services.clock.now() + BACKOFF * 2 ** (attempts - 1)
            log.info("outbox row %s: %s; trying again at %s", row.id, error, due)
            async with transaction(self.services.sessions) as session:
                await retry_later(session, row_id=row.id or 0, due_at=due, error=str(error)[:500])
            self.stats.retried += 1

        return write

    # -- broadcast progress -------------------------------------------------------------

    async def _report(self, *, final: bool) -> None:
        """Edit the progress message of each broadcast being sent; the report at its end."""
        loop = asyncio.get_running_loop()
        for broadcast_id in sorted(self._touched):
            if not final and loop.time() - self._progress_at.get(broadcast_id, 0.0) < (
                PROGRESS_EVERY
            ):
                continue
            self._progress_at[broadcast_id] = loop.time()
            try:
                await self._report_one(broadcast_id, final=final)
            except Exception:  # noqa: BLE001 - a report must never stop the sending
                log.exception("progress report of broadcast %s failed", broadcast_id)
        if final:
            self._touched.clear()

    async def _report_one(self, broadcast_id: int, *, final: bool) -> None:
        if self.progress is None:
            return
        shown = await self.progress(self.services, broadcast_id=broadcast_id, final=final)
        if shown is None:
            return
        channel = self.channels.get(shown.account.channel)
        if channel is None:
            return
        # In the words of the organizer's channel (企业微信 names no /command).
        values = {**shown.reply.values, "channel": shown.account.channel}
        text = render(shown.reply.template, **values)
        buttons = [[{"text": a.text, "id": a.id} for a in row] for row in shown.reply.actions]
        chat_id = shown.account.chat_id
        if shown.message_id is not None:
            try:
                await channel.edit(chat_id, shown.message_id, text, actions=buttons or None)
                return
            except NotModified:
                return
            except (Refused, Transient, Unreachable, RetryLater) as error:
                log.info("progress message of broadcast %s not edited: %s", broadcast_id, error)
        if shown.final:
            with contextlib.suppress(Refused, Transient, Unreachable, RetryLater):
                await channel.send(chat_id, text, actions=buttons or None)


class ProgressShown(Protocol):
    """What the progress callback answers (``handlers.broadcasts.Progress``)."""

    @property
    def reply(self) -> Any: ...  # noqa: D102
    @property
    def account(self) -> Account: ...  # noqa: D102
    @property
    def message_id(self) -> str | None: ...  # noqa: D102
    @property
    def final(self) -> bool: ...  # noqa: D102


ProgressSource = Callable[..., Awaitable[ProgressShown | None]]


async def start_worker(
    services: Services,
    channels: Mapping[str, Channel],
    *,
    progress: ProgressSource | None = None,
) -> DeliveryWorker:
    """Create the worker over these channels and start it."""
    worker = DeliveryWorker(channels, services, progress=progress)
    services.worker = worker
    if services.engine.dialect.name == "sqlite":
        await worker.release(everybody=True)  # the only instance: no lease is alive
    worker.start()
    return worker


async def stop_worker(services: Services) -> DeliveryWorker | None:
    """Stop the worker (sends in flight finish); return it, for closing its channels."""
    worker = services.worker
    services.worker = None
    if worker is None:
        return None
    await worker.stop()
    with contextlib.suppress(Exception):  # the leases run out by themselves otherwise
        await worker.release()
    return worker  # type: ignore[no-any-return]
