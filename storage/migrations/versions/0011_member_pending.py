"""a team member's fields still to complete (待补充)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02

A team lead taken from the case document's 牵头人 fields may lack fields the member form
requires; they are kept as a JSON list of member-form keys until the contact completes
them. Existing members are complete: an empty list.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | tuple[str, ...] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("teammember", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("pending", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
        )


def downgrade() -> None:
    with op.batch_alter_table("teammember", schema=None) as batch_op:
        batch_op.drop_column("pending")
