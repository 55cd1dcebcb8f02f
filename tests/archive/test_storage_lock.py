"""Object lock holds at the storage level, not only in kyso's own checks."""

from __future__ import annotations

import io
import stat
from datetime import timedelta

import pytest
from minio.commonconfig import COMPLIANCE
from minio.error import S3Error
from minio.retention import Retention

from archive.ingest import Archive
from archive.metadata import DocumentMeta
from archive.store.s3 import S3Store
from common.clock import FrozenClock

META = DocumentMeta(title="Bản gốc", retention="10")


@pytest.fixture
def s3_archive(s3_store: S3Store, catalog: object) -> Archive:
    return Archive(s3_store, catalog)  # type: ignore[arg-type]


@pytest.mark.s3
def test_s3_server_refuses_to_delete_a_locked_original(
    s3_archive: Archive, s3_store: S3Store
) -> None:
    version = s3_archive.put(io.BytesIO(b"locked"), dossier_code="HS", meta=META).version
    client = s3_store._client  # the raw SDK: no kyso check in the way
    with pytest.raises(S3Error) as caught:
        client.remove_object(
            s3_store.bucket, version.storage_key, version_id=version.storage_version_id
        )
    assert caught.value.code == "AccessDenied"
    assert b"".join(s3_archive.read(version.document_id)[1]) == b"locked"


@pytest.mark.s3
def test_s3_overwrite_of_a_locked_original_only_adds_a_version(
    s3_archive: Archive, s3_store: S3Store
) -> None:
    version = s3_archive.put(io.BytesIO(b"original"), dossier_code="HS", meta=META).version
    client = s3_store._client
    client.put_object(s3_store.bucket, version.storage_key, io.BytesIO(b"forged"), 6)
    assert b"".join(s3_archive.read(version.document_id)[1]) == b"original"


@pytest.mark.s3
def test_s3_server_refuses_to_shorten_retention(
    s3_archive: Archive, s3_store: S3Store, clock: FrozenClock
) -> None:
    version = s3_archive.put(io.BytesIO(b"keep"), dossier_code="HS", meta=META).version
    shorter = Retention(COMPLIANCE, clock.now() + timedelta(days=1))
    with pytest.raises(S3Error):
        s3_store._client.set_object_retention(
            s3_store.bucket, version.storage_key, shorter, version_id=version.storage_version_id
        )


def test_folder_original_is_read_only_and_never_rewritten(archive: Archive) -> None:
    first = archive.put(io.BytesIO(b"same bytes"), dossier_code="HS-1", meta=META).version
    path = archive.store.root / first.storage_key  # type: ignore[attr-defined]
    assert stat.S_IMODE(path.stat().st_mode) == 0o400
    inode = path.stat().st_ino
    archive.put(io.BytesIO(b"same bytes"), dossier_code="HS-2", meta=META)
    assert path.stat().st_ino == inode and path.read_bytes() == b"same bytes"
