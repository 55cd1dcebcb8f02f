"""Twenty parallel puts of each kind, on SQLite and PostgreSQL, threads and processes, folder
store and S3 (issue 20, item 3): every put succeeds, ``reconcile`` afterwards has nothing to
do, a dossier never holds the same bytes twice, versions are numbered 1..n without gaps, and
fixity and the audit chain hold. Concurrent puts sharing one stored object never weaken its
legal hold or shorten its retention."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import sqlalchemy as sa

from api.settings import Settings
from archive import fixity, retention
from archive.catalog import tables as t
from archive.catalog.sql import SqlCatalog
from archive.ingest import Archive
from archive.metadata import DocumentMeta, DossierMeta, IngestResult
from archive.store.base import ObjectStore
from archive.store.folder import FolderStore
from archive.store.s3 import S3Store

PARALLEL = 20
KYSO = str(Path(sys.executable).parent / "kyso")
META = DocumentMeta(title="Đơn đề nghị", retention="10")


def _payload(number: int) -> bytes:
    return f"%PDF-1.7 don de nghi so {number}\n".encode() + bytes(range(256)) * 8


def _in_parallel(work: Callable[[int], IngestResult]) -> list[IngestResult]:
    """``work(0..19)`` in 20 threads released together; every one must succeed."""
    start = threading.Barrier(PARALLEL)

    def run(number: int) -> IngestResult:
        start.wait()
        return work(number)

    with ThreadPoolExecutor(PARALLEL) as pool:
        return list(pool.map(run, range(PARALLEL)))


def assert_sound(archive: Archive) -> None:
    """The "Done when" of the issue, for every dossier of the archive."""
    engine = archive.catalog.engine
    assert archive.catalog.pending_ingests() == []
    report = archive.reconcile()
    assert report.dropped == () and report.finished == ()
    with engine.connect() as conn:
        codes = [row.code for row in conn.execute(sa.select(t.dossiers.c.code))]
    assert len(codes) == len(set(codes))
    for code in codes:
        documents = [archive.catalog.document(i) for i in archive.catalog.document_ids(code)]
        originals = Counter(d.versions[0].sha256 for d in documents)
        assert all(n == 1 for n in originals.values()), f"same bytes twice in {code}"
        for document in documents:
            assert [v.number for v in document.versions] == list(
                range(1, len(document.versions) + 1)
            )
    assert fixity.audit(archive).ok
    assert archive.catalog.audit_log.verify().ok


@pytest.fixture
def store_archive(store: ObjectStore, catalog: SqlCatalog) -> Archive:
    return Archive(store, catalog)


def test_parallel_new_documents_with_the_same_bytes_are_one_document(
    store_archive: Archive,
) -> None:
    """Folder store and SeaweedFS, each on SQLite and PostgreSQL."""
    archive = store_archive
    archive.catalog.create_dossier(DossierMeta("HS-SAME", "Hồ sơ"), actor="t")
    data = _payload(0)
    results = _in_parallel(
        lambda n: archive.put(io.BytesIO(data), dossier_code="HS-SAME", meta=META)
    )
    assert len({r.document_id for r in results}) == 1
    assert sum(not r.deduplicated for r in results) == 1
    assert archive.catalog.document_ids("HS-SAME") == [results[0].document_id]
    if isinstance(archive.store, S3Store):  # the 19 unneeded copies were deleted
        client = archive.store._client
        listed = client.list_objects(archive.store.bucket, prefix="objects/", include_version=True)
        assert len(list(listed)) == 1
    assert_sound(archive)


def test_parallel_new_documents_with_different_bytes_are_all_kept(archive: Archive) -> None:
    archive.catalog.create_dossier(DossierMeta("HS-MANY", "Hồ sơ"), actor="t")
    results = _in_parallel(
        lambda n: archive.put(io.BytesIO(_payload(n)), dossier_code="HS-MANY", meta=META)
    )
    assert len({r.document_id for r in results}) == PARALLEL
    assert len(archive.catalog.document_ids("HS-MANY")) == PARALLEL
    assert_sound(archive)


def test_parallel_new_versions_of_one_document_are_numbered_without_gaps(
    archive: Archive,
) -> None:
    first = archive.put(io.BytesIO(b"ban goc"), dossier_code="HS-V", meta=META)
    results = _in_parallel(
        lambda n: archive.put(
            io.BytesIO(_payload(n)), dossier_code="", document_id=first.document_id, kind="ocr"
        )
    )
    numbers = sorted(r.version.number for r in results)
    assert numbers == list(range(2, PARALLEL + 2))
    assert len(archive.catalog.document(first.document_id).versions) == PARALLEL + 1
    assert_sound(archive)


def test_parallel_puts_into_a_new_dossier_create_it_once(archive: Archive) -> None:
    results = _in_parallel(
        lambda n: archive.put(io.BytesIO(_payload(n)), dossier_code="HS-NEW", meta=META)
    )
    assert archive.catalog.has_dossier("HS-NEW")
    assert sorted(archive.catalog.document_ids("HS-NEW")) == sorted(r.document_id for r in results)
    assert_sound(archive)


def test_parallel_puts_sharing_one_object_never_weaken_its_lock(archive: Archive) -> None:
    """Twenty dossiers, the same bytes, retentions from 1 to 20 years, every other one under
    legal hold: the one lock file ends with the hold on and the longest retention."""
    data = _payload(99)

    def put(n: int) -> IngestResult:
        meta = DocumentMeta(title="Bản sao", retention=str(n + 1))
        return archive.put(
            io.BytesIO(data), dossier_code=f"HS-L{n}", meta=meta, legal_hold=n % 2 == 1
        )

    results = _in_parallel(put)
    keys = {(r.version.storage_key, r.version.storage_version_id) for r in results}
    assert len(keys) == 1 and len({r.document_id for r in results}) == PARALLEL
    lock = archive.store.lock_of(*keys.pop())
    assert lock.legal_hold
    assert lock.retain_until == max(r.version.retain_until for r in results)  # type: ignore[type-var]
    assert_sound(archive)


def test_lifting_a_hold_keeps_it_on_bytes_another_held_document_shares(
    archive: Archive,
) -> None:
    data = _payload(7)
    held = archive.put(io.BytesIO(data), dossier_code="HS-A", meta=META, legal_hold=True)
    other = archive.put(io.BytesIO(data), dossier_code="HS-B", meta=META)
    retention.set_legal_hold(archive, other.document_id, True, actor="t")
    retention.set_legal_hold(archive, other.document_id, False, actor="t")
    key = (held.version.storage_key, held.version.storage_version_id)
    assert archive.store.lock_of(*key).legal_hold  # HS-A's document is still held
    retention.set_legal_hold(archive, held.document_id, False, actor="t")
    assert not archive.store.lock_of(*key).legal_hold


# -- processes: the CLI, twenty at once, on the embedded defaults (SQLite, folder store) ---------
@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A data dir whose database exists (twenty *first* commands are another test's subject)."""
    data = tmp_path / "data"
    _cli(data, ["archive", "audit"])
    return data


def _env(data: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KYSO_")}
    return {**env, "KYSO_DATA_DIR": str(data), "KYSO_OBJECT_STORE": "folder"}


def _cli(data: Path, args: list[str]) -> str:
    done = subprocess.run([KYSO, *args], env=_env(data), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _cli_in_parallel(data: Path, runs: list[list[str]]) -> list[str]:
    procs = [
        subprocess.Popen(
            [KYSO, *args], env=_env(data), stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for args in runs
    ]
    outputs = [(proc, *proc.communicate(timeout=240)) for proc in procs]
    for proc, _out, err in outputs:
        assert proc.returncode == 0, err.decode()
    return [out.decode().strip() for _proc, out, _err in outputs]


def _files(folder: Path, count: int, *, same: bool = False) -> list[Path]:
    folder.mkdir(exist_ok=True)
    paths = []
    for n in range(count):
        path = folder / f"{n}.pdf"
        path.write_bytes(_payload(0 if same else n))
        paths.append(path)
    return paths


def _cli_archive(data: Path) -> Archive:
    from api.wiring_archive import build_archive

    return build_archive(Settings(data_dir=data))


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["same-bytes", "different-bytes", "versions", "new-dossier"])
def test_twenty_cli_processes_put_in_parallel(data_dir: Path, tmp_path: Path, kind: str) -> None:
    files = _files(tmp_path / "in", PARALLEL, same=kind == "same-bytes")
    code = "HS-NEW" if kind == "new-dossier" else "HS-P"
    base = tmp_path / "base.pdf"
    base.write_bytes(b"%PDF-1.7 ban goc")
    document = _cli(data_dir, ["archive", "put", str(base), "--dossier", "HS-P"]).strip()
    runs = [["archive", "put", str(f), "--dossier", code] for f in files]
    if kind == "versions":
        runs = [[*run, "--document", document, "--kind", "ocr"] for run in runs]
    ids = _cli_in_parallel(data_dir, runs)
    archive = _cli_archive(data_dir)
    if kind == "same-bytes":
        assert len(set(ids)) == 1 and archive.catalog.document_ids("HS-P") == [document, ids[0]]
    elif kind == "versions":
        assert set(ids) == {document}
        numbers = [v.number for v in archive.catalog.document(document).versions]
        assert numbers == list(range(1, PARALLEL + 2))
    else:
        assert len(set(ids)) == PARALLEL
        assert set(ids) == set(archive.catalog.document_ids(code)) - {document}
    assert_sound(archive)
    store = archive.store
    assert isinstance(store, FolderStore)
    assert list((store.root / "tmp").iterdir()) == []
    assert list((store.root / "ingests").iterdir()) == []
    assert list((store.root / "locks").rglob("*.tmp")) == []
    archive.catalog.engine.dispose()
