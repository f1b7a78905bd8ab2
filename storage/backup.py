"""Backing up and restoring the database.

SQLite: the online backup API (``sqlite3.Connection.backup``) copies a consistent snapshot
page by page while the bot keeps running, WAL included. Restoring copies a backup over the
configured database the same way; stop the bot first. PostgreSQL: ``pg_dump`` and
``pg_restore`` do it; :func:`postgres_commands` gives the exact command lines.
"""

from __future__ import annotations

import shlex
import sqlite3
from contextlib import closing
from pathlib import Path

from sqlalchemy.engine import make_url

from storage.db import normalize_url


class BackupError(Exception):
    """A backup or restore that cannot be done as asked."""


def sqlite_file(database_url: str) -> Path | None:
    """Return the SQLite file of a database URL; None for other databases."""
    parsed = make_url(normalize_url(database_url))
    if parsed.get_backend_name() != "sqlite":
        return None
    if not parsed.database or parsed.database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(parsed.database)


def _copy(source: Path, target: Path) -> None:
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)


def backup_sqlite(database: Path, target: Path) -> None:
    """Copy the live SQLite database to ``target`` (a new file) with the online backup API."""
    if not database.exists():
        raise BackupError(f"no database at {database}")
    if target.exists():
        raise BackupError(f"{target} exists already; choose a new file")
    target.parent.mkdir(parents=True, exist_ok=True)
    _copy(database, target)


def restore_sqlite(backup: Path, database: Path) -> None:
    """Replace the SQLite database with the backup's content (stop the bot first)."""
    if not backup.exists():
        raise BackupError(f"no backup at {backup}")
    with closing(sqlite3.connect(f"file:{backup}?mode=ro", uri=True)) as check:
        try:
            check.execute("SELECT version_num FROM alembic_version").fetchone()
        except sqlite3.DatabaseError as error:
            problem = f"{backup} is not a backup of this bot's database ({error})"
            raise BackupError(problem) from None
    database.parent.mkdir(parents=True, exist_ok=True)
    _copy(backup, database)


def postgres_commands(database_url: str, path: Path) -> tuple[str, str]:
    """Return the pg_dump and pg_restore command lines for this database and file."""
    parsed = make_url(database_url).set(drivername="postgresql")
    url = parsed.render_as_string(hide_password=False)
    dump = f"pg_dump --format=custom --no-owner --file={shlex.quote(str(path))} {shlex.quote(url)}"
    restore = (
        f"pg_restore --clean --if-exists --no-owner --dbname={shlex.quote(url)} "
        f"{shlex.quote(str(path))}"
    )
    return dump, restore
