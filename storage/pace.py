"""A token bucket in the database, shared by every instance: the overall sending pace.

Each worker asks for a few tokens at a time (:func:`take_tokens`); the bucket refills at
``rate`` per second by the database server's clock (the instances' clocks may differ), up
to ``burst``. The row is locked while it is read and written, so instances never both
spend the same tokens. Tokens a worker took and did not use are lost, never doubled.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

_NOW = "extract(epoch from clock_timestamp())"


async def take_tokens(
    session: AsyncSession, *, name: str, rate: float, burst: float, want: int
) -> tuple[int, float]:
    """Take up to ``want`` whole tokens; return how many, and the seconds until the next."""
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
    return granted, 0.0 if granted else (1.0 - tokens) / rate
