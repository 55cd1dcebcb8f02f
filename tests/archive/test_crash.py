"""Killing the process (SIGKILL) in the middle of an upload leaves the archive consistent."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from api.database import make_engine, migrate
from archive import fixity
from archive.catalog import tables as t
from archive.catalog.sql import SqlCatalog
from archive.ingest import Archive
from archive.metadata import DocumentMeta
from archive.store.base import ObjectStore
from archive.store.folder import FolderStore
from archive.store.s3 import S3Store
from common.clock import FrozenClock
from tests.s3 import SeaweedFS

pytestmark = pytest.mark.faults
CHILD = Path(__file__).with_name("ingest_child.py")
ROOT = Path(__file__).resolve().parents[2]


def _kill_mid_upload(args: list[str]) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, str(CHILD), *args], stdout=subprocess.PIPE, env=env, cwd=ROOT
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()  # blocks until the child is mid-upload (or dies)
    assert line.strip() == b"UPLOADING", "the child died before it started uploading"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL


def _count(engine: sa.Engine, table: sa.Table) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(sa.select(sa.func.count()).select_from(table)) or 0)


def _check_consistent_after_kill(archive: Archive) -> None:
    engine = archive.catalog.engine
    assert _count(engine, t.versions) == 1  # only the document stored before the crash
    assert _count(engine, t.documents) == 1
    assert _count(engine, t.pending_ingests) == 1  # the journal knows about the cut upload
    report = archive.reconcile()
    assert len(report.dropped) == 1 and report.finished == ()
    assert _count(engine, t.pending_ingests) == 0
    assert _count(engine, t.documents) == 1
    assert fixity.audit(archive).ok
    # the archive still works normally
    again = archive.put(io.BytesIO(b"after crash"), dossier_code="HS-CRASH", meta=META)
    assert b"".join(archive.read(again.document_id)[1]) == b"after crash"


META = DocumentMeta(title="trước sự cố")


def _prepare(database_url: str, store: ObjectStore, clock: FrozenClock) -> Archive:
    engine = make_engine(database_url)
    migrate(engine)
    archive = Archive(store, SqlCatalog(engine, clock))
    archive.put(io.BytesIO(b"stored before the crash"), dossier_code="HS-CRASH", meta=META)
    return archive


def test_kill_during_folder_upload_leaves_no_partial_version(
    database_url: str, tmp_path: Path, clock: FrozenClock
) -> None:
    store = FolderStore(tmp_path / "objects", clock)
    archive = _prepare(database_url, store, clock)
    _kill_mid_upload([database_url, "folder", str(store.root)])
    objects = [p for p in (store.root / "objects").rglob("*") if p.is_file()]
    assert len(objects) == 1  # the earlier original only
    _check_consistent_after_kill(archive)
    assert list((store.root / "tmp").iterdir()) == []  # reconcile removed the partial file
    archive.catalog.engine.dispose()


@pytest.mark.s3
def test_kill_during_s3_multipart_upload_leaves_no_object(
    seaweedfs: SeaweedFS, s3_store: S3Store, tmp_path: Path, clock: FrozenClock
) -> None:
    url = f"sqlite:///{tmp_path / 'kyso.db'}"
    archive = _prepare(url, s3_store, clock)
    _kill_mid_upload(
        [url, "s3", seaweedfs.endpoint, s3_store.bucket, seaweedfs.access_key, seaweedfs.secret_key]
    )
    client = s3_store._client
    listed = list(client.list_objects(s3_store.bucket, prefix="objects/", include_version=True))
    assert len(listed) == 1  # the half-sent multipart upload is not an object
    _check_consistent_after_kill(archive)
    archive.catalog.engine.dispose()
