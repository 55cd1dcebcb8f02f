"""Backup and restore of a kyso installation: catalog, folder object store, PKI key files.

A backup is one tar file (mode 0600):
- ``catalog.sqlite`` (SQLite online backup) or ``catalog.pgdump`` (``pg_dump -Fc``);
- ``archive/``: the folder object store as it is (content-addressed, so it copies safely);
- ``keys/`` (key files, encrypted with the key store passphrase); or, with ``include_secrets``,
  ``secrets.sealed``: ``keys/`` and ``secrets/`` (the key store passphrase and other local
  secrets) sealed with a passphrase the operator gives (api/backup_seal.py), which the backup
  never holds: the CA keys cannot be recovered from the file alone.
An S3 object store is not copied: its bucket is versioned and object-locked; back it up with
the storage's own replication. A PKCS#11 token is backed up with the HSM vendor's procedure.

A restore stages everything inside the target data dir (the same filesystem: a data dir on its
own volume restores like any other), checks it whole, and only then moves it into place; a
failure leaves the data dir empty again. ``pg_dump``/``pg_restore`` get the database password
in their environment (``PGPASSWORD``), never on their command line.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import os
import shutil
import sqlite3
import tarfile
import tempfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from api.backup_seal import check_passphrase, seal, unseal
from api.files import open_private, private_dir
from api.settings import Settings
from common.errors import ConflictError, InputError
from common.subprocess_run import run

FORMAT = "kyso-backup-2"
#: formats this kyso restores (1: secrets in clear, before sealing)
READABLE_FORMATS = ("kyso-backup-1", FORMAT)
SEALED = "secrets.sealed"
#: what a backup may hold at its top level
TOP_LEVEL = {"FORMAT", "catalog.sqlite", "catalog.pgdump", "keys", "secrets", "archive", SEALED}


@dataclass(frozen=True)
class BackupReport:
    path: Path
    members: tuple[str, ...]


def _libpq(url: URL) -> tuple[str, dict[str, str]]:
    """A libpq URL without the password, and the environment that carries it."""
    env = dict(os.environ)
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    plain = URL.create(
        "postgresql", url.username, None, url.host, url.port, url.database, url.query
    )  # URL.set(password=None) would keep the password
    return plain.render_as_string(hide_password=False), env


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
    address, env = _libpq(url)
    run(["pg_dump", "-Fc", "-f", str(target), address], timeout=3600, env=env)
    return target


def _private(info: tarfile.TarInfo) -> tarfile.TarInfo:
    """Members carry owner-only modes (a restore tightens them again anyway)."""
    info.mode &= 0o700
    return info


def _sealed_secrets(data: Path, passphrase: bytes) -> bytes:
    inner = io.BytesIO()
    with tarfile.open(fileobj=inner, mode="w") as tar:
        for name in ("keys", "secrets"):
            if (data / name).exists():
                tar.add(data / name, name, filter=_private)
    return seal(inner.getvalue(), passphrase)


def backup(
    settings: Settings, out: Path, *, include_secrets: bool = False, passphrase: bytes | None = None
) -> BackupReport:
    """Write the backup to ``out`` (a new file, 0600); secrets only sealed with ``passphrase``."""
    data = settings.data_dir
    if include_secrets:
        if passphrase is None:
            raise InputError("backup_passphrase_required", "secrets need a backup passphrase")
        check_passphrase(passphrase)
    try:
        fd = open_private(out)
    except FileExistsError:
        raise ConflictError("backup_exists", f"{out} exists; choose a new file") from None
    members: list[str] = []
    try:
        with (
            tempfile.TemporaryDirectory(dir=out.parent, prefix=".kyso-backup-") as scratch,
            os.fdopen(fd, "wb") as raw,
            tarfile.open(fileobj=raw, mode="w:gz") as tar,
        ):
            folder = Path(scratch)
            (folder / "FORMAT").write_text(FORMAT)
            tar.add(folder / "FORMAT", "FORMAT", filter=_private)
            catalog = _dump_catalog(settings, folder)
            tar.add(catalog, catalog.name, filter=_private)
            members.append(catalog.name)
            if include_secrets:
                assert passphrase is not None
                (folder / SEALED).write_bytes(_sealed_secrets(data, passphrase))
                tar.add(folder / SEALED, SEALED, filter=_private)
                members.append(SEALED)
            elif (data / "keys").exists():
                tar.add(data / "keys", "keys", filter=_private)
                members.append("keys")
            if settings.object_store == "folder" and (data / "archive").exists():
                tar.add(data / "archive", "archive", filter=_private)
                members.append("archive")
            raw.flush()
            os.fsync(raw.fileno())
    except BaseException:
        out.unlink(missing_ok=True)  # never a partial backup that looks like one
        raise
    return BackupReport(out, tuple(members))


def _safe_members(tar: tarfile.TarFile) -> list[tarfile.TarInfo]:
    members = tar.getmembers()
    for member in members:
        path = Path(member.name)
        if path.is_absolute() or ".." in path.parts or not (member.isfile() or member.isdir()):
            raise InputError("backup_unsafe", f"refusing {member.name!r} in the backup")
        if path.parts[0] not in TOP_LEVEL:
            raise InputError("backup_unsafe", f"refusing {member.name!r} in the backup")
    return members


@contextlib.contextmanager
def _readable(what: str) -> Iterator[None]:
    """A truncated or damaged archive is ``backup_invalid``, not gzip's or tar's exception."""
    try:
        yield
    except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise InputError("backup_invalid", f"{what} is damaged or truncated: {exc}") from exc


def _extract(source: Path, staging: Path) -> set[str]:
    with _readable("the backup"), tarfile.open(source, "r:*") as tar:
        members = _safe_members(tar)
        tar.extractall(staging, members=members, filter="data")
    names = {Path(m.name).parts[0] for m in members}
    marker = staging / "FORMAT"
    if "FORMAT" not in names or not marker.is_file():
        raise InputError("backup_invalid", "not a kyso backup")
    if marker.read_text().strip() not in READABLE_FORMATS:
        raise InputError("backup_invalid", "unknown backup format")
    return names


def _unseal_into(staging: Path, passphrase: bytes | None) -> None:
    if passphrase is None:
        raise InputError("backup_passphrase_required", "the backup's secrets need its passphrase")
    inner = unseal((staging / SEALED).read_bytes(), passphrase)
    with _readable("the sealed secrets"), tarfile.open(fileobj=io.BytesIO(inner)) as tar:
        members = _safe_members(tar)
        tar.extractall(staging, members=members, filter="data")
    (staging / SEALED).unlink()


def _tighten(folder: Path) -> None:
    """Restored folders 0700, files owner-only (read-only objects stay read-only)."""
    for root, dirs, files in os.walk(folder):
        for name in dirs:
            (Path(root) / name).chmod(0o700)
        for name in files:
            path = Path(root) / name
            mode = path.stat().st_mode & 0o700
            path.chmod(mode if mode & 0o400 else 0o600)
    folder.chmod(0o700)


def _empty(data: Path) -> None:
    for entry in data.iterdir():
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()


def needs_passphrase(source: Path) -> bool:
    """Whether the backup holds sealed secrets (so a restore asks for the passphrase)."""
    with _readable("the backup"), tarfile.open(source, "r:*") as tar:
        return any(m.name == SEALED for m in tar.getmembers())


def restore(
    settings: Settings, source: Path, *, passphrase: bytes | None = None
) -> tuple[str, ...]:
    """Restore into an empty data dir (and an empty PostgreSQL database when configured)."""
    data = settings.data_dir
    if data.exists() and any(data.iterdir()):
        raise ConflictError("restore_target_not_empty", f"{data} is not empty")
    url = make_url(settings.resolved_database_url)
    private_dir(data)
    try:
        # staged inside the data dir: on its filesystem, so the moves below are renames
        with tempfile.TemporaryDirectory(dir=data, prefix=".restore-") as scratch:
            staging = Path(scratch)
            names = _extract(source, staging)
            if SEALED in names:
                _unseal_into(staging, passphrase)
                names = (names - {SEALED}) | {"keys", "secrets"}
            if (staging / "catalog.sqlite").exists() and url.get_backend_name() != "sqlite":
                raise InputError("backup_mismatch", "the backup holds a SQLite catalog")
            if (staging / "catalog.pgdump").exists() and url.get_backend_name() == "sqlite":
                raise InputError("backup_mismatch", "the backup holds a PostgreSQL catalog")
            _tighten(staging)
            if (staging / "catalog.pgdump").exists():
                address, env = _libpq(url)
                dump = str(staging / "catalog.pgdump")
                run(["pg_restore", "--no-owner", "--single-transaction", "--exit-on-error",
                     "-d", address, dump], timeout=3600, env=env)  # fmt: skip
            for name in ("keys", "secrets", "archive"):
                if (staging / name).exists():
                    (staging / name).replace(data / name)
            if (staging / "catalog.sqlite").exists():
                database = Path(str(url.database))
                private_dir(database.parent, tighten=False)
                shutil.move(staging / "catalog.sqlite", database)  # may be another filesystem
    except BaseException:
        _empty(data)  # the data dir was empty: leave it so, for a corrected retry
        raise
    return tuple(sorted(names - {"FORMAT"}))
