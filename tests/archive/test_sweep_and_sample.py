"""Smaller gaps of issue 20 (item 6): a sampled audit checks at least one version and says how
many it checked; ``reconcile`` removes the store's leftovers (temp files, finished markers)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli.app import app
from archive import fixity
from archive.ingest import Archive
from archive.metadata import DocumentMeta
from archive.store.folder import FolderStore

META = DocumentMeta(title="Sổ đăng ký", retention="20")


def _fill(archive: Archive, count: int) -> list[str]:
    return [
        archive.put(io.BytesIO(f"so {i}".encode()), dossier_code="HS-S", meta=META).document_id
        for i in range(count)
    ]


def test_a_small_sample_still_checks_one_version(archive: Archive) -> None:
    _fill(archive, 3)
    reports = [fixity.audit(archive, sample=0.01) for _ in range(10)]
    assert all(1 <= r.checked <= 3 and r.versions == 3 for r in reports), reports


def test_a_sample_of_a_one_document_archive_finds_its_corruption(archive: Archive) -> None:
    (document_id,) = _fill(archive, 1)
    version = archive.catalog.version(document_id)
    assert isinstance(archive.store, FolderStore)
    path = archive.store.root / version.storage_key
    path.chmod(0o644)
    path.write_bytes(b"so X")
    report = fixity.audit(archive, sample=0.1)
    assert report.checked == 1 and [p.problem for p in report.problems] == ["corrupted"]


def test_the_cli_says_how_many_versions_a_sample_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KYSO_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("KYSO_DATABASE_URL", raising=False)
    monkeypatch.setenv("KYSO_OBJECT_STORE", "folder")
    runner = CliRunner()
    for number in range(3):
        source = tmp_path / f"{number}.txt"
        source.write_bytes(f"so {number}".encode())
        done = runner.invoke(app, ["archive", "put", str(source), "--dossier", "HS-S"])
        assert done.exit_code == 0, done.output
    done = runner.invoke(app, ["archive", "audit", "--sample", "0.1"])
    assert done.exit_code == 0, done.output
    assert "checked 1 of 3 versions" in done.output and "OK" in done.output


def test_reconcile_removes_temp_files_and_finished_markers(archive: Archive) -> None:
    store = archive.store
    assert isinstance(store, FolderStore)
    _fill(archive, 1)
    young = "i01YOUNGINGESTSTILLUPLOADING"
    archive.catalog.begin_ingest(young, {"dossier_code": "HS-S"})  # another process uploads
    (store.root / "tmp" / f"{young}.part").write_bytes(b"half")
    leftovers = [
        store.root / "ingests" / "i01FINISHEDBEFOREFORGETTING",  # killed after its commit
        store.root / "ingests" / "i01KILLEDWRITINGITSMARKER.0123456789abcdef.tmp",
        store.root / "ingests" / "i01OLDSTYLETEMPMARKER.tmp",
        store.root / "tmp" / "i01KILLEDAFTERCOMMIT.part",
    ]
    locks = next((store.root / "locks").rglob("*.json"))
    leftovers.append(locks.with_name(locks.name + ".fedcba9876543210.tmp"))
    for path in leftovers:
        path.write_text("x")
    report = archive.reconcile(started_before=archive.clock.now().replace(year=2000))
    assert report.dropped == () and report.removed_files == len(leftovers)
    assert not any(path.exists() for path in leftovers)
    assert (store.root / "tmp" / f"{young}.part").exists()  # its journal row is still open
    assert [i for i, _ in archive.catalog.pending_ingests()] == [young]
    assert locks.exists()
