"""How many SQL statements and commits a judge's typed score costs, counted and printed.

A typed score is a stored wait (``handlers.judging_scoring``): the message is read, checked
and written in the one transaction that reads the person and their wait.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

from config.services import services_of
from tests.delivery.world import add_unit
from tests.flows.test_judging import DURING_REVIEW, case, invite
from tests.flows.test_statements import statements


@contextmanager
def commits(harness) -> Iterator[list[int]]:
    """Count the commits the bot makes meanwhile (the inbox's own included)."""
    seen: list[int] = []
    engine = services_of(harness.app).engine.sync_engine

    def count(_conn) -> None:
        seen.append(1)

    event.listen(engine, "commit", count)
    try:
        yield seen
    finally:
        event.remove(engine, "commit", count)


async def test_a_typed_score_is_one_unit_of_work(harness):
    harness.at(DURING_REVIEW)
    await add_unit(harness, party_org="甲局", contacts=[4001], cases=[case("甲一")])
    code = await invite(harness)
    judge = harness.user(5001)
    await judge.send(f"/start {code}")
    await judge.send("/judge")
    await judge.press("📝 去评分")
    await judge.press("📝 开始评分")
    with statements(harness) as seen, commits(harness) as committed:
        await judge.send("85")
    assert "评语" in judge.last_reply.text
    print(f"\njudge, one typed score: {len(seen)} statements, {len(committed)} commits {seen}")
    with statements(harness) as typed, commits(harness) as comment_commits:
        await judge.send("思路清晰")
    assert "请核对评分" in judge.last_reply.text
    print(f"judge, a typed comment: {len(typed)} statements, {len(comment_commits)} commits")
    # The inbox's two commits (stored; done) and the one of the score itself.
    assert len(committed) == 3 and len(comment_commits) == 3
    assert seen.count("UPDATE") == 1  # the score row (asking the comment next)
    assert len(seen) <= 12  # main before this change: 13 statements, 4 commits (comment: 6)
