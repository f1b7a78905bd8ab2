"""accounts: a person's identity per channel; a channel-neutral outbox

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01

Carries every existing row over: each person's Telegram id and chat become an account of
channel "telegram"; outbox rows point at that account instead of a chat id, and their
Telegram inline keyboards become neutral actions ([[{"text", "id"}]]); a broadcast's
progress message points at the organizer's account.
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.models

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _neutral(markup: Any) -> Any:
    """Turn a stored Telegram inline keyboard into neutral actions."""
    if isinstance(markup, str):
        import json

        markup = json.loads(markup)
    if not markup:
        return None
    rows = markup.get("inline_keyboard", []) if isinstance(markup, dict) else []
    return [
        [{"text": b.get("text", ""), "id": b.get("callback_data", "")} for b in row] for row in rows
    ]


def upgrade() -> None:
    op.create_table(
        "account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("channel", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("external_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("chat_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("created_at", storage.models.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("channel", "external_id"),
    )
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_account_person_id"), ["person_id"], unique=False)
    op.execute(
        "INSERT INTO account (person_id, channel, external_id, chat_id, created_at) "
        "SELECT id, 'telegram', CAST(telegram_id AS VARCHAR), CAST(chat_id AS VARCHAR), "
        "created_at FROM person"
    )

    bind = op.get_bind()
    with op.batch_alter_table("outboxmessage", schema=None) as batch_op:
        batch_op.add_column(sa.Column("account_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("actions", sa.JSON(), nullable=True))
        batch_op.add_column(
            sa.Column("message_ref", sqlmodel.sql.sqltypes.AutoString(), nullable=True)
        )
    op.execute(
        "UPDATE outboxmessage SET account_id = (SELECT account.id FROM account "
        "WHERE account.person_id = outboxmessage.person_id AND account.channel = 'telegram'), "
        "message_ref = CAST(message_id AS VARCHAR)"
    )
    outbox = sa.table(
        "outboxmessage",
        sa.column("id", sa.Integer()),
        sa.column("reply_markup", sa.JSON()),
        sa.column("actions", sa.JSON()),
    )
    for row_id, markup in bind.execute(
        sa.select(outbox.c.id, outbox.c.reply_markup).where(outbox.c.reply_markup.is_not(None))
    ).all():
        bind.execute(outbox.update().where(outbox.c.id == row_id).values(actions=_neutral(markup)))
    with op.batch_alter_table("outboxmessage", schema=None) as batch_op:
        batch_op.drop_column("chat_id")
        batch_op.drop_column("reply_markup")
        batch_op.drop_column("message_id")
        batch_op.alter_column("message_ref", new_column_name="message_id")
        batch_op.alter_column("account_id", existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key(
            "fk_outboxmessage_account_id", "account", ["account_id"], ["id"]
        )

    with op.batch_alter_table("broadcast", schema=None) as batch_op:
        batch_op.add_column(sa.Column("progress_account_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("progress_ref", sqlmodel.sql.sqltypes.AutoString(), nullable=True)
        )
    op.execute(
        "UPDATE broadcast SET progress_account_id = (SELECT account.id FROM account "
        "WHERE account.channel = 'telegram' "
        "AND account.chat_id = CAST(broadcast.progress_chat_id AS VARCHAR)), "
        "progress_ref = CAST(progress_message_id AS VARCHAR)"
    )
    with op.batch_alter_table("broadcast", schema=None) as batch_op:
        batch_op.drop_column("progress_chat_id")
        batch_op.drop_column("progress_message_id")
        batch_op.alter_column("progress_ref", new_column_name="progress_message_id")
        batch_op.create_foreign_key(
            "fk_broadcast_progress_account_id", "account", ["progress_account_id"], ["id"]
        )

    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_person_telegram_id"))
        batch_op.drop_column("telegram_id")
        batch_op.drop_column("chat_id")


def downgrade() -> None:
    raise NotImplementedError("accounts cannot be folded back into people")
