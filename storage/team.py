"""Queries on a case's project team (项目团队): its members, their slots and the lead.

The active rows of a case are its team. A slot is a place in the team: replacing the person
in it deactivates their row and adds a new one with the same slot, the lead flag and the
count of replacements made after submission. Removing a member deactivates the row.
What may change is decided by :mod:`contest.team`; these functions only store it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from contest.extras import FIXED
from contest.team import Member
from storage.models import Case, TeamMember


@dataclass(frozen=True)
class MemberDetails:
    """What the member form gives for one person."""

    name: str
    title: str = ""
    office_phone: str = ""
    mobile: str = ""
    employment: str = ""
    contract_start: date | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # fields the contest file adds

    @classmethod
    def from_values(cls, values: Mapping[str, object]) -> MemberDetails:
        """Read the member form's result (a contract start only counts for 聘用)."""

        def text(key: str) -> str:
            value = values.get(key)
            return value if isinstance(value, str) else ""

        start = text("contract_start") if text("employment") == "contract" else ""
        return cls(
            name=text("name"),
            title=text("title"),
            office_phone=text("office_phone"),
            mobile=text("mobile"),
            employment=text("employment"),
            contract_start=date.fromisoformat(start) if start else None,
            extra={
                key: value
                for key, value in values.items()
                if key not in FIXED["member"] and value not in (None, "", [])
            },
        )

    def member(self, *, is_lead: bool = False) -> Member:
        """Return the person as the team rules see them."""
        employment = "contract" if self.employment == "contract" else "staff"
        return Member(
            name=self.name,
            employment=employment,
            contract_start=self.contract_start,
            is_lead=is_lead,
        )


def form_values(row: TeamMember) -> dict[str, object]:
    """Return a member's details as the member form's values (for editing)."""
    values: dict[str, object] = {
        **(row.extra or {}),
        "name": row.name,
        "title": row.title,
        "office_phone": row.office_phone,
        "mobile": row.mobile,
        "employment": row.employment,
    }
    if row.contract_start is not None:
        values["contract_start"] = row.contract_start.isoformat()
    return {key: value for key, value in values.items() if value}


def domain_members(rows: Sequence[TeamMember]) -> list[Member]:
    """Return the rows as the team rules see them."""
    return [
        Member(
            name=row.name,
            employment="contract" if row.employment == "contract" else "staff",
            contract_start=row.contract_start,
            is_lead=row.is_lead,
            slot=row.slot,
            replaced=row.replaced,
            pending=tuple(row.pending or ()),
        )
        for row in rows
    ]


async def team_case(session: AsyncSession, *, case_id: int) -> Case | None:
    """Return the case a team belongs to, if it exists."""
    return await session.get(Case, case_id)


async def list_members(session: AsyncSession, *, case_id: int) -> list[TeamMember]:
    """Return the case's current team, by slot."""
    query = (
        select(TeamMember)
        .where(TeamMember.case_id == case_id, TeamMember.active == True)  # noqa: E712
        .order_by(col(TeamMember.slot), col(TeamMember.id))
    )
    return list((await session.exec(query)).all())


async def lead_of(session: AsyncSession, *, case_id: int) -> TeamMember | None:
    """Return the case's team lead (牵头人), if one is set."""
    query = select(TeamMember).where(
        TeamMember.case_id == case_id,
        TeamMember.active == True,  # noqa: E712
        TeamMember.is_lead == True,  # noqa: E712
    )
    return (await session.exec(query.order_by(col(TeamMember.slot)))).first()


async def get_member(session: AsyncSession, *, member_id: int) -> TeamMember | None:
    """Return the member row with this id (active or not), if any."""
    return await session.get(TeamMember, member_id)


def _fill(row: TeamMember, details: MemberDetails) -> None:
    row.name = details.name
    row.title = details.title
    row.office_phone = details.office_phone
    row.mobile = details.mobile
    row.employment = details.employment
    row.contract_start = details.contract_start
    row.extra = dict(details.extra)
    row.pending = []  # the member form asks every field it requires


async def add_member(
    session: AsyncSession,
    *,
    case_id: int,
    slot: int,
    details: MemberDetails,
    is_lead: bool,
    now: datetime,
) -> TeamMember:
    """Add a person to the team in ``slot``."""
    row = TeamMember(case_id=case_id, slot=slot, is_lead=is_lead, created_at=now)
    _fill(row, details)
    session.add(row)
    await session.flush()
    return row


async def update_member(
    session: AsyncSession, *, member_id: int, details: MemberDetails
) -> TeamMember | None:
    """Correct a member's details in place."""
    row = await session.get(TeamMember, member_id)
    if row is None:
        return None
    _fill(row, details)
    session.add(row)
    await session.flush()
    return row


async def replace_member(
    session: AsyncSession,
    *,
    member_id: int,
    details: MemberDetails,
    replaced: int,
    now: datetime,
) -> TeamMember | None:
    """Put another person in a member's slot; ``replaced`` is the slot's new count."""
    old = await session.get(TeamMember, member_id)
    if old is None:
        return None
    old.active = False
    session.add(old)
    row = TeamMember(
        case_id=old.case_id, slot=old.slot, is_lead=old.is_lead, replaced=replaced, created_at=now
    )
    _fill(row, details)
    session.add(row)
    await session.flush()
    return row


async def remove_member(session: AsyncSession, *, member_id: int) -> TeamMember | None:
    """Take a member off the team (the row is kept, inactive)."""
    row = await session.get(TeamMember, member_id)
    if row is None:
        return None
    row.active = False
    session.add(row)
    await session.flush()
    return row


async def set_lead(session: AsyncSession, *, case_id: int, member_id: int) -> None:
    """Make one member the team lead and every other member not."""
    for row in await list_members(session, case_id=case_id):
        row.is_lead = row.id == member_id
        session.add(row)
    await session.flush()
