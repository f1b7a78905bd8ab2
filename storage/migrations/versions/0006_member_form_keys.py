"""member forms in progress: one form key per task instead of a packed subject

The member form's waits were stored as form_key "member" with subject_id = target * 4 + op
(op 0 add, 1 add the lead, 2 edit, 3 replace; target the case or the member row). They are
now ``member.<task>`` with the case or member row as the subject. Data only.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | tuple[str, ...] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TASKS = ("add", "add_lead", "edit", "replace")  # by the old op number


def upgrade() -> None:
    table = sa.table(
        "formprogress", sa.column("form_key", sa.String), sa.column("subject_id", sa.Integer)
    )
    for number, task in enumerate(TASKS):
        op.execute(
            table.update()
            .where(table.c.form_key == "member", table.c.subject_id % 4 == number)
            .values(form_key=f"member.{task}", subject_id=(table.c.subject_id - number) / 4)
        )


def downgrade() -> None:
    table = sa.table(
        "formprogress", sa.column("form_key", sa.String), sa.column("subject_id", sa.Integer)
    )
    for number, task in enumerate(TASKS):
        op.execute(
            table.update()
            .where(table.c.form_key == f"member.{task}")
            .values(form_key="member", subject_id=table.c.subject_id * 4 + number)
        )
