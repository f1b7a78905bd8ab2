"""The migration heads read without alembic are alembic's own, and migrating twice is a no-op."""

from __future__ import annotations

import sys

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory

from storage.db import MIGRATIONS, create_engine, current_heads, migrate, shipped_heads
from tests.db import database_url, wipe

pytestmark = pytest.mark.database


def test_the_heads_read_from_the_files_are_alembics():
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    assert shipped_heads() == set(ScriptDirectory.from_config(config).get_heads())


async def test_a_database_at_the_head_is_not_migrated_again(tmp_path, monkeypatch):
    url = database_url(tmp_path)
    await wipe(url)
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            assert await connection.run_sync(current_heads) == set()
        await migrate(engine)
        async with engine.connect() as connection:
            assert await connection.run_sync(current_heads) == shipped_heads()
        monkeypatch.setitem(sys.modules, "alembic", None)  # importing alembic would fail now
        await migrate(engine)
    finally:
        await engine.dispose()
