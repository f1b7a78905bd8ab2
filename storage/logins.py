"""Queries on the web console's one-time login links and signed-in sessions.

Only SHA-256 hashes of the secrets are stored, so a copy of the database opens nothing.
A link is taken (marked used) by one UPDATE guarded on ``used_at IS NULL``: two browsers
racing with the same link cannot both get in.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import ConsoleSession, LoginToken


def secret_hash(secret: str) -> str:
    """Return the stored form of a token or session secret."""
    return hashlib.sha256(secret.encode()).hexdigest()


async def create_login_token(
    session: AsyncSession, *, secret: str, person_id: int, expires_at: datetime, now: datetime
) -> LoginToken:
    """Store a one-time login link for an organizer."""
    token = LoginToken(
        token_hash=secret_hash(secret), person_id=person_id, expires_at=expires_at, created_at=now
    )
    session.add(token)
    await session.flush()
    return token


async def find_login_token(session: AsyncSession, *, secret: str) -> LoginToken | None:
    """Return the login link with this secret, used or not."""
    query = select(LoginToken).where(LoginToken.token_hash == secret_hash(secret))
    return (await session.exec(query)).first()


async def take_login_token(session: AsyncSession, *, token_id: int, now: datetime) -> bool:
    """Mark a link used; return False if somebody used it first."""
    statement = (
        update(LoginToken)
        .where(col(LoginToken.id) == token_id, col(LoginToken.used_at).is_(None))
        .values(used_at=now)
    )
    result = await session.exec(statement)  # type: ignore[call-overload]
    return bool(result.rowcount)


async def create_console_session(
    session: AsyncSession, *, secret: str, csrf_token: str, person_id: int, now: datetime
) -> ConsoleSession:
    """Open a signed-in console session."""
    row = ConsoleSession(
        session_hash=secret_hash(secret),
        csrf_token=csrf_token,
        person_id=person_id,
        last_seen_at=now,
        created_at=now,
    )
    session.add(row)
    await session.flush()
    return row


async def find_console_session(session: AsyncSession, *, secret: str) -> ConsoleSession | None:
    """Return the open session with this cookie secret, if any."""
    query = select(ConsoleSession).where(
        ConsoleSession.session_hash == secret_hash(secret), col(ConsoleSession.ended_at).is_(None)
    )
    return (await session.exec(query)).first()


async def touch_console_session(session: AsyncSession, *, session_id: int, now: datetime) -> None:
    """Record that the session was used now (idle expiry counts from here)."""
    statement = (
        update(ConsoleSession).where(col(ConsoleSession.id) == session_id).values(last_seen_at=now)
    )
    await session.exec(statement)  # type: ignore[call-overload]


async def end_console_session(session: AsyncSession, *, session_id: int, now: datetime) -> None:
    """Close a session (log out, idle expiry or a lost organizer right)."""
    statement = (
        update(ConsoleSession).where(col(ConsoleSession.id) == session_id).values(ended_at=now)
    )
    await session.exec(statement)  # type: ignore[call-overload]
