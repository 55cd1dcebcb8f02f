"""A put that reports failure leaves nothing a later ``reconcile`` turns into a document, and a
retry with the same bytes in the same dossier is the same document (issue 20, item 2).

The faults are real failures of the real backends: a database trigger makes PostgreSQL or
SQLite refuse the write exactly as a full disk does, after the object was stored; the object
store's lock write fails with ENOSPC; a process is killed after its bytes were stored.
"""

from __future__ import annotations

import errno
import io
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from archive import fixity
from archive.catalog import tables as t
from archive.errors import ArchiveConflictError
from archive.ingest import Archive
from archive.metadata import DocumentMeta, SignatureSummary
from archive.store.base import ObjectLock, ObjectStore, StoredObject
from archive.store.folder import FolderStore
from tests.archive.faultdb import free, refuse, stored_objects

pytestmark = pytest.mark.faults
META = DocumentMeta(title="Biên bản bàn giao", retention="10")
DATA = b"%PDF-1.7 bien ban ban giao " + bytes(range(256)) * 40
CHILD = Path(__file__).with_name("ingest_child.py")
ROOT = Path(__file__).resolve().parents[2]


def count(engine: sa.Engine, table: sa.Table) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(sa.select(sa.func.count()).select_from(table)) or 0)


def put(archive: Archive, data: bytes = DATA, dossier: str = "HS-GHOST") -> str:
    return archive.put(io.BytesIO(data), dossier_code=dossier, meta=META).document_id


def assert_retry_is_one_document(archive: Archive, dossier: str = "HS-GHOST") -> None:
    """After the failure: reconcile adds nothing; the retry stores; a second retry is a no-op."""
    report = archive.reconcile()
    assert report.finished == ()
    if archive.catalog.has_dossier(dossier):
        assert archive.catalog.document_ids(dossier) == []
    first = archive.put(io.BytesIO(DATA), dossier_code=dossier, meta=META)
    again = archive.put(io.BytesIO(DATA), dossier_code=dossier, meta=META)
    assert not first.deduplicated
    assert again.deduplicated and again.document_id == first.document_id
    archive.reconcile()
    assert archive.catalog.document_ids(dossier) == [first.document_id]
    assert [v.number for v in archive.catalog.document(first.document_id).versions] == [1]
    assert archive.catalog.pending_ingests() == []
    assert len(stored_objects(archive.store)) == 1
    assert fixity.audit(archive).ok


def test_a_put_the_database_refused_after_storing_is_rolled_back_completely(
    archive: Archive,
) -> None:
    """The full-disk case of the issue: fail, free space, retry, reconcile -> one document."""
    engine = archive.catalog.engine
    refuse(engine, "archive_versions", "INSERT")
    with pytest.raises(sa.exc.DBAPIError):
        put(archive)
    assert archive.catalog.pending_ingests() == []  # no journal row left for reconcile
    assert stored_objects(archive.store) == []  # and no object
    assert count(engine, t.documents) == 0 and not archive.catalog.has_dossier("HS-GHOST")
    free(engine)
    assert_retry_is_one_document(archive)


def test_a_journal_row_the_failed_put_could_not_remove_is_dropped_not_finished(
    archive: Archive,
) -> None:
    """Even when the database refuses the clean-up too, reconcile makes no document of it."""
    engine = archive.catalog.engine
    refuse(engine, "archive_versions", "INSERT")
    refuse(engine, "archive_pending_ingests", "DELETE")
    with pytest.raises(sa.exc.DBAPIError):
        put(archive)
    assert len(archive.catalog.pending_ingests()) == 1  # the database kept it
    free(engine)
    report = archive.reconcile()
    assert len(report.dropped) == 1 and report.finished == ()
    assert count(engine, t.documents) == 0 and count(engine, t.versions) == 0
    assert stored_objects(archive.store) == []
    assert_retry_is_one_document(archive)


@pytest.fixture
def store_archive(store: ObjectStore, catalog: object) -> Archive:
    """An archive on each object store (folder, SeaweedFS), SQLite and PostgreSQL catalogs."""
    return Archive(store, catalog)  # type: ignore[arg-type]


def test_a_put_whose_object_lock_could_not_be_written_is_rolled_back(
    store_archive: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The lock (folder: a JSON file; S3: retention) is written after the bytes: ENOSPC there."""
    archive = store_archive
    real_protect = archive.store.protect

    def disk_full(obj: StoredObject, lock: ObjectLock) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(archive.store, "protect", disk_full)
    with pytest.raises(OSError):
        put(archive)
    assert archive.catalog.pending_ingests() == []
    assert stored_objects(archive.store) == []
    assert count(archive.catalog.engine, t.versions) == 0
    monkeypatch.setattr(archive.store, "protect", real_protect)
    assert_retry_is_one_document(archive)


class _ReconcilingVerifier:
    """A verifier during whose work an operator runs ``reconcile`` on every pending ingest."""

    def __init__(self, archive: Archive) -> None:
        self.archive = archive
        self.dropped: tuple[str, ...] = ()

    def summarise(self, chunks: Iterator[bytes]) -> SignatureSummary | None:
        b"".join(chunks)
        self.dropped = self.archive.reconcile().dropped
        return None


def test_an_ingest_reconcile_dropped_while_it_ran_fails_and_stores_nothing(
    archive: Archive,
) -> None:
    verifier = _ReconcilingVerifier(archive)
    archive.verifier = verifier
    with pytest.raises(ArchiveConflictError) as refused:
        archive.put(
            io.BytesIO(DATA), dossier_code="HS-GHOST", meta=META, media_type="application/pdf"
        )
    assert refused.value.code == "archive_ingest_abandoned"
    assert len(verifier.dropped) == 1
    assert count(archive.catalog.engine, t.versions) == 0
    assert stored_objects(archive.store) == []
    archive.verifier = None
    assert_retry_is_one_document(archive)


def test_a_process_killed_after_storing_its_bytes_leaves_no_document(
    database_url: str, archive: Archive
) -> None:
    """Nobody was told "stored": reconcile removes the object instead of cataloguing it."""
    store = archive.store
    assert isinstance(store, FolderStore)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen(
        [sys.executable, str(CHILD), database_url, "folder", str(store.root), "--after-store"],
        stdout=subprocess.PIPE,
        env=env,
        cwd=ROOT,
    )
    assert child.stdout is not None
    assert child.stdout.readline().strip() == b"STORED", "the child died before storing"
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=30)
    assert len(stored_objects(store)) == 1 and len(archive.catalog.pending_ingests()) == 1
    report = archive.reconcile()
    assert len(report.dropped) == 1 and report.finished == ()
    assert count(archive.catalog.engine, t.versions) == 0
    assert stored_objects(store) == []
    assert [p.name for p in (store.root / "tmp").iterdir()] == []
    assert [p.name for p in (store.root / "ingests").iterdir()] == []
