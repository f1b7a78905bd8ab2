"""Migration 0008 (a case's stored 字数 and completeness) from the 0005 schema, and the counts.

The migration adds empty columns; the bot counts the cases at its next start
(``bot.app.count_cases`` → ``storage.case_facts.refresh_batch``), and every write through
``storage.cases`` with the contest counts them again.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import event, text
from sqlmodel import SQLModel

from contest.definition import load_contest
from contest.text import count_words
from storage.case_facts import fingerprint, refresh_batch, refresh_facts, unit_progress
from storage.cases import save_values
from storage.db import _alembic_config, create_engine, migrate, session_factory, transaction
from storage.models import Case, Unit
from tests.db import database_url, wipe

pytestmark = pytest.mark.database

CONTEST = load_contest(Path(__file__).resolve().parents[2] / "contests" / "jianbing-2024.toml")
NOW = datetime(2024, 7, 1, 2, tzinfo=UTC)
BACKGROUND = "我局梳理高频事项，推动部门数据共享。" * 10
TOO_LONG = "字" * 3100


async def test_upgrade_from_0007_keeps_cases_and_the_start_counts_them(tmp_path):
    url = database_url(tmp_path)
    await wipe(url)
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(lambda c: command.upgrade(_alembic_config(c), "0007"))
            await connection.execute(
                text(
                    "INSERT INTO unit (id, party_org, recommending_unit, submitter_key, status, "
                    "registered, created_at, extra) VALUES (1, '', '', '', 'active', true, "
                    "CURRENT_TIMESTAMP, '{}')"
                )
            )
            for number, values in enumerate(
                [{"title": "案例", "background": BACKGROUND}, {"background": TOO_LONG}], 1
            ):
                await connection.execute(
                    text(
                        'INSERT INTO contest_case (id, unit_id, status, "values", evidence, '
                        "ever_submitted, created_at, updated_at) VALUES (:id, 1, 'draft', "
                        ":values, '{}', false, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                    ),
                    {"id": number, "values": json.dumps(values, ensure_ascii=False)},
                )
        await migrate(engine)
        async with engine.begin() as connection:
            diff = await connection.run_sync(
                lambda c: compare_metadata(MigrationContext.configure(c), SQLModel.metadata)
            )
        assert diff == []  # the columns and the index are those of storage/models.py
        sessions = session_factory(engine)
        async with transaction(sessions) as session:
            first = await session.get(Case, 1)
            assert first is not None and first.counted_for == "" and first.words is None
            assert await refresh_facts(session, contest=CONTEST, now=NOW) == 2
            assert await refresh_facts(session, contest=CONTEST, now=NOW) == 0  # all counted
        async with transaction(sessions) as session:
            first = await session.get(Case, 1)
            assert first is not None
            assert first.words == count_words(BACKGROUND) + count_words("案例")
            assert first.counted_for == fingerprint(CONTEST)
            assert 0 < (first.filled or 0) < (first.required or 0)
            [progress] = await unit_progress(session, contest=CONTEST)
            assert (progress.cases, progress.drafts, progress.submitted) == (2, 2, 0)
            assert progress.over_limit == 1 and progress.complete_drafts == 0
        async with engine.begin() as connection:
            await connection.run_sync(lambda c: command.downgrade(_alembic_config(c), "0007"))
    finally:
        await engine.dispose()


async def test_a_write_with_the_contest_counts_and_one_without_leaves_it_to_the_start(tmp_path):
    url = database_url(tmp_path)
    await wipe(url)
    engine = create_engine(url)
    try:
        await migrate(engine)
        sessions = session_factory(engine)
        async with transaction(sessions) as session:
            unit = Unit(registered=True, created_at=NOW)
            session.add(unit)
            await session.flush()
            assert unit.id is not None
            case = Case(unit_id=unit.id, values={}, evidence={}, created_at=NOW, updated_at=NOW)
            session.add(case)
            await session.flush()
            values = {"background": BACKGROUND}
            await save_values(session, case=case, values=values, now=NOW, contest=CONTEST)
            assert case.words == count_words(BACKGROUND)
            assert case.counted_for == fingerprint(CONTEST)
            await save_values(session, case=case, values={"background": "改"}, now=NOW)
            assert case.counted_for == ""  # counted again at the next start
            assert await refresh_facts(session, contest=CONTEST, now=NOW) == 1
            await session.refresh(case)
            assert case.words == 1
    finally:
        await engine.dispose()


async def test_the_start_finds_the_cases_to_count_through_the_index(tmp_path):
    """Every start asks which cases to count: on SQLite, without reading every case row."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'plan.db'}"  # the query plan is SQLite's
    engine = create_engine(url)
    selects: list[tuple[str, object]] = []

    def seen(_connection, _cursor, statement, parameters, _context, _many):
        if statement.lstrip().upper().startswith("SELECT"):
            selects.append((statement, parameters))

    try:
        await migrate(engine)
        event.listen(engine.sync_engine, "before_cursor_execute", seen)
        async with transaction(session_factory(engine)) as session:
            assert await refresh_batch(session, contest=CONTEST, now=NOW) == 0
        event.remove(engine.sync_engine, "before_cursor_execute", seen)
        ((statement, parameters),) = selects
        async with engine.connect() as connection:
            plan = await connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
        details = [row[-1] for row in plan.all()]
        assert "SCAN contest_case" not in details, details
        assert any("ix_contest_case_counted_for" in d for d in details), details
    finally:
        await engine.dispose()
