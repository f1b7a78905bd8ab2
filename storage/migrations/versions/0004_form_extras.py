"""extra form fields: a JSON column on unit, person and team member

Revision ID: 0004
Revises: 0002
Create Date: 2026-12-01

The unit, contact and member forms may ask fields the code has no column for (whatever a
contest file adds); their values are kept here, by field key.

Plain ALTER TABLE, no batch rebuild: SQLite adds a column with a constant default and
(from 3.35) drops one in place, so the rows that point at these tables never stand in the way.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("unit", "person", "teammember")


def upgrade() -> None:
    for table in TABLES:
        op.add_column(
            table, sa.Column("extra", sa.JSON(), nullable=False, server_default=sa.text("'{}'"))
        )


def downgrade() -> None:
    for table in TABLES:
        op.drop_column(table, "extra")
