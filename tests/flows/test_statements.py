"""How many SQL statements one typed form answer costs, counted and printed.

The target of the application layer: one read of the person (with their account), one of
their waiting form, and one write of the form's state; a case form also reads the case (its
gate) and writes the draft.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

from config.services import services_of
from tests.flows.test_cases import registered, start_case
from tests.flows.test_registration import make_invite


@contextmanager
def statements(harness) -> Iterator[list[str]]:
    """Collect the SQL statements the bot runs meanwhile."""
    seen: list[str] = []
    engine = services_of(harness.app).engine.sync_engine

    def count(_conn, _cursor, statement, *_args) -> None:
        if "inbox_update" in statement:
            return  # the inbox's own three (store, applied with the effect, done): per update
        seen.append(statement.split()[0].upper())

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


async def test_a_typed_answer_in_the_unit_form_reads_twice_and_writes_once(harness):
    code = await make_invite(harness)
    user = harness.user(1001)
    await user.send(f"/start {code}")
    with statements(harness) as seen:
        await user.send("中共深圳市某某局机关委员会")
    assert "第 2/3 项" in user.last_reply.text
    print(f"\nunit form, one typed answer: {len(seen)} statements {seen}")
    assert seen == ["SELECT", "SELECT", "UPDATE"]


async def test_a_typed_answer_in_the_case_form_is_one_unit_of_work(harness):
    user, _unit_id = await registered(harness)
    await start_case(user)
    await user.press("发展提质")
    with statements(harness) as seen:
        await user.send("一网通办再提速 政务服务更贴心")
    assert "牵头人姓名" in user.last_reply.text
    print(f"\ncase form, one typed answer: {len(seen)} statements {seen}")
    assert seen.count("UPDATE") == 2  # the form's state and the case's draft
    assert len(seen) <= 9
