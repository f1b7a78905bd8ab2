"""Moving a test database between schema revisions, and comparing the head with the models."""

from __future__ import annotations

from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import SQLModel

from storage.db import _alembic_config


async def upgrade(connection: AsyncConnection, revision: str) -> None:
    """Migrate the database up to ``revision`` ("heads" for the newest schema)."""
    await connection.run_sync(lambda sync: command.upgrade(_alembic_config(sync), revision))


async def downgrade(connection: AsyncConnection, revision: str) -> None:
    """Migrate the database down to ``revision``."""
    await connection.run_sync(lambda sync: command.downgrade(_alembic_config(sync), revision))


async def differences_from_models(connection: AsyncConnection) -> list[Any]:
    """Return how the database's tables and indexes differ from storage/models.py."""
    return await connection.run_sync(
        lambda sync: compare_metadata(MigrationContext.configure(sync), SQLModel.metadata)
    )
