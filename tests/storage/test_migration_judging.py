"""Migration 0009 (judges, assignments, scores, judged rounds, awards) from the 0008 schema."""

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

TABLES = {"judge", "judge_assignment", "judge_score", "judging_round", "award"}


async def test_upgrade_from_0008_keeps_rows_and_matches_the_models_then_goes_back(tmp_path):
    url = database_url(tmp_path)
    await wipe(url)
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(lambda c: command.upgrade(_alembic_config(c), "0008"))
            await connection.execute(
                text(
                    "INSERT INTO person (id, display_name, name, title, office_phone, mobile, "
                    "profile_done, is_organizer, reminders_muted, unreachable, created_at, extra) "
                    "VALUES (1, '', '', '', '', '', false, true, false, false, "
                    "CURRENT_TIMESTAMP, '{}')"
                )
            )
        async with engine.begin() as connection:
            await connection.run_sync(
                lambda c: command.upgrade(_alembic_config(c), "heads")
            )  # the models are the newest schema
            tables = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
            count = (await connection.execute(text("SELECT count(*) FROM person"))).scalar_one()
            diff = await connection.run_sync(
                lambda c: compare_metadata(MigrationContext.configure(c), SQLModel.metadata)
            )
        assert count == 1 and TABLES <= tables
        assert diff == []  # the tables and indexes are those of storage/models.py
        async with engine.begin() as connection:
            await connection.run_sync(lambda c: command.downgrade(_alembic_config(c), "0008"))
            tables = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
            count = (await connection.execute(text("SELECT count(*) FROM person"))).scalar_one()
        assert count == 1 and not TABLES & tables
    finally:
        await engine.dispose()
