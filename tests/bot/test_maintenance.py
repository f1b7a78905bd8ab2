"""Backup and restore of the database, and purging a finished contest."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import SQLModel

from bot.maintenance import purge_contest, run_command
from handlers.reminders import remind
from storage.backup import postgres_commands
from tests.conftest import BEIJING
from tests.db import POSTGRES_URL, telegram_person
from tests.delivery.world import CaseSpec, add_unit, services, worker
from tests.harness import ORGANIZER_ID

sqlite_only = pytest.mark.skipif(bool(POSTGRES_URL), reason="SQLite's online backup")
AFTER_THE_CONTEST = datetime(2026, 1, 1, tzinfo=UTC)


async def fill(harness) -> None:
    """Leave rows in most tables: units, people, cases, team, outbox, forms, invites."""
    await harness.organizer().send("/start")
    await add_unit(harness, party_org="甲单位", contacts=[3001, 3002], cases=[CaseSpec()])
    await add_unit(harness, party_org="乙单位", contacts=[3003], cases=[CaseSpec(submitted=True)])
    harness.at(datetime(2024, 7, 8, 10, 0, tzinfo=BEIJING))
    await remind(services(harness))
    await worker(harness).drain()
    await harness.user(3001).send("/me")
    await harness.organizer().send("/invite")
    await harness.organizer().press("🏢 单位邀请码")


def table_rows(path: Path) -> dict[str, list[tuple]]:
    with closing(sqlite3.connect(path)) as connection:
        return {
            table: connection.execute(f'SELECT * FROM "{table}" ORDER BY 1').fetchall()
            for table in [*SQLModel.metadata.tables, "alembic_version"]
        }


@sqlite_only
async def test_backup_then_restore_on_a_fresh_database_gives_the_same_rows(
    harness, tmp_path, capsys
):
    await fill(harness)
    live = tmp_path / "test.db"
    backup = tmp_path / "backups" / "bot-1.db"
    assert run_command(["backup", str(backup)], harness.settings) == 0  # the bot keeps running
    assert run_command(["backup", str(backup)], harness.settings) == 1  # never overwritten
    fresh = tmp_path / "fresh" / "bot.db"
    settings = harness.settings.model_copy(update={"database_url": f"sqlite:///{fresh}"})
    assert run_command(["restore", str(backup)], settings) == 0
    before, after = table_rows(live), table_rows(fresh)
    assert after == before
    assert len(after["person"]) == 4 and len(after["outboxmessage"]) == 3
    assert run_command(["restore", str(tmp_path / "nothing.db")], settings) == 1
    assert "error: no backup" in capsys.readouterr().out


def test_postgres_gets_the_pg_dump_and_pg_restore_commands(capsys):
    url = "postgresql+asyncpg://contest:secret@127.0.0.1:5432/contest"
    dump, restore = postgres_commands(url, Path("/backups/bot 1.dump"))
    assert dump == (
        "pg_dump --format=custom --no-owner --file='/backups/bot 1.dump' "
        "postgresql://contest:secret@127.0.0.1:5432/contest"
    )
    assert restore.startswith("pg_restore --clean --if-exists --no-owner --dbname=postgresql://")
    from config.settings import Settings

    settings = Settings(_env_file=None, database_url=url)  # type: ignore[call-arg]
    assert run_command(["backup", "/backups/x.dump"], settings) == 2
    assert "pg_dump --format=custom" in capsys.readouterr().out


async def counts(harness) -> dict[str, int]:
    from sqlmodel import func, select

    found = {}
    async with services(harness).sessions() as session:
        for name, table in SQLModel.metadata.tables.items():
            found[name] = (await session.exec(select(func.count()).select_from(table))).one()
    return found


async def test_purge_dry_run_deletes_nothing_and_the_purge_deletes_what_it_listed(
    harness, capsys
):
    await fill(harness)
    settings = harness.settings
    before = await counts(harness)
    assert before["contest_case"] == 2 and before["person"] == 4

    wrong = await purge_contest(settings, "jianbing_2025", dry_run=True, now=AFTER_THE_CONTEST)
    assert wrong == 2
    early = datetime(2024, 8, 1, tzinfo=UTC)
    assert await purge_contest(settings, "jianbing_2024", dry_run=True, now=early) == 2
    assert "is not over" in capsys.readouterr().out

    assert await purge_contest(settings, "jianbing_2024", dry_run=True, now=AFTER_THE_CONTEST) == 0
    listed = capsys.readouterr().out
    assert await counts(harness) == before
    assert "would delete (contest jianbing_2024):" in listed
    assert "  person: 3" in listed and "  account: 3" in listed  # the organizer stays
    assert "  contest_case: 2" in listed and "  unit: 2" in listed

    assert await purge_contest(settings, "jianbing_2024", dry_run=False, now=AFTER_THE_CONTEST) == 0
    done = capsys.readouterr().out
    assert done.replace("deleted", "would delete") == listed
    after = await counts(harness)
    assert {name: n for name, n in after.items() if n} == {"person": 1, "account": 1}
    async with services(harness).sessions() as session:
        await telegram_person(session, ORGANIZER_ID)  # the organizer stays, with the account
