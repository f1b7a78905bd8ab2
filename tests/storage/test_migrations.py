"""Each migration, run on a database made by the schema before it, carries the rows over."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from storage.db import create_engine, migrate, session_factory
from storage.models import Account, Broadcast, OutboxMessage, Person
from storage.people import get_person
from tests.db import database_url, wipe

pytestmark = pytest.mark.database

MARKUP = {"inline_keyboard": [[{"text": "已知悉", "callback_data": "ack:1"}]]}


async def test_0002_turns_telegram_ids_into_accounts_and_the_outbox_neutral(tmp_path):
    url = database_url(tmp_path)
    await wipe(url)
    engine = create_engine(url)
    try:
        await migrate(engine, "0001")
        async with engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO person (id, telegram_id, chat_id, display_name, name, title, "
                    "office_phone, mobile, profile_done, is_organizer, reminders_muted, "
                    "unreachable, created_at) VALUES "
                    "(1, 7123456789, 7123456789, 'a', '李四', '', '', '', true, false, false, "
                    "false, '2024-07-01 02:00:00'), "
                    "(2, 9001, 9001, 'o', '', '', '', '', false, true, false, false, "
                    "'2024-07-01 02:00:00')"
                )
            )
            await connection.execute(
                text(
                    "INSERT INTO broadcast (id, created_by, text, audience, status, "
                    "progress_chat_id, progress_message_id, created_at) VALUES "
                    "(1, 2, '通知', '{}', 'sending', 9001, 55, '2024-07-01 02:00:00')"
                )
            )
            await connection.execute(
                text(
                    "INSERT INTO outboxmessage (id, dedupe_key, person_id, chat_id, kind, "
                    "broadcast_id, text, reply_markup, status, attempts, due_at, message_id, "
                    "error, created_at) VALUES "
                    "(1, 'bc:1:1', 1, 7123456789, 'broadcast', 1, '通知', :markup, 'sent', 1, "
                    "'2024-07-01 02:00:00', 42, '', '2024-07-01 02:00:00'), "
                    "(2, 'rem:x:1', 1, 7123456789, 'reminder', NULL, '提醒', NULL, 'pending', 0, "
                    "'2024-07-01 02:00:00', NULL, '', '2024-07-01 02:00:00')"
                ),
                {"markup": json.dumps(MARKUP)},
            )
        await migrate(engine)
        async with session_factory(engine)() as session:
            person = await get_person(session, channel="telegram", external_id="7123456789")
            assert person is not None and person.id == 1 and person.name == "李四"
            accounts = (await session.exec(select_all(Account))).all()
            assert {(a.person_id, a.external_id, a.chat_id) for a in accounts} == {
                (1, "7123456789", "7123456789"),
                (2, "9001", "9001"),
            }
            sent = await session.get(OutboxMessage, 1)
            pending = await session.get(OutboxMessage, 2)
            assert sent is not None and pending is not None
            assert sent.actions == [[{"text": "已知悉", "id": "ack:1"}]]
            assert sent.message_id == "42" and pending.actions is None
            assert sent.account_id == pending.account_id == _account(accounts, 1).id
            broadcast = await session.get(Broadcast, 1)
            assert broadcast is not None
            assert broadcast.progress_account_id == _account(accounts, 2).id
            assert broadcast.progress_message_id == "55"
            assert not hasattr(Person, "telegram_id")
    finally:
        await engine.dispose()


def select_all(model):
    from sqlmodel import select

    return select(model)


def _account(accounts, person_id: int) -> Account:
    return next(a for a in accounts if a.person_id == person_id)
