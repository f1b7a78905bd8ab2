"""Maintenance commands: ``python -m bot backup PATH``, ``restore PATH``, ``purge``.

``backup`` copies the live SQLite database to a new file (the bot may keep running);
``restore`` puts a backup in its place (stop the bot first); with PostgreSQL both print the
``pg_dump`` / ``pg_restore`` command to run instead. ``purge --contest KEY`` deletes a
finished contest's data (``--dry-run`` lists what would go and deletes nothing).
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from channels.telegram.codec import CHANNEL
from config.settings import Settings
from contest.definition import load_contest
from storage.backup import (
    BackupError,
    backup_sqlite,
    postgres_commands,
    restore_sqlite,
    sqlite_file,
)
from storage.db import create_engine, migrate, session_factory, transaction
from storage.purge import purge, purge_plan


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    backup = commands.add_parser("backup", help="copy the database to a new file")
    backup.add_argument("path", type=Path)
    restore = commands.add_parser("restore", help="replace the database with a backup")
    restore.add_argument("path", type=Path)
    clean = commands.add_parser("purge", help="delete a finished contest's data")
    clean.add_argument("--contest", required=True, help="the contest's key (a safety check)")
    clean.add_argument("--dry-run", action="store_true", help="list, delete nothing")
    return parser


def _backup(settings: Settings, path: Path, *, restore: bool) -> int:
    database = sqlite_file(settings.database_url)
    if database is None:
        dump, load = postgres_commands(settings.database_url, path)
        print("PostgreSQL: run this instead (the bot may keep running for pg_dump):")
        print(f"  {load if restore else dump}")
        return 2
    if restore:
        restore_sqlite(path, database)
        print(f"restored {database} from {path}")
    else:
        backup_sqlite(database, path)
        print(f"backed up {database} to {path}")
    return 0


async def purge_contest(settings: Settings, key: str, *, dry_run: bool, now: datetime) -> int:
    """Delete (or, dry, list) the data of the finished contest ``key``; return the exit code."""
    contest = load_contest(settings.contest_file)
    if key != contest.key:
        print(f"this database holds contest {contest.key!r} (CONTEST_FILE), not {key!r}")
        return 2
    last = max(stage.end for stage in contest.stages)
    if now < last:
        print(f"contest {key!r} is not over: its last stage ends {last.isoformat()}")
        return 2
    # ORGANIZER_IDS are Telegram user ids: those organizers stay with their accounts.
    organizers = {"channel": CHANNEL, "organizer_ids": [str(i) for i in settings.organizer_ids]}
    engine = create_engine(settings.database_url)
    try:
        await migrate(engine)
        sessions = session_factory(engine)
        async with transaction(sessions) as session:
            if dry_run:
                counts = await purge_plan(session, **organizers)
            else:
                counts = await purge(session, **organizers)
    finally:
        await engine.dispose()
    print(("would delete" if dry_run else "deleted") + f" (contest {key}):")
    for table, count in counts.items():
        print(f"  {table}: {count}")
    print(f"  total: {sum(counts.values())}")
    return 0


def run_command(argv: Sequence[str], settings: Settings, *, now: datetime | None = None) -> int:
    """Run one maintenance command; return the process's exit code."""
    args = _parser().parse_args(list(argv))
    try:
        if args.command in ("backup", "restore"):
            return _backup(settings, args.path, restore=args.command == "restore")
        moment = now or datetime.now(UTC)
        return asyncio.run(purge_contest(settings, args.contest, dry_run=args.dry_run, now=moment))
    except BackupError as error:
        print(f"error: {error}")
        return 1
