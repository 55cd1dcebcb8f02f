"""One behaviour suite, run on the folder store and on a real SeaweedFS S3 server."""

from __future__ import annotations

import contextlib
import io
import secrets
from datetime import timedelta

import pytest

from archive.errors import ArchiveNotFoundError, ObjectLockedError
from archive.store.base import ObjectLock, ObjectStore
from common.clock import FrozenClock
from common.hashing import sha256_bytes


def _read(store: ObjectStore, key: str, version: str) -> bytes:
    return b"".join(store.open(key, version))


def _ingest_id() -> str:
    return "ing" + secrets.token_hex(8)


def test_put_hashes_while_storing_and_reads_back_exact_bytes(store: ObjectStore) -> None:
    data = secrets.token_bytes(3 * 1024 * 1024 + 7)
    obj = store.put(_ingest_id(), io.BytesIO(data), media_type="application/pdf")
    assert obj.sha256 == sha256_bytes(data)
    assert obj.size == len(data)
    assert _read(store, obj.key, obj.version_id) == data
    assert store.exists(obj.key, obj.version_id)


def test_empty_file_is_stored(store: ObjectStore) -> None:
    obj = store.put(_ingest_id(), io.BytesIO(b""), media_type="text/plain")
    assert obj.size == 0
    assert _read(store, obj.key, obj.version_id) == b""


def test_storing_again_never_replaces_the_first_bytes(store: ObjectStore) -> None:
    first = store.put(_ingest_id(), io.BytesIO(b"original"), media_type="text/plain")
    second = store.put(_ingest_id(), io.BytesIO(b"changed"), media_type="text/plain")
    assert (second.key, second.version_id) != (first.key, first.version_id)
    assert _read(store, first.key, first.version_id) == b"original"
    assert _read(store, second.key, second.version_id) == b"changed"


def test_locate_finds_what_an_ingest_stored_until_forgotten(store: ObjectStore) -> None:
    ingest = _ingest_id()
    obj = store.put(ingest, io.BytesIO(b"recover me"), media_type="text/plain")
    assert store.locate(ingest) == obj
    assert store.locate(_ingest_id()) is None


def test_unprotected_object_can_be_deleted(store: ObjectStore) -> None:
    obj = store.put(_ingest_id(), io.BytesIO(b"scratch"), media_type="text/plain")
    store.delete(obj.key, obj.version_id)
    assert not store.exists(obj.key, obj.version_id)
    with pytest.raises(ArchiveNotFoundError):
        b"".join(store.open(obj.key, obj.version_id))


def test_deleting_an_original_under_retention_is_refused(
    store: ObjectStore, clock: FrozenClock
) -> None:
    obj = store.put(_ingest_id(), io.BytesIO(b"locked original"), media_type="text/plain")
    store.protect(obj, ObjectLock(clock.now() + timedelta(days=3650)))
    with pytest.raises(ObjectLockedError):
        store.delete(obj.key, obj.version_id)
    assert _read(store, obj.key, obj.version_id) == b"locked original"


def test_retention_is_never_shortened(store: ObjectStore, clock: FrozenClock) -> None:
    obj = store.put(_ingest_id(), io.BytesIO(b"keep long"), media_type="text/plain")
    long_until = (clock.now() + timedelta(days=3650)).replace(microsecond=0)
    store.protect(obj, ObjectLock(long_until))
    # refusing is as good as ignoring: the long retention must remain
    with contextlib.suppress(ObjectLockedError):
        store.protect(obj, ObjectLock(clock.now() + timedelta(days=1)))
    assert store.lock_of(obj.key, obj.version_id).retain_until == long_until


def test_legal_hold_blocks_delete_until_released(store: ObjectStore) -> None:
    obj = store.put(_ingest_id(), io.BytesIO(b"evidence"), media_type="text/plain")
    store.protect(obj, ObjectLock(None, legal_hold=True))
    assert store.lock_of(obj.key, obj.version_id).legal_hold
    with pytest.raises(ObjectLockedError):
        store.delete(obj.key, obj.version_id)
    store.set_legal_hold(obj.key, obj.version_id, on=False)
    store.delete(obj.key, obj.version_id)
    assert not store.exists(obj.key, obj.version_id)


def test_unknown_version_is_not_found(store: ObjectStore) -> None:
    obj = store.put(_ingest_id(), io.BytesIO(b"x"), media_type="text/plain")
    assert not store.exists(obj.key, "0" * 64)
    with pytest.raises(ArchiveNotFoundError):
        b"".join(store.open(obj.key, "0" * 64))
