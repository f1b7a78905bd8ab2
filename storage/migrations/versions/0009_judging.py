"""judges, their assignments and scores, judged rounds and awards

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.models

revision: str = "0009"
down_revision: str | tuple[str, ...] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "award",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("stage_key", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("tier", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=True),
        sa.Column("marked_by", sa.Integer(), nullable=True),
        sa.Column("created_at", storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["contest_case.id"],
        ),
        sa.ForeignKeyConstraint(
            ["marked_by"],
            ["person.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("case_id", "stage_key"),
    )
    op.create_index(op.f("ix_award_case_id"), "award", ["case_id"], unique=False)
    op.create_table(
        "judge",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("stage_key", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("invite_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("label", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("categories", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["person.id"],
        ),
        sa.ForeignKeyConstraint(
            ["invite_id"],
            ["invite.id"],
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["unit.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("invite_id"),
    )
    op.create_index(op.f("ix_judge_person_id"), "judge", ["person_id"], unique=False)
    op.create_index(op.f("ix_judge_stage_key"), "judge", ["stage_key"], unique=False)
    op.create_table(
        "judging_round",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("stage_key", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("live_case_id", sa.Integer(), nullable=True),
        sa.Column("opened", sa.JSON(), nullable=False),
        sa.Column("proposal", sa.JSON(), nullable=False),
        sa.Column("confirmed_at", storage.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("confirmed_by", sa.Integer(), nullable=True),
        sa.Column("updated_at", storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["confirmed_by"],
            ["person.id"],
        ),
        sa.ForeignKeyConstraint(
            ["live_case_id"],
            ["contest_case.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("stage_key"),
    )
    op.create_table(
        "judge_assignment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("judge_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("created_at", storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["contest_case.id"],
        ),
        sa.ForeignKeyConstraint(
            ["judge_id"],
            ["judge.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("judge_id", "case_id"),
    )
    op.create_index(
        op.f("ix_judge_assignment_case_id"), "judge_assignment", ["case_id"], unique=False
    )
    op.create_index(
        op.f("ix_judge_assignment_judge_id"), "judge_assignment", ["judge_id"], unique=False
    )
    op.create_table(
        "judge_score",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("judge_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("scores", sa.JSON(), nullable=False),
        sa.Column("comment", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("asking", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("confirmed_at", storage.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("updated_at", storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["contest_case.id"],
        ),
        sa.ForeignKeyConstraint(
            ["judge_id"],
            ["judge.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("judge_id", "case_id"),
    )
    op.create_index(op.f("ix_judge_score_case_id"), "judge_score", ["case_id"], unique=False)
    op.create_index(op.f("ix_judge_score_judge_id"), "judge_score", ["judge_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_judge_score_judge_id"), table_name="judge_score")
    op.drop_index(op.f("ix_judge_score_case_id"), table_name="judge_score")
    op.drop_table("judge_score")
    op.drop_index(op.f("ix_judge_assignment_judge_id"), table_name="judge_assignment")
    op.drop_index(op.f("ix_judge_assignment_case_id"), table_name="judge_assignment")
    op.drop_table("judge_assignment")
    op.drop_table("judging_round")
    op.drop_index(op.f("ix_judge_stage_key"), table_name="judge")
    op.drop_index(op.f("ix_judge_person_id"), table_name="judge")
    op.drop_table("judge")
    op.drop_index(op.f("ix_award_case_id"), table_name="award")
    op.drop_table("award")
