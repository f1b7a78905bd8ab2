"""Migration 0006 (member forms in progress under one key per task) from the 0005 schema."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from storage.db import create_engine
from tests.db import database_url, wipe
from tests.storage.migrating import downgrade, upgrade

pytestmark = pytest.mark.database

ROWS = [(1, "member", 7 * 4 + 0), (2, "member", 7 * 4 + 1), (3, "member", 12 * 4 + 2),
        (4, "member", 13 * 4 + 3), (5, "case", 9)]  # fmt: skip


async def test_packed_member_subjects_become_form_keys_and_back(tmp_path):
    url = database_url(tmp_path)
    await wipe(url)
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await upgrade(connection, "0005")
            await connection.execute(
                text(
                    "INSERT INTO person (id, display_name, name, title, office_phone, mobile, "
                    "profile_done, is_organizer, reminders_muted, unreachable, created_at) "
                    "VALUES (1, '', '', '', '', '', false, false, false, false, CURRENT_TIMESTAMP)"
                )
            )
            for row_id, key, subject in ROWS:
                await connection.execute(
                    text(
                        "INSERT INTO formprogress (id, person_id, form_key, subject_id, state, "
                        "active, updated_at) VALUES (:id, 1, :key, :subject, '{}', false, "
                        "CURRENT_TIMESTAMP)"
                    ),
                    {"id": row_id, "key": key, "subject": subject},
                )
        query = text("SELECT id, form_key, subject_id FROM formprogress ORDER BY id")
        async with engine.begin() as connection:
            await upgrade(connection, "0006")
            rows = [tuple(r) for r in (await connection.execute(query)).all()]
        assert rows == [
            (1, "member.add", 7),
            (2, "member.add_lead", 7),
            (3, "member.edit", 12),
            (4, "member.replace", 13),
            (5, "case", 9),
        ]
        async with engine.begin() as connection:
            await downgrade(connection, "0005")
            rows = [tuple(r) for r in (await connection.execute(query)).all()]
        assert rows == ROWS
    finally:
        await engine.dispose()
