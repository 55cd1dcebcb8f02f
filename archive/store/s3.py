"""S3 object store through the minio SDK: a versioned bucket with object lock.

Each ingest writes ``objects/<ingest id>`` (multipart for large files, so memory stays at one
part) while hashing; the archive then locks that exact version with retention (COMPLIANCE or
GOVERNANCE until the end of the record's retention) and, when asked, a legal hold. From then
on the server itself refuses to delete the version, and a PUT to the same key only adds a
newer version. kyso checks the lock before deleting as well, so a server that does not
enforce object lock still cannot lose an original through kyso.

The calls block; async callers run them in a thread.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterator
from datetime import UTC, datetime
from typing import BinaryIO

from minio import Minio
from minio.commonconfig import COMPLIANCE, GOVERNANCE
from minio.error import MinioException, S3Error
from minio.retention import Retention
from urllib3.exceptions import HTTPError

from archive.errors import (
    ArchiveInputError,
    ArchiveNotFoundError,
    ObjectLockedError,
    StoreUnavailableError,
)
from archive.store.base import HashingReader, ObjectLock, StoredObject
from archive.store.s3_upload import upload_stream
from common.clock import Clock
from common.hashing import CHUNK_SIZE

log = logging.getLogger(__name__)

#: multipart part size and parts in flight: memory per upload is about (PARALLEL + 1) parts
PART_SIZE = 8 * 1024 * 1024
PARALLEL_UPLOADS = 3
_MISSING = {"NoSuchKey", "NoSuchVersion", "NoSuchObject", "InvalidArgument"}
_NO_LOCK = {"NoSuchObjectLockConfiguration", "ObjectLockConfigurationNotFoundError"}
#: what the SDK raises when S3 fails or cannot be reached (urllib3 gives up after retries)
_FAILURES = (MinioException, OSError, HTTPError)


def _translate(exc: Exception, what: str) -> Exception:
    if isinstance(exc, S3Error):
        if exc.code in _MISSING:
            return ArchiveNotFoundError("archive_object_not_found", f"no object {what}")
        if exc.code == "AccessDenied":
            return ObjectLockedError(message=f"{what} is under retention or legal hold")
        return StoreUnavailableError(message=f"S3 refused {what}: {exc.code}")
    return StoreUnavailableError(message=f"S3 failed on {what}: {type(exc).__name__}")


class S3Store:
    """Object store in an S3 bucket with versioning and object lock."""

    name = "s3"

    def __init__(self, client: Minio, bucket: str, clock: Clock) -> None:
        self._client = client
        self.bucket = bucket
        self._clock = clock

    def ping(self) -> None:
        try:
            found = self._client.bucket_exists(self.bucket)
        except _FAILURES as exc:
            raise StoreUnavailableError("archive_store_unavailable", "S3 is unreachable") from exc
        if not found:
            raise StoreUnavailableError("archive_store_unavailable", "the bucket is missing")

    def ensure_bucket(self) -> None:
        """Create the bucket with object lock (which turns versioning on), or check it."""
        try:
            if not self._client.bucket_exists(self.bucket):
                self._client.make_bucket(self.bucket, object_lock=True)
            status = self._client.get_bucket_versioning(self.bucket).status
            self._client.get_object_lock_config(self.bucket)
        except S3Error as exc:
            if exc.code in _NO_LOCK:
                raise ArchiveInputError(
                    "archive_bucket_without_lock",
                    f"bucket {self.bucket} has no object lock; create a new bucket with it",
                ) from exc
            raise _translate(exc, self.bucket) from exc
        except ValueError as exc:
            raise ArchiveInputError("archive_bad_bucket", f"bad bucket name {self.bucket}") from exc
        except _FAILURES as exc:
            raise _translate(exc, self.bucket) from exc
        if status != "Enabled":
            raise ArchiveInputError(
                "archive_bucket_not_versioned", f"bucket {self.bucket} is not versioned"
            )

    @staticmethod
    def key_for(ingest_id: str) -> str:
        return f"objects/{ingest_id}"

    def put(self, ingest_id: str, stream: BinaryIO, *, media_type: str) -> StoredObject:
        key = self.key_for(ingest_id)
        reader = HashingReader(stream)
        try:
            version_id = upload_stream(
                self._client,
                self.bucket,
                key,
                reader,
                media_type=media_type,
                part_size=PART_SIZE,
                parallel=PARALLEL_UPLOADS,
            )
        except _FAILURES as exc:
            raise _translate(exc, key) from exc
        if not version_id:
            raise StoreUnavailableError(message=f"bucket {self.bucket} returned no version id")
        return StoredObject(key, version_id, reader.sha256, reader.size)

    def locate(self, ingest_id: str) -> StoredObject | None:
        key = self.key_for(ingest_id)
        try:
            stat = self._client.stat_object(self.bucket, key)
        except S3Error as exc:
            if exc.code in _MISSING:
                return None
            raise _translate(exc, key) from exc
        except _FAILURES as exc:
            raise _translate(exc, key) from exc
        version = stat.version_id or ""
        reader_digest = HashingReader(_IterReader(self.open(key, version)))
        while reader_digest.read(CHUNK_SIZE):
            pass
        return StoredObject(key, version, reader_digest.sha256, reader_digest.size)

    def keep(self, ingest_id: str, obj: StoredObject) -> None:
        """Nothing to do: ``objects/<ingest id>`` is this ingest's own key."""

    def forget_ingest(self, ingest_id: str) -> None:
        """Nothing to do: the object key is the ingest id."""

    def sweep(self, pending: Collection[str]) -> int:
        """Abort the unfinished multipart uploads of ingests no journal row knows (a killed
        process leaves one: invisible, but it takes space). One listing page per call."""
        try:
            listed = self._client._list_multipart_uploads(self.bucket, prefix="objects/")
            stale = [
                upload
                for upload in listed.uploads
                if upload.object_name.removeprefix("objects/") not in pending and upload.upload_id
            ]
            for upload in stale:
                self._client._abort_multipart_upload(
                    self.bucket, upload.object_name, str(upload.upload_id)
                )
        except _FAILURES as exc:
            raise _translate(exc, "multipart uploads") from exc
        return len(stale)

    def lock_of(self, key: str, version_id: str) -> ObjectLock:
        try:
            stat = self._client.stat_object(self.bucket, key, version_id=version_id)
        except _FAILURES as exc:
            raise _translate(exc, key) from exc
        meta = {k.lower(): v for k, v in (stat.metadata or {}).items()}
        mode = meta.get("x-amz-object-lock-mode")
        until_text = meta.get("x-amz-object-lock-retain-until-date")
        until = (
            datetime.fromisoformat(until_text.replace("Z", "+00:00")).astimezone(UTC)
            if until_text
            else None
        )
        hold = meta.get("x-amz-object-lock-legal-hold", "OFF").upper() == "ON"
        return ObjectLock(until, "GOVERNANCE" if mode == "GOVERNANCE" else "COMPLIANCE", hold)

    def protect(self, obj: StoredObject, lock: ObjectLock) -> None:
        current = self.lock_of(obj.key, obj.version_id)
        until = lock.retain_until
        if current.retain_until is not None and (until is None or until < current.retain_until):
            until = current.retain_until  # retention is extended, never shortened
        mode = "COMPLIANCE" if "COMPLIANCE" in (current.mode, lock.mode) else lock.mode
        try:
            if until is not None and until != current.retain_until:
                retention = Retention(COMPLIANCE if mode == "COMPLIANCE" else GOVERNANCE, until)
                self._client.set_object_retention(
                    self.bucket, obj.key, retention, version_id=obj.version_id
                )
            if lock.legal_hold and not current.legal_hold:
                self._client.enable_object_legal_hold(
                    self.bucket, obj.key, version_id=obj.version_id
                )
        except _FAILURES as exc:
            raise _translate(exc, obj.key) from exc

    def set_legal_hold(self, key: str, version_id: str, on: bool) -> None:
        try:
            if on:
                self._client.enable_object_legal_hold(self.bucket, key, version_id=version_id)
            else:
                self._client.disable_object_legal_hold(self.bucket, key, version_id=version_id)
        except _FAILURES as exc:
            raise _translate(exc, key) from exc

    def open(self, key: str, version_id: str) -> Iterator[bytes]:
        try:
            response = self._client.get_object(self.bucket, key, version_id=version_id)
        except _FAILURES as exc:
            raise _translate(exc, key) from exc
        return self._chunks(response)

    @staticmethod
    def _chunks(response: object) -> Iterator[bytes]:
        try:
            yield from response.stream(CHUNK_SIZE)  # type: ignore[attr-defined]
        finally:
            response.close()  # type: ignore[attr-defined]
            response.release_conn()  # type: ignore[attr-defined]

    def exists(self, key: str, version_id: str) -> bool:
        try:
            self._client.stat_object(self.bucket, key, version_id=version_id)
        except S3Error as exc:
            if exc.code in _MISSING:
                return False
            raise _translate(exc, key) from exc
        except _FAILURES as exc:
            raise _translate(exc, key) from exc
        return True

    def delete(self, key: str, version_id: str) -> None:
        if not self.exists(key, version_id):
            raise ArchiveNotFoundError("archive_object_not_found", f"no object {key}")
        if self.lock_of(key, version_id).blocks_delete(self._clock.now()):
            raise ObjectLockedError(message=f"{key} is under retention or legal hold")
        try:
            self._client.remove_object(self.bucket, key, version_id=version_id)
        except _FAILURES as exc:
            raise _translate(exc, key) from exc


class _IterReader:
    """A minimal ``read()`` over an iterator of chunks (used to re-hash a stored object)."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks

    def read(self, size: int = -1) -> bytes:
        return next(self._chunks, b"")
