"""A failing disk or database as a kyso error: the one translation the API (api/errors.py),
the CLI (api/cli/main.py) and readiness (api/readiness.py) share.

No FastAPI here: the CLI imports it when a command fails.
"""

from __future__ import annotations

import errno
import os
import sqlite3
from collections.abc import Iterable
from pathlib import Path

from common.errors import ExternalServiceError, KysoError

FULL_ERRNOS = (errno.ENOSPC, errno.EDQUOT)
#: below this much free space a disk counts as full (readiness; an I/O error of SQLite)
MIN_FREE_BYTES = 8 << 20
#: SQLite's primary result codes (``sqlite_errorname`` up to the first ``_`` after SQLITE)
CORRUPT = ("SQLITE_CORRUPT", "SQLITE_NOTADB")


def free_bytes(folder: Path) -> int:
    stats = os.statvfs(folder)
    return stats.f_bavail * stats.f_frsize


def disk_full(folders: Iterable[Path]) -> bool:
    """Whether any of ``folders`` that exists is on a disk with less than MIN_FREE_BYTES."""
    return any(f.is_dir() and free_bytes(f) < MIN_FREE_BYTES for f in folders)


def _full() -> KysoError:
    return ExternalServiceError("storage_full", "the data disk is full")


def _database_error(
    orig: BaseException, folders: Iterable[Path], *, invalidated: bool = False
) -> KysoError | None:
    name = str(getattr(orig, "sqlite_errorname", ""))
    text = str(orig).lower()
    if name.startswith("SQLITE_FULL") or "disk is full" in text or "no space left" in text:
        return _full()
    if name.startswith(CORRUPT) or "malformed" in text or "file is not a database" in text:
        return ExternalServiceError(
            "database_corrupt", "the database file is damaged: restore it from a backup"
        )
    if name.startswith("SQLITE_IOERR"):  # SQLite says "disk I/O error" also when a
        if disk_full(folders):  # journal or shared-memory file cannot grow on a full disk
            return _full()
        return ExternalServiceError("database_io_error", "the database file cannot be read")
    if name.startswith("SQLITE_BUSY") or "database is locked" in text:
        return ExternalServiceError("database_busy", "the database stayed locked by another writer")
    if invalidated or "connect" in text or "terminat" in text:
        return ExternalServiceError("database_unavailable", "the database does not answer")
    return None


def infrastructure_error(exc: BaseException, folders: Iterable[Path] = ()) -> KysoError | None:
    """The kyso error for ``exc`` (full disk, damaged or unreachable database), else None;
    ``folders``: where the data lives, to tell a full disk behind an I/O error."""
    from sqlalchemy.exc import DBAPIError

    if isinstance(exc, OSError) and exc.errno in FULL_ERRNOS:
        return _full()
    if isinstance(exc, DBAPIError):
        orig = exc.orig if exc.orig is not None else exc
        return _database_error(orig, folders, invalidated=exc.connection_invalidated)
    if isinstance(exc, sqlite3.Error):  # kyso's own sqlite3 use (the online backup)
        return _database_error(exc, folders)
    return None


def data_folders(data_dir: Path, database_url: str) -> list[Path]:
    """The data dir and, for SQLite elsewhere, the database file's folder."""
    from sqlalchemy.engine import make_url

    folders = [data_dir]
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        folders.append(Path(url.database).parent)
    return folders
