"""A content-addressed, versioned folder store (the embedded default).

Layout under the root folder::

    objects/ab/cd/<sha256>     the bytes, read-only for the owner only (mode 0400), never rewritten
    locks/ab/cd/<sha256>.json  retention and legal hold, enforced by kyso
    ingests/<ingest id>        sha256 written by an unfinished ingest (for recovery)
    tmp/<ingest id>.part       the ingest's own copy (a hard link once stored), until it is
                               catalogued; a crash leaves it behind for ``sweep``

Writes are atomic: temp file, fsync, then ``os.link`` to the content address (which, unlike
``rename``, fails if the target exists, so a stored object is never replaced), then fsync of
the folder. The version id of an object is its SHA-256: identical bytes are one object.
Every file is the owner's only (0600 while written). A process running as root ignores the
0400 mode, so retention is enforced here, in kyso.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
from collections.abc import Collection, Iterator
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from archive.errors import (
    ArchiveConflictError,
    ArchiveInputError,
    ArchiveNotFoundError,
    ObjectLockedError,
    StoreUnavailableError,
)
from archive.store.base import HashingReader, ObjectLock, StoredObject
from common.clock import Clock
from common.hashing import CHUNK_SIZE

_SHA = re.compile(r"^[0-9a-f]{64}$")
_INGEST_ID = re.compile(r"^[0-9A-Za-z_-]{8,64}$")
_TEMP = ".tmp"
_PART = ".part"


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # a name of its own: concurrent writers of one lock file must not share a temp file
    tmp = path.with_name(f"{path.name}.{secrets.token_hex(8)}{_TEMP}")
    try:
        with os.fdopen(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        tmp.replace(path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    _fsync_dir(path.parent)


class FolderStore:
    """Object store in a local folder; see the module docstring for the layout."""

    name = "folder"

    def __init__(self, root: Path, clock: Clock) -> None:
        self.root = root
        self._clock = clock
        for sub in ("objects", "locks", "ingests", "tmp"):
            (root / sub).mkdir(parents=True, exist_ok=True)

    def ping(self) -> None:
        if not (self.root / "objects").is_dir() or not os.access(self.root / "tmp", os.W_OK):
            raise StoreUnavailableError("archive_store_unavailable", "the store is not writable")

    # -- paths -------------------------------------------------------------------------
    @staticmethod
    def key_for(sha256: str) -> str:
        return f"objects/{sha256[:2]}/{sha256[2:4]}/{sha256}"

    def _object_path(self, key: str, version_id: str) -> Path:
        sha = key.rsplit("/", 1)[-1]
        if not _SHA.match(sha) or key != self.key_for(sha) or version_id != sha:
            raise ArchiveNotFoundError("archive_object_not_found", f"no object {key}@{version_id}")
        return self.root / key

    def _lock_path(self, sha256: str) -> Path:
        return self.root / "locks" / sha256[:2] / sha256[2:4] / f"{sha256}.json"

    def _ingest_path(self, ingest_id: str) -> Path:
        if not _INGEST_ID.match(ingest_id):
            raise ArchiveInputError("archive_bad_ingest_id", "malformed ingest id")
        return self.root / "ingests" / ingest_id

    # -- writing -----------------------------------------------------------------------
    def _part_path(self, ingest_id: str) -> Path:
        """This ingest's own copy of its bytes, kept until the ingest is forgotten."""
        return self.root / "tmp" / f"{ingest_id}{_PART}"

    def put(self, ingest_id: str, stream: BinaryIO, *, media_type: str) -> StoredObject:
        marker = self._ingest_path(ingest_id)
        part = self._part_path(ingest_id)
        reader = HashingReader(stream)
        try:
            with os.fdopen(os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as out:
                while chunk := reader.read(CHUNK_SIZE):
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            sha = reader.sha256
            _write_atomic(marker, sha.encode())
            self._link(part, sha)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                part.unlink()
            raise
        return StoredObject(self.key_for(sha), sha, sha, reader.size)

    def _link(self, part: Path, sha: str) -> None:
        final = self.root / self.key_for(sha)
        final.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(part, final)  # fails if the object exists: never overwrite
        except FileExistsError:
            return  # identical bytes already stored: deduplicated
        except FileNotFoundError as exc:  # ``reconcile`` removed the copy of this ingest
            raise ArchiveConflictError(
                "archive_ingest_abandoned", "reconcile dropped this ingest while it ran"
            ) from exc
        final.chmod(0o400)
        _fsync_dir(final.parent)

    def keep(self, ingest_id: str, obj: StoredObject) -> None:
        if not self.exists(obj.key, obj.version_id):
            self._link(self._part_path(ingest_id), obj.sha256)

    def locate(self, ingest_id: str) -> StoredObject | None:
        marker = self._ingest_path(ingest_id)
        if not marker.exists():
            return None
        sha = marker.read_text().strip()
        path = self.root / self.key_for(sha) if _SHA.match(sha) else None
        if path is None or not path.exists():
            return None
        return StoredObject(self.key_for(sha), sha, sha, path.stat().st_size)

    def forget_ingest(self, ingest_id: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self._ingest_path(ingest_id).unlink()
        with contextlib.suppress(FileNotFoundError):
            self._part_path(ingest_id).unlink()

    def sweep(self, pending: Collection[str]) -> int:
        """Markers, copies and temp files of ingests no journal row knows, lock temp files."""
        leftovers = [
            path
            for folder in (self.root / "ingests", self.root / "tmp")
            for path in folder.iterdir()
            if path.name.split(".", 1)[0] not in pending
        ]
        leftovers += (self.root / "locks").rglob(f"*{_TEMP}")
        for path in leftovers:
            path.unlink(missing_ok=True)
        return len(leftovers)

    # -- locks -------------------------------------------------------------------------
    def lock_of(self, key: str, version_id: str) -> ObjectLock:
        self._object_path(key, version_id)
        path = self._lock_path(version_id)
        if not path.exists():
            return ObjectLock(retain_until=None)
        data = json.loads(path.read_text())
        until = datetime.fromisoformat(data["retain_until"]) if data["retain_until"] else None
        return ObjectLock(until, data["mode"], bool(data["legal_hold"]))

    def _write_lock(self, sha: str, lock: ObjectLock) -> None:
        until = lock.retain_until.isoformat() if lock.retain_until else None
        body = {"retain_until": until, "mode": lock.mode, "legal_hold": lock.legal_hold}
        _write_atomic(self._lock_path(sha), json.dumps(body).encode())

    def protect(self, obj: StoredObject, lock: ObjectLock) -> None:
        if not self.exists(obj.key, obj.version_id):
            raise ArchiveNotFoundError("archive_object_not_found", f"no object {obj.key}")
        current = self.lock_of(obj.key, obj.version_id)
        until = lock.retain_until
        if current.retain_until is not None and (until is None or until < current.retain_until):
            until = current.retain_until  # retention is extended, never shortened
        mode = "COMPLIANCE" if "COMPLIANCE" in (current.mode, lock.mode) else lock.mode
        legal_hold = current.legal_hold or lock.legal_hold
        self._write_lock(obj.version_id, ObjectLock(until, mode, legal_hold))

    def set_legal_hold(self, key: str, version_id: str, on: bool) -> None:
        current = self.lock_of(key, version_id)
        self._write_lock(version_id, ObjectLock(current.retain_until, current.mode, on))

    # -- reading and deleting ----------------------------------------------------------
    def open(self, key: str, version_id: str) -> Iterator[bytes]:
        path = self._object_path(key, version_id)
        try:
            stream = open(path, "rb")  # noqa: SIM115 - closed by _chunks
        except FileNotFoundError as exc:
            raise ArchiveNotFoundError("archive_object_not_found", f"no object {key}") from exc
        return self._chunks(stream)

    @staticmethod
    def _chunks(stream: BinaryIO) -> Iterator[bytes]:
        with stream:
            while chunk := stream.read(CHUNK_SIZE):
                yield chunk

    def exists(self, key: str, version_id: str) -> bool:
        try:
            return self._object_path(key, version_id).is_file()
        except ArchiveNotFoundError:
            return False

    def delete(self, key: str, version_id: str) -> None:
        path = self._object_path(key, version_id)
        if not path.exists():
            raise ArchiveNotFoundError("archive_object_not_found", f"no object {key}")
        if self.lock_of(key, version_id).blocks_delete(self._clock.now()):
            raise ObjectLockedError(message=f"{key} is under retention or legal hold")
        path.unlink()
        with contextlib.suppress(FileNotFoundError):
            self._lock_path(version_id).unlink()
        _fsync_dir(path.parent)
