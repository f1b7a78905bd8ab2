"""Queries on invite codes, and the codes' own shape.

A code is 8 characters from an alphabet without the look-alikes 0/O, 1/I/L, so it can be
read aloud over the phone and typed on a phone keyboard; typed codes are case-insensitive
(full-width letters and spaces are folded too). Every code holds at least one letter, so a
mistyped 8-digit phone number is never taken for a code.

What a code can still do is a pure function of the row and ``now``: :func:`invite_state`.
Organizer and judge codes are spent after one use (they give organizer or judge rights).
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime
from enum import StrEnum

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from contest.fields import fold
from storage.models import Invite, InviteKind

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
_LETTERS = frozenset(c for c in ALPHABET if c.isalpha())
_CODE = re.compile(rf"[{ALPHABET}]{{{CODE_LENGTH}}}")
_LINK = re.compile(r"(?:https?://)?t\.me/[A-Za-z0-9_]+/?\?start=([A-Za-z0-9]+)", re.IGNORECASE)
_SPACING = re.compile(r"[\s\-_]")


class InviteState(StrEnum):
    """What a code can do now."""

    ACTIVE = "active"
    EXPIRED = "expired"
    REVOKED = "revoked"
    USED = "used"  # an organizer code that was used once


def normalize_code(text: str) -> str | None:
    """Return the code typed in ``text`` (or in a pasted t.me link), or None if there is none."""
    raw = fold(text).strip()
    link = _LINK.fullmatch(raw)
    if link:
        raw = link.group(1)
    code = _SPACING.sub("", raw).upper()
    if _CODE.fullmatch(code) and _LETTERS.intersection(code):
        return code
    return None


def new_code() -> str:
    """Return a fresh random code (with at least one letter)."""
    while True:
        code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
        if _LETTERS.intersection(code):
            return code


def invite_state(invite: Invite, now: datetime) -> InviteState:
    """Tell what the code can do at ``now``."""
    if invite.revoked:
        return InviteState.REVOKED
    if invite.kind in (InviteKind.ORGANIZER, InviteKind.JUDGE) and invite.uses > 0:
        return InviteState.USED
    if now >= invite.expires_at:
        return InviteState.EXPIRED
    return InviteState.ACTIVE


async def create_invite(
    session: AsyncSession,
    *,
    kind: str,
    expires_at: datetime,
    now: datetime,
    created_by: int | None,
    unit_id: int | None = None,
    submitter_key: str = "",
    label: str = "",
) -> Invite:
    """Create an invite with a new unique code."""
    code = new_code()
    while await find_invite(session, code=code) is not None:
        code = new_code()
    invite = Invite(
        code=code,
        kind=kind,
        unit_id=unit_id,
        submitter_key=submitter_key,
        label=label,
        created_by=created_by,
        expires_at=expires_at,
        created_at=now,
    )
    session.add(invite)
    await session.flush()
    return invite


async def find_invite(session: AsyncSession, *, code: str) -> Invite | None:
    """Return the invite with this code (already normalized), if any."""
    return (await session.exec(select(Invite).where(Invite.code == code))).first()


async def get_invite(session: AsyncSession, *, invite_id: int) -> Invite | None:
    """Return the invite with this id, if any."""
    return await session.get(Invite, invite_id)


async def list_invites(
    session: AsyncSession, *, offset: int = 0, limit: int | None = None
) -> list[Invite]:
    """Return invites, newest first."""
    query = select(Invite).order_by(col(Invite.id).desc()).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return list((await session.exec(query)).all())


async def count_invites(session: AsyncSession) -> int:
    """Return how many invites were ever created."""
    return int((await session.exec(select(func.count()).select_from(Invite))).one())


async def unit_invite(session: AsyncSession, *, unit_id: int, now: datetime) -> Invite | None:
    """Return a code that still brings people into this unit, newest first, if any."""
    query = (
        select(Invite)
        .where(
            Invite.kind == InviteKind.UNIT,
            Invite.unit_id == unit_id,
            Invite.revoked == False,  # noqa: E712
            Invite.expires_at > now,
        )
        .order_by(col(Invite.id).desc())
    )
    return (await session.exec(query)).first()


async def record_use(
    session: AsyncSession, *, invite_id: int, unit_id: int | None = None
) -> Invite | None:
    """Count one use of a code; a unit code remembers the unit its first use created."""
    invite = await session.get(Invite, invite_id)
    if invite is None:
        return None
    invite.uses += 1
    if unit_id is not None and invite.kind == InviteKind.UNIT and invite.unit_id is None:
        invite.unit_id = unit_id
    session.add(invite)
    await session.flush()
    return invite


async def revoke_invite(session: AsyncSession, *, invite_id: int) -> Invite | None:
    """Make a code unusable from now on."""
    invite = await session.get(Invite, invite_id)
    if invite is None:
        return None
    invite.revoked = True
    session.add(invite)
    await session.flush()
    return invite
