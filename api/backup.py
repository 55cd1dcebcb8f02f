"""Backup and restore of a kyso installation: catalog, folder object store, PKI key files.

A backup is one tar file:
- ``catalog.sqlite`` (SQLite online backup) or ``catalog.pgdump`` (``pg_dump -Fc``);
- ``archive/``: the folder object store as it is (content-addressed, so it copies safely);
- ``keys/`` (encrypted key files) and, with ``include_secrets``, ``secrets/`` (the development
  passphrase and other local secrets; keep such a backup as safe as the keys themselves).
An S3 object store is not copied: its bucket is versioned and object-locked; back it up with
the storage's own replication. A PKCS#11 token is backed up with the HSM vendor's procedure.
"""

from __future__ import annotations

import sqlite3
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from api.settings import Settings
from common.errors import ConflictError, InputError
from common.subprocess_run import run

FORMAT = "kyso-backup-1"


@dataclass(frozen=True)
class BackupReport:
    path: Path
    members: tuple[str, ...]


def _libpq_url(url: str) -> str:
    parsed = make_url(url).set(drivername="postgresql")
    return parsed.render_as_string(hide_password=False)


def _dump_catalog(settings: Settings, folder: Path) -> Path:
    url = make_url(settings.resolved_database_url)
    if url.get_backend_name() == "sqlite":
        target = folder / "catalog.sqlite"
        source = sqlite3.connect(str(url.database))
        copy = sqlite3.connect(str(target))
        try:
            source.backup(copy)  # consistent even while the service writes
        finally:
            copy.close()
            source.close()
        return target
    target = folder / "catalog.pgdump"
    run(["pg_dump", "-Fc", "-f", str(target), _libpq_url(str(url))], timeout=3600)
    return target


def backup(settings: Settings, out: Path, *, include_secrets: bool = False) -> BackupReport:
    data = settings.data_dir
    if out.exists():
        raise ConflictError("backup_exists", f"{out} exists; choose a new file")
    members: list[str] = []
    with tempfile.TemporaryDirectory() as scratch, tarfile.open(out, "w:gz") as tar:
        marker = Path(scratch) / "FORMAT"
        marker.write_text(FORMAT)
        tar.add(marker, "FORMAT")
        catalog = _dump_catalog(settings, Path(scratch))
        tar.add(catalog, catalog.name)
        members.append(catalog.name)
        folders = ["keys", *(["secrets"] if include_secrets else [])]
        if settings.object_store == "folder":
            folders.append("archive")
        for name in folders:
            if (data / name).exists():
                tar.add(data / name, name)
                members.append(name)
    return BackupReport(out, tuple(members))


def _safe_members(tar: tarfile.TarFile) -> list[tarfile.TarInfo]:
    for member in tar.getmembers():
        path = Path(member.name)
        if path.is_absolute() or ".." in path.parts or member.issym() or member.islnk():
            raise InputError("backup_unsafe", f"refusing {member.name!r} in the backup")
    return tar.getmembers()


def restore(settings: Settings, source: Path) -> tuple[str, ...]:
    """Restore into an empty data dir (and an empty PostgreSQL database when configured)."""
    data = settings.data_dir
    if data.exists() and any(data.iterdir()):
        raise ConflictError("restore_target_not_empty", f"{data} is not empty")
    if not tarfile.is_tarfile(source):
        raise InputError("backup_unreadable", "not a kyso backup")
    data.mkdir(parents=True, exist_ok=True)
    with tarfile.open(source, "r:gz") as tar:
        members = _safe_members(tar)
        names = {m.name.split("/")[0] for m in members}
        if "FORMAT" not in names:
            raise InputError("backup_unreadable", "not a kyso backup")
        with tempfile.TemporaryDirectory() as scratch:
            tar.extractall(scratch, members=members, filter="data")
            root = Path(scratch)
            if (root / "FORMAT").read_text().strip() != FORMAT:
                raise InputError("backup_unreadable", "unknown backup format")
            for name in ("keys", "secrets", "archive"):
                if (root / name).exists():
                    (root / name).replace(data / name)
            url = make_url(settings.resolved_database_url)
            if (root / "catalog.sqlite").exists():
                if url.get_backend_name() != "sqlite":
                    raise InputError("backup_mismatch", "the backup holds a SQLite catalog")
                (root / "catalog.sqlite").replace(Path(str(url.database)))
            elif (root / "catalog.pgdump").exists():
                run(
                    ["pg_restore", "--no-owner", "-d", _libpq_url(str(url)),
                     str(root / "catalog.pgdump")],
                    timeout=3600,
                )  # fmt: skip
    return tuple(sorted(names - {"FORMAT"}))
