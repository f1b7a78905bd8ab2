"""Token buckets in the database, shared by every instance: the sending pace (PostgreSQL).

The overall pace: each worker asks for a few tokens at a time (:func:`take_tokens`); the
bucket refills at ``rate`` per second by the database server's clock (the instances' clocks
may differ), up to ``burst``. The row is locked while it is read and written, so instances
never both spend the same tokens. Tokens a worker took and did not use are lost, never
doubled.

The pace per chat: a bucket of one token per chat, named ``chat:<account id>`` in the same
table. A sent message is recorded together with :func:`spend_chat` (the chat's token spent
at that moment), and a worker that claims a chat's next row reads in the same transaction
how long that chat must still wait (:func:`chat_waits`). The claim leases at most one row
per chat to one instance at a time, so two instances never send to one chat closer
together than ``1 / rate``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from sqlalchemy import bindparam, text
from sqlmodel.ext.asyncio.session import AsyncSession

_NOW = "extract(epoch from clock_timestamp())"
CHAT = "chat:"  # per-chat buckets are named "chat:<account id>"


class Grant(NamedTuple):
    """What :func:`take_tokens` gave: tokens, the wait for the next, the bucket's moment."""

    tokens: int
    wait: float
    at: float  # seconds since the epoch by the database server's clock


async def take_tokens(
    session: AsyncSession, *, name: str, rate: float, burst: float, want: int
) -> Grant:
    """Take up to ``want`` whole tokens; say how many, the seconds until the next, and when."""
    await session.exec(  # type: ignore[call-overload]
        text(
            "INSERT INTO pace_bucket (name, tokens, stamp) "
            f"VALUES (:name, :burst, {_NOW}) ON CONFLICT (name) DO NOTHING"
        ),
        params={"name": name, "burst": burst},
    )
    row = (
        await session.exec(  # type: ignore[call-overload]
            text(f"SELECT tokens, stamp, {_NOW} FROM pace_bucket WHERE name = :name FOR UPDATE"),
            params={"name": name},
        )
    ).one()
    tokens, stamp, now = float(row[0]), float(row[1]), float(row[2])
    tokens = min(burst, tokens + max(0.0, now - stamp) * rate)
    granted = min(want, int(tokens))
    tokens -= granted
    await session.exec(  # type: ignore[call-overload]
        text("UPDATE pace_bucket SET tokens = :tokens, stamp = :now WHERE name = :name"),
        params={"name": name, "tokens": tokens, "now": now},
    )
    return Grant(granted, 0.0 if granted else (1.0 - tokens) / rate, now)


async def spend_chat(session: AsyncSession, *, account_id: int) -> None:
    """Spend the chat's one token now, by the database server's clock (a send went out)."""
    await session.exec(  # type: ignore[call-overload]
        text(
            "INSERT INTO pace_bucket (name, tokens, stamp) "
            f"VALUES (:name, 0, {_NOW}) "
            "ON CONFLICT (name) DO UPDATE SET tokens = 0, stamp = excluded.stamp"
        ),
        params={"name": f"{CHAT}{account_id}"},
    )


async def chat_waits(
    session: AsyncSession, *, account_ids: Sequence[int], rate: float
) -> dict[int, float]:
    """Return how many seconds each of these chats must still wait for its token back."""
    if not account_ids:
        return {}
    rows = await session.exec(  # type: ignore[call-overload]
        text(f"SELECT name, stamp, {_NOW} FROM pace_bucket WHERE name IN :names").bindparams(
            bindparam("names", expanding=True)
        ),
        params={"names": [f"{CHAT}{account_id}" for account_id in account_ids]},
    )
    waits = {}
    for name, stamp, now in rows.all():
        wait = float(stamp) + 1.0 / rate - float(now)
        if wait > 0:
            waits[int(name.removeprefix(CHAT))] = wait
    return waits
