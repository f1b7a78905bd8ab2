"""The leader lock: a PostgreSQL session-level advisory lock on a connection of its own.

Whoever holds it runs the timed work (reminders, stage-close copies). The server releases
it when the holder's connection ends, a crash included, so a survivor takes it at its next
try. SQLite has a single instance: it always leads.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

LEADER_LOCK = 0x1EAD  # the advisory lock's key


async def try_lead(engine: AsyncEngine, held: AsyncConnection | None) -> AsyncConnection | None:
    """Return the connection that holds the lock (kept or newly taken), None if another does."""
    if held is not None:
        try:
            await held.execute(text("SELECT 1"))  # still connected: still holding it
            return held
        except Exception:  # noqa: BLE001 - the connection died: the lock went with it
            await _close(held)
    connection = await engine.connect()
    try:
        taken = (
            await connection.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": LEADER_LOCK})
        ).scalar_one()
        await connection.commit()
    except Exception:
        await _close(connection)
        raise
    if taken:
        return connection
    await _close(connection)
    return None


async def resign(connection: AsyncConnection) -> None:
    """Give the lock up and close its connection."""
    try:
        await connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": LEADER_LOCK})
        await connection.commit()
    finally:
        await _close(connection)


async def _close(connection: AsyncConnection) -> None:
    try:
        await connection.close()
    except Exception:  # noqa: BLE001 - closing a dead connection may fail: it is gone anyway
        await connection.invalidate()
