"""How many SQL statements an organizer's action costs, counted and printed.

/status reads totals and one page in SQL: its count must not grow with the number of units.
"""

from __future__ import annotations

from sqlalchemy import insert
from sqlmodel import select

from storage.db import transaction
from storage.models import Person, Unit
from tests.delivery.world import CaseSpec, add_unit, services, worker
from tests.flows.test_statements import statements


async def _seed(harness, count: int, start: int) -> None:
    now = harness.clock.now()
    async with transaction(services(harness).sessions) as session:
        connection = await session.connection()
        await connection.execute(
            insert(Unit),
            [
                {"party_org": f"第{n}号单位", "registered": True, "created_at": now,
                 "extra": {}, "status": "active"}
                for n in range(start, start + count)
            ],
        )  # fmt: skip
        ids = (await session.exec(select(Unit.id).where(Unit.party_org.like("第%")))).all()
        known = set((await session.exec(select(Person.unit_id))).all())
        await connection.execute(
            insert(Person),
            [{"unit_id": i, "created_at": now, "extra": {}} for i in ids if i not in known],
        )


async def test_status_costs_the_same_for_fifty_and_five_thousand_units(harness):
    await add_unit(harness, party_org="有案例的单位", contacts=[4601], cases=[CaseSpec()])
    organizer = harness.organizer()
    await organizer.send("/start")  # the organizer's person and account exist
    counts = []
    for size, start in ((50, 0), (4950, 50)):
        await _seed(harness, size, start)
        with statements(harness) as seen:
            await organizer.send("/status")
        counts.append(len(seen))
        with statements(harness) as page:
            await organizer.press("下一页 ➡️", organizer.last_reply)
        print(f"\n/status with {start + size + 1} units: {len(seen)} statements {seen}")
        print(f"next page: {len(page)} statements")
    assert counts[0] == counts[1]


async def test_statements_per_organizer_action_are_printed(harness):
    await add_unit(harness, contacts=[4701, 4702], cases=[CaseSpec(submitted=True)])
    organizer = harness.organizer()
    await organizer.send("/start")
    steps = [
        ("/organizer", lambda: organizer.send("/organizer")),
        ("/broadcast", lambda: organizer.send("/broadcast")),
        ("the notice's text", lambda: organizer.send("请按时提交。")),
        ("audience: everyone", lambda: organizer.press("👥 全体用户")),
        ("confirm sending", lambda: organizer.press("✅ 确认发送")),
        ("/invite", lambda: organizer.send("/invite")),
        ("an organizer code", lambda: organizer.press("🛠 组织者邀请码")),
        ("/organizer again", lambda: organizer.send("/organizer")),
        ("results: stages", lambda: organizer.press("🏅 晋级名单")),
        ("results: a stage", lambda: organizer.press("文本评审")),
    ]
    lines = []
    for name, step in steps:
        with statements(harness) as seen:
            await step()
        await worker(harness).drain()  # the worker's own statements are not the action's
        lines.append(f"{name}: {len(seen)}")
        assert len(seen) <= 20, (name, seen)
    print("\nSQL statements per organizer action: " + "; ".join(lines))
