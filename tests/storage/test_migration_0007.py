"""Migration 0007 (the inbox, outbox leases, the shared pace) from the 0006 schema."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import inspect, text

from storage.db import _alembic_config, create_engine
from tests.db import database_url, wipe
from tests.storage.migrating import differences_from_models, downgrade, upgrade

pytestmark = pytest.mark.database


async def test_upgrade_from_0006_keeps_outbox_rows_and_matches_the_models(tmp_path):
    url = database_url(tmp_path)
    await wipe(url)
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(lambda c: command.upgrade(_alembic_config(c), "0006"))
            await connection.execute(
                text(
                    "INSERT INTO person (id, display_name, name, title, office_phone, mobile, "
                    "profile_done, is_organizer, reminders_muted, unreachable, created_at) "
                    "VALUES (1, '', '', '', '', '', false, false, false, false, CURRENT_TIMESTAMP)"
                )
            )
            await connection.execute(
                text(
                    "INSERT INTO account (id, person_id, channel, external_id, chat_id, "
                    "created_at) VALUES (1, 1, 'telegram', '5', '5', CURRENT_TIMESTAMP)"
                )
            )
            await connection.execute(
                text(
                    "INSERT INTO outboxmessage (dedupe_key, person_id, account_id, kind, text, "
                    "status, attempts, due_at, error, created_at) VALUES ('k', 1, 1, 'notice', "
                    "'t', 'pending', 0, CURRENT_TIMESTAMP, '', CURRENT_TIMESTAMP)"
                )
            )
        async with engine.begin() as connection:
            await connection.run_sync(lambda c: command.upgrade(_alembic_config(c), "0007"))
            tables = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
            leased = (
                await connection.execute(text("SELECT leased_until FROM outboxmessage"))
            ).all()
        assert leased == [(None,)] and {"inbox_update", "pace_bucket"} <= tables
        async with engine.begin() as connection:
            await upgrade(connection, "heads")
            diff = await differences_from_models(connection)
        assert diff == []  # the newest schema's tables and indexes are those of storage/models.py
        async with engine.begin() as connection:
            await downgrade(connection, "0007")
        async with engine.begin() as connection:
            await connection.run_sync(lambda c: command.downgrade(_alembic_config(c), "0006"))
            tables = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
        assert "inbox_update" not in tables
    finally:
        await engine.dispose()
