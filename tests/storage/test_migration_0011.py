"""Migration 0011 (a team member's fields still to complete, 待补充) from the 0010 schema."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import text

from storage.db import _alembic_config, create_engine
from tests.db import database_url, wipe
from tests.storage.migrating import differences_from_models, downgrade, upgrade

pytestmark = pytest.mark.database


async def test_upgrade_from_0010_leaves_members_complete_and_matches_the_models(tmp_path):
    url = database_url(tmp_path)
    await wipe(url)
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(lambda c: command.upgrade(_alembic_config(c), "0010"))
            await connection.execute(
                text(
                    "INSERT INTO unit (id, party_org, recommending_unit, submitter_key, status, "
                    "registered, extra, created_at) VALUES (1, 'p', 'r', '', 'active', true, "
                    "'{}', CURRENT_TIMESTAMP)"
                )
            )
            await connection.execute(
                text(
                    'INSERT INTO contest_case (id, unit_id, status, "values", evidence, '
                    "ever_submitted, created_at, updated_at, counted_for) VALUES "
                    "(1, 1, 'draft', '{}', '{}', false, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, "
                    "'')"
                )
            )
            await connection.execute(
                text(
                    "INSERT INTO teammember (id, case_id, slot, name, title, office_phone, "
                    "mobile, employment, is_lead, replaced, active, created_at, extra) VALUES "
                    "(1, 1, 1, '李四', '科员', '', '', 'staff', true, 0, true, "
                    "CURRENT_TIMESTAMP, '{}')"
                )
            )
        async with engine.begin() as connection:
            await connection.run_sync(lambda c: command.upgrade(_alembic_config(c), "0011"))
            pending = (await connection.execute(text("SELECT pending FROM teammember"))).all()
        assert [tuple(row) for row in pending] in ([([],)], [("[]",)])  # JSON: [] either way
        async with engine.begin() as connection:
            await upgrade(connection, "heads")
            diff = await differences_from_models(connection)
        assert diff == []  # the newest schema's tables and indexes are those of storage/models.py
        async with engine.begin() as connection:
            await downgrade(connection, "0011")
        async with engine.begin() as connection:
            await connection.run_sync(lambda c: command.downgrade(_alembic_config(c), "0010"))
            columns = list((await connection.execute(text("SELECT * FROM teammember"))).keys())
        assert "pending" not in columns and "name" in columns
    finally:
        await engine.dispose()
