"""The S3 server stops in the middle of an upload: nothing half-written becomes visible, what
was stored before is intact, and the archive is consistent once the server is back."""

from __future__ import annotations

import io
import secrets
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from minio import Minio

from archive.catalog.sql import SqlCatalog
from archive.fixity import audit
from archive.ingest import Archive
from archive.metadata import DocumentMeta
from archive.store.s3 import S3Store
from common.clock import FrozenClock
from common.errors import KysoError
from tests.s3 import SeaweedFS, start_seaweedfs, stop_seaweedfs

pytestmark = [pytest.mark.faults, pytest.mark.s3, pytest.mark.slow]
BUCKET = "kyso-outage-" + secrets.token_hex(4)


def _archive(server: SeaweedFS, engine_url: str, clock: FrozenClock) -> Archive:
    from api.database import make_engine, migrate

    client = Minio(
        server.endpoint, access_key=server.access_key, secret_key=server.secret_key, secure=False
    )
    store = S3Store(client, BUCKET, clock)
    store.ensure_bucket()
    engine = make_engine(engine_url)
    migrate(engine)
    return Archive(store, SqlCatalog(engine, clock))


class SlowStream(io.RawIOBase):
    """16 MiB that arrive slowly; the server is stopped after the first 4 MiB were read."""

    def __init__(self, stop_after: int, on_stop: threading.Event) -> None:
        self.sent = 0
        self.stop_after = stop_after
        self.on_stop = on_stop

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray) -> int:  # type: ignore[override]
        if self.sent >= 16 * 1024 * 1024:
            return 0
        if self.sent >= self.stop_after:
            self.on_stop.set()
        size = min(len(buffer), 256 * 1024)
        buffer[:size] = secrets.token_bytes(size)
        self.sent += size
        return size


def test_s3_stopping_mid_upload_loses_nothing_and_leaves_no_partial_version(
    tmp_path: Path,
) -> None:
    data = tmp_path / "weed"
    data.mkdir()
    clock = FrozenClock(datetime(2026, 11, 23, tzinfo=UTC))
    url = f"sqlite:///{tmp_path / 'catalog.db'}"
    proc, server = start_seaweedfs(data)
    try:
        archive = _archive(server, url, clock)
        kept = archive.put(
            io.BytesIO(b"ban goc da luu truoc su co"),
            dossier_code="HS-1",
            meta=DocumentMeta(title="Bản gốc lưu trước sự cố"),
            media_type="text/plain",
        )
        stop = threading.Event()
        killer = threading.Thread(target=lambda: (stop.wait(60), stop_seaweedfs(proc)))
        killer.start()
        with pytest.raises(KysoError):
            archive.put(
                io.BufferedReader(SlowStream(4 * 1024 * 1024, stop)),
                dossier_code="HS-1",
                meta=DocumentMeta(title="Tệp đang tải lên khi S3 dừng"),
                media_type="application/octet-stream",
            )
        killer.join()
        assert archive.catalog.pending_ingests() == []  # the failed ingest cleaned up after itself
    finally:
        stop_seaweedfs(proc)

    proc, server = start_seaweedfs(data)  # the server comes back (new ports, same data)
    try:
        archive = _archive(server, url, clock)
        report = archive.reconcile()
        assert report.dropped == () and report.finished == ()
        assert archive.catalog.document_ids("HS-1") == [kept.document_id]
        client = Minio(
            server.endpoint, access_key=server.access_key, secret_key=server.secret_key,
            secure=False,
        )  # fmt: skip
        stored = list(client.list_objects(BUCKET, recursive=True, include_version=True))
        assert [o.object_name for o in stored] == [kept.version.storage_key]  # no partial object
        version, chunks = archive.read(kept.document_id)
        assert b"".join(chunks) == b"ban goc da luu truoc su co"
        assert version.sha256 == kept.version.sha256
        fixity = audit(archive)
        assert fixity.ok and fixity.checked == 1
    finally:
        stop_seaweedfs(proc)
