"""A BagIt import is all or nothing (issue 19, item 6): a bag that is wrong anywhere (metadata,
a special file, a failure while importing) leaves no dossier, no document, no object and no
lock, with a clear error code; the corrected bag then imports completely."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from api.database import make_engine, migrate
from api.settings import Settings
from api.wiring_archive import build_archive
from archive import bagit, fixity
from archive.bag_metadata import METADATA
from archive.catalog import tables as t
from archive.catalog.sql import SqlCatalog
from archive.errors import ArchiveError
from archive.ingest import Archive
from archive.metadata import DocumentMeta, DossierMeta
from archive.store.base import ObjectStore
from archive.store.folder import FolderStore
from common.clock import FrozenClock
from tests.archive.bagtools import rewrite_manifests
from tests.archive.faultdb import free, refuse, stored_objects

CODE = "HS-BAG-2026"


@pytest.fixture
def bag(tmp_path: Path, clock: FrozenClock) -> Path:
    """A bag exported by another kyso: two documents, the first with an OCR version."""
    engine = make_engine(f"sqlite:///{tmp_path / 'source.db'}")
    migrate(engine)
    source = Archive(FolderStore(tmp_path / "source", clock), SqlCatalog(engine, clock))
    source.catalog.create_dossier(DossierMeta(CODE, "Hồ sơ chuyển giao"), actor="a")
    first = source.put(
        io.BytesIO(b"%PDF-1.7 to trinh"), dossier_code=CODE, meta=DocumentMeta(title="Tờ trình")
    )
    source.put(io.BytesIO(b"%PDF-1.7 ocr"), dossier_code="", document_id=first.document_id,
               kind="ocr", media_type="application/pdf")  # fmt: skip
    source.put(io.BytesIO(b"bien ban"), dossier_code=CODE, meta=DocumentMeta(title="Biên bản"))
    bagit.export_dossier(source, CODE, tmp_path / "bag")
    engine.dispose()
    return tmp_path / "bag"


def _edit(bag: Path, change: Callable[[dict[str, Any]], None]) -> None:
    """Change kyso-metadata.json and make every checksum right again (a careful sender)."""
    metadata = json.loads((bag / METADATA).read_text(encoding="utf-8"))
    change(metadata)
    (bag / METADATA).write_text(json.dumps(metadata), encoding="utf-8")
    rewrite_manifests(bag)


def _second_document(metadata: dict[str, Any]) -> dict[str, Any]:
    version: dict[str, Any] = metadata["documents"][1]["versions"][0]
    return version


def _count(engine: sa.Engine, table: sa.Table) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(sa.select(sa.func.count()).select_from(table)) or 0)


def assert_nothing_imported(archive: Archive) -> None:
    engine = archive.catalog.engine
    assert not archive.catalog.has_dossier(CODE)
    for table in (t.dossiers, t.documents, t.versions, t.pending_ingests, t.audit_log):
        assert _count(engine, table) == 0, table.name
    assert stored_objects(archive.store) == []
    if isinstance(archive.store, FolderStore):
        assert list((archive.store.root / "locks").rglob("*.json")) == []


def assert_imports_completely(archive: Archive, bag: Path) -> None:
    report = bagit.import_bag(archive, bag)
    assert report.documents == 2
    kinds = [[v.kind for v in archive.catalog.document(i).versions] for i in report.document_ids]
    assert kinds == [["original", "ocr"], ["original"]]
    assert archive.catalog.pending_ingests() == []
    assert fixity.audit(archive).ok


BAD_METADATA = {
    "kind": lambda m: _second_document(m).update(kind="photocopy"),
    "number": lambda m: _second_document(m).update(number="two"),
    "number-gap": lambda m: _second_document(m).update(number=3),
    "sha256": lambda m: _second_document(m).update(sha256="0" * 64),
    "size": lambda m: _second_document(m).update(size=1),
    "media-type-crlf": lambda m: _second_document(m).update(media_type="text/plain\r\nX-A: b"),
    "retention": lambda m: m["documents"][1]["meta"].update(retention="soon"),
    "retention-format-1": lambda m: m["documents"][1].update(
        meta=json.dumps({**m["documents"][1]["meta"], "retention": "soon"})
    ),
    "unnamed-payload-file": lambda m: m["documents"].pop(),
    "versions-not-a-list": lambda m: m["documents"][1].update(versions={"0": 1}),
    "document-not-an-object": lambda m: m["documents"].append("x"),
}


@pytest.mark.parametrize("defect", sorted(BAD_METADATA))
def test_a_bag_with_bad_metadata_is_refused_whole_and_the_fixed_bag_imports(
    archive: Archive, bag: Path, defect: str
) -> None:
    original = (bag / METADATA).read_text(encoding="utf-8")
    _edit(bag, BAD_METADATA[defect])
    with pytest.raises(ArchiveError) as refused:
        bagit.import_bag(archive, bag)
    assert refused.value.code == "archive_bag_metadata_invalid", refused.value
    assert_nothing_imported(archive)
    (bag / METADATA).write_text(original, encoding="utf-8")
    rewrite_manifests(bag)
    assert_imports_completely(archive, bag)


@pytest.mark.parametrize("listed", [True, False], ids=["in-manifest", "unlisted"])
def test_a_fifo_in_the_payload_is_refused_without_reading_it(
    archive: Archive, bag: Path, listed: bool
) -> None:
    fifo = bag / "data" / "documents" / "pipe"
    os.mkfifo(fifo)  # with no writer, opening it to read would wait forever
    if listed:
        rewrite_manifests(bag, unlisted=["data/documents/pipe"])
    with pytest.raises(ArchiveError) as refused:
        bagit.import_bag(archive, bag)
    assert refused.value.code == "archive_bag_invalid"
    assert "not a regular file" in refused.value.message
    assert_nothing_imported(archive)
    fifo.unlink()
    rewrite_manifests(bag)
    assert_imports_completely(archive, bag)


@pytest.fixture
def store_archive(store: ObjectStore, catalog: SqlCatalog) -> Archive:
    return Archive(store, catalog)


def test_a_bag_the_database_refuses_halfway_leaves_no_object_and_no_lock(
    store_archive: Archive, bag: Path
) -> None:
    """Every object is stored, then the catalog refuses (a full disk): all of them go, and
    none was locked (S3 included: a locked object could not be deleted for 100 years)."""
    archive = store_archive
    refuse(archive.catalog.engine, "archive_versions", "INSERT")
    with pytest.raises(sa.exc.DBAPIError):
        bagit.import_bag(archive, bag)
    free(archive.catalog.engine)
    assert_nothing_imported(archive)
    assert archive.reconcile().dropped == ()
    assert_imports_completely(archive, bag)


def test_a_bag_whose_dossier_exists_is_refused_before_anything_is_stored(
    archive: Archive, bag: Path
) -> None:
    archive.catalog.create_dossier(DossierMeta(CODE, "Đã có"), actor="a")
    with pytest.raises(ArchiveError) as refused:
        bagit.import_bag(archive, bag)
    assert refused.value.code == "archive_dossier_exists"
    assert stored_objects(archive.store) == [] and archive.catalog.pending_ingests() == []


def test_the_cli_refuses_a_bad_bag_with_exit_4_and_imports_the_fixed_one(
    bag: Path, tmp_path: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KYSO_")}
    env |= {"KYSO_DATA_DIR": str(tmp_path / "data"), "KYSO_OBJECT_STORE": "folder"}
    kyso = str(Path(sys.executable).parent / "kyso")
    original = (bag / METADATA).read_text(encoding="utf-8")
    _edit(bag, BAD_METADATA["number"])  # was a ValueError traceback and a half import
    done = subprocess.run([kyso, "archive", "import", str(bag)], env=env, capture_output=True)
    assert done.returncode == 4, done.stderr
    assert b"[archive_bag_metadata_invalid]" in done.stderr and b"Traceback" not in done.stderr
    (bag / METADATA).write_text(original, encoding="utf-8")
    rewrite_manifests(bag)
    done = subprocess.run([kyso, "archive", "import", str(bag)], env=env, capture_output=True)
    assert done.returncode == 0, done.stderr
    archive = build_archive(Settings(data_dir=tmp_path / "data"))
    assert len(archive.catalog.document_ids(CODE)) == 2
    archive.catalog.engine.dispose()
