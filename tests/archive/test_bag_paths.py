"""BagIt paths: an export writes only inside its bag whatever the metadata says; an import
reads only the bag's own plain files (``../`` in a manifest: tests/archive/test_bagit.py)."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest

from archive import bagit
from archive.bag_check import validate_bag
from archive.bag_metadata import METADATA
from archive.catalog import tables as t
from archive.errors import ArchiveError, ArchiveInputError
from archive.ingest import Archive
from archive.metadata import DocumentMeta, DossierMeta
from tests.archive.bagtools import rewrite_manifests

HOSTILE_TITLES = (
    "../../../etc/passwd",
    "a/b\\c:d*?<>|.pdf",
    "Quyết định\u202egnp.exe",
    "..",
    "d" * 1000,
)


def _dossier(archive: Archive) -> None:
    archive.catalog.create_dossier(
        DossierMeta(code="HS-..-2026", title="../../hồ sơ/../", keywords=("../x", "a\\b")),
        actor="archivist",
    )
    for number, title in enumerate(HOSTILE_TITLES):
        meta = DocumentMeta(
            title=title, number_notation="123/QĐ-UBND", identifier=f"../{number}/../x",
            notes="..\\..\\windows", keywords=("/etc/shadow",),
        )  # fmt: skip
        stored = archive.put(
            io.BytesIO(f"ban goc {number}".encode()), dossier_code="HS-..-2026", meta=meta
        )
        archive.put(
            io.BytesIO(f"ocr {number}".encode()), dossier_code="",
            document_id=stored.document_id, kind="ocr",
        )  # fmt: skip


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def test_export_writes_only_inside_the_bag_whatever_the_metadata_says(
    archive: Archive, tmp_path: Path
) -> None:
    _dossier(archive)
    workspace = tmp_path / "out"
    (workspace / "victim").mkdir(parents=True)
    (workspace / "victim" / "keep.txt").write_text("untouched")
    bag = workspace / "bag"
    report = bagit.export_dossier(archive, "HS-..-2026", bag)
    assert report.documents == len(HOSTILE_TITLES)

    root = bag.resolve()
    written = [p for p in bag.rglob("*")]
    assert all(not p.is_symlink() and p.resolve().is_relative_to(root) for p in written)
    manifest = {
        line.split("  ", 1)[1]
        for line in (bag / "manifest-sha256.txt").read_text(encoding="utf-8").splitlines()
    }
    tags = {"bagit.txt", "bag-info.txt"} | {
        f"{kind}-{algorithm}.txt"
        for kind in ("manifest", "tagmanifest")
        for algorithm in ("sha256", "sha512")
    }
    assert set(_tree(bag)) == manifest | tags
    for rel in manifest - {METADATA}:
        parts = rel.split("/")
        assert parts[:2] == ["data", "documents"] and len(parts) == 4, rel
        assert parts[2].isalnum() and parts[3].split("-")[1] in ("original", "ocr"), rel
    assert _tree(workspace / "victim") == {"keep.txt": b"untouched"}
    assert {p.name for p in workspace.iterdir()} == {"victim", "bag"}
    info = (bag / "bag-info.txt").read_text(encoding="utf-8").splitlines()
    assert "External-Identifier: HS-..-2026" in info
    assert "External-Description: ../../hồ sơ/../" in info and len(info) == 6

    # the titles travel as data, and come back as they were
    with archive.catalog.engine.begin() as conn:
        conn.execute(t.dossiers.update().values(code="HS-OLD"))
    imported = bagit.import_bag(archive, bag)
    titles = {archive.catalog.document(i).meta.title for i in imported.document_ids}
    assert titles == set(HOSTILE_TITLES)


@pytest.mark.parametrize(
    ("make", "code"),
    [
        (lambda: DossierMeta(code="HS-1", title="a\x00b"), "archive_bad_text"),
        (lambda: DossierMeta(code="HS-\x00", title="a"), "archive_bad_code"),
        (lambda: DossierMeta(code="HS-1\x1b[2J", title="a"), "archive_bad_code"),
        (lambda: DossierMeta(code="HS-1", title="a", keywords=("x\x00",)), "archive_bad_text"),
        (lambda: DocumentMeta(title="quyet\x00dinh"), "archive_bad_text"),
        (lambda: DocumentMeta(title="t", notes="\x00"), "archive_bad_text"),
    ],
    ids=["dossier-title", "code-nul", "code-escape", "keyword", "document-title", "notes"],
)
def test_nul_and_control_characters_are_refused_before_any_database(
    make: object, code: str
) -> None:
    """PostgreSQL refuses NUL in text: a clear error first, on SQLite and PostgreSQL alike."""
    with pytest.raises(ArchiveInputError) as refused:
        make()  # type: ignore[operator]
    assert refused.value.code == code


def test_nul_in_a_title_never_reaches_the_catalog(archive: Archive) -> None:
    archive.catalog.create_dossier(DossierMeta(code="HS-NUL", title="ok"), actor="a")
    with pytest.raises(ArchiveInputError):
        archive.put(io.BytesIO(b"x"), dossier_code="HS-NUL", meta=DocumentMeta(title="x\x00y"))
    assert archive.catalog.document_ids("HS-NUL") == []


def _exported(archive: Archive, tmp_path: Path) -> tuple[Path, str]:
    archive.catalog.create_dossier(DossierMeta(code="HS-LINK", title="Hồ sơ"), actor="a")
    document_id = archive.put(
        io.BytesIO(b"noi dung"), dossier_code="HS-LINK", meta=DocumentMeta(title="Tờ trình")
    ).document_id
    bag = tmp_path / "bag"
    bagit.export_dossier(archive, "HS-LINK", bag)
    with archive.catalog.engine.begin() as conn:
        conn.execute(t.dossiers.update().values(code="HS-OLD"))
    return bag, document_id


def _relink(path: Path, target: Path) -> None:
    """``path`` becomes a symbolic link to ``target``, which gets the same bytes."""
    target.write_bytes(path.read_bytes())
    path.unlink()
    os.symlink(target, path)


def test_a_payload_file_linked_outside_the_bag_is_refused(archive: Archive, tmp_path: Path) -> None:
    bag, document_id = _exported(archive, tmp_path)
    payload = bag / "data" / "documents" / document_id / "v1-original"
    _relink(payload, tmp_path / "server-secret.bin")  # same bytes: every checksum matches
    with pytest.raises(ArchiveInputError) as refused:
        bagit.import_bag(archive, bag)
    assert refused.value.code == "archive_bag_invalid" and "symbolic link" in refused.value.message
    assert not archive.catalog.has_dossier("HS-LINK")


def test_a_tag_file_or_folder_linked_outside_the_bag_is_refused(
    archive: Archive, tmp_path: Path
) -> None:
    bag, document_id = _exported(archive, tmp_path)
    _relink(bag / "bag-info.txt", tmp_path / "info-elsewhere.txt")
    with pytest.raises(ArchiveInputError):
        validate_bag(bag)
    (bag / "bag-info.txt").unlink()
    (bag / "bag-info.txt").write_bytes((tmp_path / "info-elsewhere.txt").read_bytes())
    folder = bag / "data" / "documents" / document_id
    elsewhere = tmp_path / "folder-elsewhere"
    folder.rename(elsewhere)
    os.symlink(elsewhere, folder)
    with pytest.raises(ArchiveError):
        validate_bag(bag)


@pytest.mark.parametrize("entry", ["/etc/passwd", "data/documents/../../../outside.bin"])
def test_a_manifest_entry_outside_data_is_refused(tmp_path: Path, entry: str) -> None:
    bag = tmp_path / "bag"
    (bag / "data").mkdir(parents=True)
    (bag / "bagit.txt").write_text("BagIt-Version: 1.0\n")
    (bag / "manifest-sha256.txt").write_text("0" * 64 + f"  {entry}\n")
    with pytest.raises(ArchiveInputError):
        validate_bag(bag)


def test_metadata_pointing_outside_the_manifest_is_refused(
    archive: Archive, tmp_path: Path
) -> None:
    """kyso-metadata.json names each version's file: only a manifest entry is ever opened."""
    bag, _document_id = _exported(archive, tmp_path)
    metadata = json.loads((bag / METADATA).read_text(encoding="utf-8"))
    secret = tmp_path / "secret.bin"
    secret.write_bytes(b"noi dung")
    metadata["documents"][0]["versions"][0]["path"] = "../secret.bin"
    (bag / METADATA).write_text(json.dumps(metadata), encoding="utf-8")
    rewrite_manifests(bag)
    with pytest.raises(ArchiveError):
        bagit.import_bag(archive, bag)
    assert not archive.catalog.has_dossier("HS-LINK")
