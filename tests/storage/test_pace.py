"""The pace buckets in PostgreSQL: the overall bucket's grants, a chat's one token."""

from __future__ import annotations

import pytest

from storage.db import create_engine, migrate, session_factory, transaction
from storage.pace import chat_waits, spend_chat, take_tokens
from tests.db import POSTGRES_URL, database_url, wipe

pytestmark = [
    pytest.mark.database,
    pytest.mark.skipif(not POSTGRES_URL, reason="the shared buckets live in PostgreSQL"),
]


@pytest.fixture
async def sessions(tmp_path):
    url = database_url(tmp_path)
    await wipe(url)
    engine = create_engine(url)
    await migrate(engine)
    yield session_factory(engine)
    await engine.dispose()


async def test_the_bucket_grants_its_burst_then_says_how_long_to_wait(sessions):
    async with transaction(sessions) as session:
        first = await take_tokens(session, name="t", rate=2.0, burst=5.0, want=5)
    async with transaction(sessions) as session:
        second = await take_tokens(session, name="t", rate=2.0, burst=5.0, want=5)
    assert (first.tokens, first.wait) == (5, 0.0)  # a new bucket starts full
    assert second.at >= first.at  # the database server's clock
    # The refill since the first grant is less than a token unless half a second went by.
    assert second.tokens == int(min(5.0, (second.at - first.at) * 2.0))
    if second.tokens == 0:
        assert 0 < second.wait <= 0.5


async def test_a_chat_waits_after_a_send_and_the_others_do_not(sessions):
    async with transaction(sessions) as session:
        assert await chat_waits(session, account_ids=[1, 2], rate=1.0) == {}  # never sent to
        await spend_chat(session, account_id=1)
    async with transaction(sessions) as session:
        waits = await chat_waits(session, account_ids=[1, 2], rate=0.001)  # 1,000 s apart
        await spend_chat(session, account_id=1)  # spent again: the wait starts over
        again = await chat_waits(session, account_ids=[1], rate=0.001)
    assert list(waits) == [1] and 999 < waits[1] <= 1000
    assert 999 < again[1] <= 1000  # the whole interval again (by the server's clock on PostgreSQL)
