"""Rows for delivery, reminder and organizer tests, written straight into the database.

The registration, team and case flows belong to other modules; these tests only need their
rows (units, contact persons, cases, team members, advancement marks), so they write them
directly, as those flows would have left them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import insert
from sqlmodel import col, select

from config.services import services_of
from delivery import worker_of
from delivery.worker import DeliveryWorker
from storage.case_facts import count
from storage.db import transaction
from storage.models import Account, Advancement, Case, CaseStatus, Person, TeamMember, Unit
from tests.db import telegram_account
from tests.harness import Harness

COMPLETE: dict[str, Any] = {
    "category": "development",
    "recommending_unit": "深圳市某某局",
    "title": "一网通办再提速 政务服务更贴心",
    "lead_name": "李四",
    "lead_title": "二级主任科员",
    "lead_office_phone": "0755-88134324",
    "lead_mobile": "13800138000",
    "contact_name": "张三",
    "contact_title": "办公室副主任",
    "contact_office_phone": "0755-88134325",
    "contact_mobile": "13800138001",
    "background": "面对群众办事多头跑的问题，我们从流程再造入手，推动政务服务提速增效。",
    "innovations": ["流程再造，一窗受理", "数据共享，免交材料", "党员先锋岗，全程帮办"],
    "results": ["办理时限压缩一半", "群众满意度明显提升", "做法在全市推开"],
    "reentered": False,
}


@dataclass
class CaseSpec:
    """A case to write: its values, status, team and advancement marks."""

    values: dict[str, Any] = field(default_factory=lambda: dict(COMPLETE))
    submitted: bool = False
    lead: bool = True  # a staff lead on the team
    advancing_at: tuple[str, ...] = ()
    official: bool = False  # submitted: also marked as submitted in the official system


@dataclass
class Made:
    """What was written: ids to assert on."""

    unit_id: int
    person_ids: list[int]
    case_ids: list[int]


def services(harness: Harness) -> Any:
    """Return the running bot's services."""
    assert harness.app is not None
    return services_of(harness.app)


def worker(harness: Harness) -> DeliveryWorker:
    """Return the running bot's delivery worker."""
    return worker_of(services(harness))


async def add_unit(
    harness: Harness,
    *,
    party_org: str = "中共深圳市某某局机关委员会",
    submitter_key: str = "city",
    contacts: Iterable[int] = (),
    cases: Iterable[CaseSpec] = (),
    registered: bool = True,
    muted: Iterable[int] = (),
) -> Made:
    """Write a unit with contact persons (Telegram ids) and cases; tell the sandbox."""
    now = harness.clock.now()
    muted = set(muted)
    async with transaction(services(harness).sessions) as session:
        unit = Unit(
            party_org=party_org,
            recommending_unit=party_org,
            submitter_key=submitter_key,
            registered=registered,
            created_at=now,
        )
        session.add(unit)
        await session.flush()
        people = []
        for telegram_id in contacts:
            person = Person(
                display_name=f"用户{telegram_id}",
                name=f"联系人{telegram_id}",
                unit_id=unit.id,
                profile_done=True,
                reminders_muted=telegram_id in muted,
                created_at=now,
            )
            session.add(person)
            await session.flush()
            session.add(telegram_account(person.id or 0, telegram_id, created_at=now))
            people.append(person)
            harness.server.state.ensure_user(telegram_id)
        case_ids = []
        for spec in cases:
            status = CaseStatus.SUBMITTED if spec.submitted else CaseStatus.DRAFT
            case = Case(
                unit_id=unit.id or 0,
                status=status,
                values=spec.values,
                evidence={},
                ever_submitted=spec.submitted,
                submitted_at=now if spec.submitted else None,
                official_at=now if spec.submitted and spec.official else None,
                created_at=now,
                updated_at=now,
            )
            count(services_of(harness.app).contest, case, now)  # as every case write does
            session.add(case)
            await session.flush()
            case_ids.append(case.id or 0)
            if spec.lead:
                session.add(
                    TeamMember(
                        case_id=case.id or 0,
                        slot=1,
                        name="李四",
                        employment="staff",
                        is_lead=True,
                        created_at=now,
                    )  # fmt: skip
                )
            for stage_key in spec.advancing_at:
                session.add(Advancement(case_id=case.id or 0, stage_key=stage_key, created_at=now))
        await session.flush()
        return Made(unit.id or 0, [p.id or 0 for p in people], case_ids)


async def add_people(harness: Harness, telegram_ids: Iterable[int]) -> None:
    """Write many people without a unit at once (bulk), and tell the sandbox they exist."""
    now = harness.clock.now()
    telegram_ids = list(telegram_ids)
    rows = [
        {
            "display_name": f"用户{uid}",
            "unit_id": None,
            "name": "",
            "title": "",
            "office_phone": "",
            "mobile": "",
            "profile_done": False,
            "is_organizer": False,
            "reminders_muted": False,
            "unreachable": False,
            "created_at": now,
        }  # fmt: skip
        for uid in telegram_ids
    ]
    async with transaction(services(harness).sessions) as session:
        await session.exec(insert(Person), params=rows)
        newest = select(Person.id).order_by(col(Person.id).desc()).limit(len(rows))
        ids = list((await session.exec(newest)).all())[::-1]
        accounts = [
            {"person_id": pid, "channel": "telegram", "external_id": str(uid),
             "chat_id": str(uid), "created_at": now}
            for pid, uid in zip(ids, telegram_ids, strict=True)
        ]  # fmt: skip
        await session.exec(insert(Account), params=accounts)
    for uid in telegram_ids:
        harness.server.state.ensure_user(uid)


def bot_texts(harness: Harness, chat_id: int) -> list[str]:
    """Return the texts (or captions) of the bot's messages in one sandbox chat."""
    chat = harness.server.state.chats.get(chat_id)
    if chat is None:
        return []
    return [
        m.text or m.caption or "" for m in chat.messages.values() if m.from_bot and not m.deleted
    ]


def day(text: str) -> date:
    """Return a date from "2024-07-01"."""
    return date.fromisoformat(text)
