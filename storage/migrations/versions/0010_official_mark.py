"""a case's mark that it was submitted in the organizer's own system (已在官网提交)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02

Where the bot is a drafting aid (``official_system.bot_is_official = false``), the contact
marks a submitted case once it is submitted in the official system too: when, and by whom.
Existing cases start unmarked.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models

revision: str = "0010"
down_revision: str | tuple[str, ...] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("contest_case", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("official_at", storage.models.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("official_by", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_contest_case_official_by_person", "person", ["official_by"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("contest_case", schema=None) as batch_op:
        batch_op.drop_constraint("fk_contest_case_official_by_person", type_="foreignkey")
        batch_op.drop_column("official_by")
        batch_op.drop_column("official_at")
