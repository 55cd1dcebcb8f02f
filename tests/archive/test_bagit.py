"""BagIt export and import with fixity checks (RFC 8493)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from archive import bagit
from archive.bag_check import validate_bag
from archive.errors import ArchiveError, IntegrityError
from archive.ingest import Archive
from archive.metadata import DocumentMeta, DossierMeta


def _dossier(archive: Archive) -> list[str]:
    archive.catalog.create_dossier(
        DossierMeta(code="HS-BAG", title="Hồ sơ chuyển giao", retention="permanent"),
        actor="archivist",
    )
    first = archive.put(
        io.BytesIO(b"original scan"), dossier_code="HS-BAG", meta=DocumentMeta(title="Tờ trình")
    ).document_id
    archive.put(io.BytesIO(b"ocr layer"), dossier_code="", document_id=first, kind="ocr")
    second = archive.put(
        io.BytesIO(b"second"), dossier_code="HS-BAG", meta=DocumentMeta(title="Biên bản")
    ).document_id
    return [first, second]


def test_export_then_import_round_trips_bytes_and_metadata(
    archive: Archive, tmp_path: Path
) -> None:
    ids = _dossier(archive)
    report = bagit.export_dossier(archive, "HS-BAG", tmp_path / "bag")
    assert report.documents == 2 and report.files == 4
    assert (tmp_path / "bag" / "bagit.txt").read_text().startswith("BagIt-Version: 1.0")
    # import into a fresh dossier code: rename it in the catalog first
    with archive.catalog.engine.begin() as conn:
        from archive.catalog import tables as t

        conn.execute(t.dossiers.update().values(code="HS-OLD"))
    imported = bagit.import_bag(archive, tmp_path / "bag")
    assert imported.documents == 2
    new_first = archive.catalog.document(imported.document_ids[0])
    old_first = archive.catalog.document(ids[0])
    assert new_first.meta == old_first.meta
    assert [v.sha256 for v in new_first.versions] == [v.sha256 for v in old_first.versions]
    assert b"".join(archive.read(new_first.id, 2)[1]) == b"ocr layer"


def test_a_bag_with_a_changed_file_is_refused_and_nothing_is_written(
    archive: Archive, tmp_path: Path
) -> None:
    ids = _dossier(archive)
    bagit.export_dossier(archive, "HS-BAG", tmp_path / "bag")
    payload = tmp_path / "bag" / "data" / "documents" / ids[1] / "v1-original"
    payload.write_bytes(b"tampered")
    with archive.catalog.engine.begin() as conn:
        from archive.catalog import tables as t

        conn.execute(t.dossiers.update().values(code="HS-OLD"))
    with pytest.raises(IntegrityError):
        bagit.import_bag(archive, tmp_path / "bag")
    assert not archive.catalog.has_dossier("HS-BAG")


def test_a_bag_with_an_unlisted_file_is_refused(archive: Archive, tmp_path: Path) -> None:
    _dossier(archive)
    bagit.export_dossier(archive, "HS-BAG", tmp_path / "bag")
    (tmp_path / "bag" / "data" / "extra.bin").write_bytes(b"smuggled")
    with pytest.raises(ArchiveError):
        validate_bag(tmp_path / "bag")


def test_a_manifest_escaping_the_bag_is_refused(tmp_path: Path) -> None:
    bag = tmp_path / "bag"
    (bag / "data").mkdir(parents=True)
    (bag / "bagit.txt").write_text("BagIt-Version: 1.0\n")
    (bag / "manifest-sha256.txt").write_text("0" * 64 + "  ../../etc/passwd\n")
    with pytest.raises(ArchiveError):
        validate_bag(bag)
