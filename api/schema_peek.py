"""Is a database's schema at head? Answered without Alembic (0.3 s to import) and without a lock.

``kyso verify`` reads trust material from an existing database but never needs to change its
schema: when the schema is already at head it reads it as it is (a SQLite file through the
sqlite3 module, read-only: ``certs.pki_view``), and only an older one goes through
``api.database.migrate`` (as every other command does). ``HEADS`` names the newest revision
of each package's branch; tests/api/test_cli_startup.py checks they are the heads Alembic
reads from the revision files, so a new migration fails that test until it is named here.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Engine

#: the newest revision of each package's migrations (api, archive, signing, certs)
HEADS = frozenset({"a0007", "archive_0001", "s0002", "c0002"})
_VERSIONS = "SELECT version_num FROM alembic_version"


def schema_at_heads(engine: Engine) -> bool:
    """One query: does the database record exactly the declared heads? (False for a database
    without kyso's tables, or one older or newer than this code.)"""
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError, ProgrammingError

    try:
        with engine.connect() as conn:
            current = frozenset(str(row) for row in conn.execute(text(_VERSIONS)).scalars())
    except (OperationalError, ProgrammingError):
        return False
    return current == HEADS


def sqlite_at_heads(path: Path) -> bool:
    """The same question of a SQLite file, with the sqlite3 module, read-only. A migration in
    progress is one transaction: until it commits, this sees the revision before it."""
    try:
        with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as db:
            current = frozenset(str(row[0]) for row in db.execute(_VERSIONS))
    except sqlite3.Error:
        return False
    return current == HEADS
