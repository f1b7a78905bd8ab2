"""Migration 0005 (wrong codes, erasure requests) from the 0002 schema, data kept."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlmodel import SQLModel

from storage.db import _alembic_config, create_engine
from tests.db import database_url, wipe

pytestmark = pytest.mark.database


async def test_upgrade_from_0002_keeps_rows_and_matches_the_models(tmp_path):
    url = database_url(tmp_path)
    await wipe(url)
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(lambda c: command.upgrade(_alembic_config(c), "0002"))
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
            await connection.run_sync(lambda c: command.upgrade(_alembic_config(c), "0005"))
            tables = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
            count = (await connection.execute(text("SELECT count(*) FROM account"))).scalar_one()
            # Later migrations change tables too: the models are compared with the head.
            await connection.run_sync(lambda c: command.upgrade(_alembic_config(c), "head"))
            diff = await connection.run_sync(
                lambda c: compare_metadata(MigrationContext.configure(c), SQLModel.metadata)
            )
        assert count == 1 and {"code_failure", "erasure_request"} <= tables
        assert diff == []  # the tables and indexes are those of storage/models.py
        async with engine.begin() as connection:
            await connection.run_sync(lambda c: command.downgrade(_alembic_config(c), "0002"))
    finally:
        await engine.dispose()
