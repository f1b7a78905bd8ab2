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


async def test_team_actions_are_counted(harness):
    """Print the statements of each team action; each runs in one unit of work."""
    from tests.flows.test_team import contact_with_case, put_members, show_case_card

    user, _, case_id = await contact_with_case(harness)
    await put_members(harness, case_id, "甲一", "乙二")
    figures: dict[str, int] = {}
    with statements(harness) as seen:
        await show_case_card(harness, user, case_id)
    figures["team view"] = len(seen)
    with statements(harness) as seen:
        await user.press("👤 2. 乙二")
    figures["member card"] = len(seen)
    with statements(harness) as seen:
        await user.press("⭐ 设为牵头队员")
    figures["set the lead"] = len(seen)
    assert "已将乙二设为牵头队员" in user.last_reply.text
    with statements(harness) as seen:
        await user.press("➕ 添加队员")
    figures["open the add form"] = len(seen)
    with statements(harness) as seen:
        await user.send("丙三")
    figures["one typed answer (member form)"] = len(seen)
    for step in ("科员",):
        await user.send(step)
    await user.press("跳过")
    await user.press("跳过")
    await user.press("在编")
    with statements(harness) as seen:
        await user.press("✅ 确认")
    figures["confirm the added member"] = len(seen)
    assert "已添加队员：丙三" in user.last_reply.text
    await user.press("👤 3. 丙三")
    await user.press("🗑 移出团队")
    with statements(harness) as seen:
        await user.press("🗑 确认移出")
    figures["remove a member"] = len(seen)
    assert "已将丙三移出团队" in user.last_reply.text
    print("\nteam actions, SQL statements: " + ", ".join(f"{k} {n}" for k, n in figures.items()))
    assert all(n <= 16 for n in figures.values()), figures
