"""Migration 0010 (the 已在官网提交 mark on a case) from the 0009 schema."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import text

from storage.db import _alembic_config, create_engine
from tests.db import database_url, wipe
from tests.storage.migrating import differences_from_models, downgrade, upgrade

pytestmark = pytest.mark.database


async def test_upgrade_from_0009_keeps_cases_unmarked_and_matches_the_models(tmp_path):
    url = database_url(tmp_path)
    await wipe(url)
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(lambda c: command.upgrade(_alembic_config(c), "0009"))
            await connection.execute(
                text(
                    "INSERT INTO unit (id, party_org, recommending_unit, submitter_key, status, "
                    "registered, extra, created_at) VALUES (1, 'p', 'r', '', 'active', true, "
                    "'{}', CURRENT_TIMESTAMP)"
                )
            )
            await connection.execute(
                text(
                    "INSERT INTO contest_case (id, unit_id, status, \"values\", evidence, "
                    "ever_submitted, submitted_at, created_at, updated_at, counted_for) VALUES "
                    "(1, 1, 'submitted', '{}', '{}', true, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, "
                    "CURRENT_TIMESTAMP, '')"
                )
            )
        async with engine.begin() as connection:
            await connection.run_sync(lambda c: command.upgrade(_alembic_config(c), "0010"))
            marks = (
                await connection.execute(text("SELECT official_at, official_by FROM contest_case"))
            ).all()
        assert marks == [(None, None)]
        async with engine.begin() as connection:
            await upgrade(connection, "heads")
            diff = await differences_from_models(connection)
        assert diff == []  # the newest schema's tables and indexes are those of storage/models.py
        async with engine.begin() as connection:
            await downgrade(connection, "0010")
        async with engine.begin() as connection:
            await connection.run_sync(lambda c: command.downgrade(_alembic_config(c), "0009"))
            columns = list((await connection.execute(text("SELECT * FROM contest_case"))).keys())
        assert "official_at" not in columns and "official_by" not in columns
    finally:
        await engine.dispose()
