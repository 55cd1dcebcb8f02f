"""The object-store boundary: what the archive needs from S3 or a folder, nothing more.

Both backends behave the same (tests/archive/test_store_behaviour.py runs one suite on both):
- ``put`` streams the bytes, hashing them on the way, and never overwrites a stored object;
- ``protect`` puts an object under retention (and legal hold when asked); a protected object
  cannot be deleted before its retention ends, nor while a legal hold is on;
- ``open`` reads one exact version back as chunks.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO, Literal, Protocol

LockMode = Literal["COMPLIANCE", "GOVERNANCE"]


@dataclass(frozen=True)
class StoredObject:
    """One immutable stored object version."""

    key: str
    version_id: str
    sha256: str
    size: int


@dataclass(frozen=True)
class ObjectLock:
    """Retention (until a moment, in a mode) and legal hold of one object version."""

    retain_until: datetime | None
    mode: LockMode = "COMPLIANCE"
    legal_hold: bool = False

    def blocks_delete(self, now: datetime) -> bool:
        return self.legal_hold or (self.retain_until is not None and now < self.retain_until)


class ObjectStore(Protocol):
    """A versioned object store with retention (object lock)."""

    #: short name shown in reports ("folder", "s3")
    name: str

    def ping(self) -> None:
        """Raise ``StoreUnavailableError`` when the store cannot be reached or written."""
        ...

    def put(self, ingest_id: str, stream: BinaryIO, *, media_type: str) -> StoredObject:
        """Store ``stream`` as a new object, hashing while writing; never overwrite one."""
        ...

    def locate(self, ingest_id: str) -> StoredObject | None:
        """The object a (possibly interrupted) ``put`` with this ingest id left, if complete."""
        ...

    def keep(self, ingest_id: str, obj: StoredObject) -> None:
        """Make sure ``obj``, which this ingest's ``put`` returned, is still stored (called
        under the catalog's write lock just before it is catalogued): identical bytes that a
        failed ingest removed meanwhile come back from this ingest's own copy."""
        ...

    def forget_ingest(self, ingest_id: str) -> None:
        """Drop the bookkeeping of a finished ingest (the object stays)."""
        ...

    def sweep(self, pending: Collection[str]) -> int:
        """Remove the bookkeeping left by ingests not in ``pending`` (a crash, a lost clean-up);
        called under the catalog's write lock. Returns how many files were removed."""
        ...

    def protect(self, obj: StoredObject, lock: ObjectLock) -> None:
        """Apply retention / legal hold; retention can be extended, never shortened."""
        ...

    def lock_of(self, key: str, version_id: str) -> ObjectLock:
        """The current retention and legal hold of one object version."""
        ...

    def set_legal_hold(self, key: str, version_id: str, on: bool) -> None:
        """Turn the legal hold of one object version on or off."""
        ...

    def open(self, key: str, version_id: str) -> Iterator[bytes]:
        """The bytes of one exact object version, as chunks."""
        ...

    def exists(self, key: str, version_id: str) -> bool:
        """Whether this object version is stored."""
        ...

    def delete(self, key: str, version_id: str) -> None:
        """Delete one object version; ObjectLockedError while retention or legal hold holds it."""
        ...


class Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


class HashingReader:
    """Wraps a binary stream: hashes and counts what is read through it (flat memory)."""

    def __init__(self, stream: Readable) -> None:
        self._stream = stream
        self._digest = hashlib.sha256()
        self.size = 0

    def read(self, size: int = -1) -> bytes:
        chunk = self._stream.read(size)
        self._digest.update(chunk)
        self.size += len(chunk)
        return chunk

    @property
    def sha256(self) -> str:
        return self._digest.hexdigest()
