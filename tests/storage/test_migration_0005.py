"""Migration 0005 (wrong codes, erasure requests) from the 0002 schema, data kept."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, text

from storage.db import create_engine
from tests.db import database_url, wipe
from tests.storage.migrating import differences_from_models, downgrade, upgrade

pytestmark = pytest.mark.database


async def test_upgrade_from_0002_keeps_rows_and_matches_the_models(tmp_path):
    url = database_url(tmp_path)
    await wipe(url)
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await upgrade(connection, "0002")
            await connection.execute(
                text(
                    "INSERT INTO person (id, display_name, name, title, office_phone, mobile, "
                    "profile_done, is_organizer, reminders_muted, unreachable, created_at) "
                    "VALUES (1, '', '', '', '', '', false, false, false, false, CURRENT_TIMESTAMP)"
                )
            )
            await connection.execute(
                text(
                    "INSERT INTO account (person_id, channel, external_id, chat_id, created_at) "
                    "VALUES (1, 'telegram', '5', '5', CURRENT_TIMESTAMP)"
                )
            )
        async with engine.begin() as connection:
            await upgrade(connection, "0005")
            tables = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
            count = (await connection.execute(text("SELECT count(*) FROM account"))).scalar_one()
        assert count == 1 and {"code_failure", "erasure_request"} <= tables
        async with engine.begin() as connection:
            await upgrade(connection, "heads")
            diff = await differences_from_models(connection)
        assert diff == []  # the newest schema's tables and indexes are those of storage/models.py
        async with engine.begin() as connection:
            await downgrade(connection, "0002")
    finally:
        await engine.dispose()
