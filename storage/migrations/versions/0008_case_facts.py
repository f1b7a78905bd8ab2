"""a case's 字数 and completeness, stored when it changes

Revision ID: 0008
Revises: 0007 (written on 0005; re-chained at merge)
Create Date: 2026-12-02

The counts depend on the contest file (which fields count, which are required), which a
migration does not read: the columns start empty (``counted_for`` = "") and the bot fills
them at its next start, beside polling (``storage.case_facts.refresh_facts``), as it does
whenever the contest's case form changes.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0008"
down_revision: str | tuple[str, ...] | None = "0007"  # written on 0005; chained at merge
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("contest_case", schema=None) as batch_op:
        batch_op.add_column(sa.Column("words", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("filled", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("required", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "counted_for",
                sqlmodel.sql.sqltypes.AutoString(),
                nullable=False,
                server_default="",
            )  # fmt: skip
        )
        batch_op.create_index(batch_op.f("ix_contest_case_counted_for"), ["counted_for"])


def downgrade() -> None:
    with op.batch_alter_table("contest_case", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contest_case_counted_for"))
        batch_op.drop_column("counted_for")
        batch_op.drop_column("required")
        batch_op.drop_column("filled")
        batch_op.drop_column("words")
