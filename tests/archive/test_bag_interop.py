"""kyso's bags and the Library of Congress ``bagit`` package (PyPI), both ways (issue 14).

A bag that ``kyso archive export`` writes is valid for ``bagit.Bag(...).validate()`` and for the
``bagit.py --validate`` command; a bag that ``bagit.make_bag`` makes from a folder holding
``kyso-metadata.json`` and the documents imports with ``kyso archive import`` and reads back byte
for byte; a bag that is wrong (checksum, unlisted or missing file, Payload-Oxum) is refused by
both tools, by kyso with its code and nothing stored. kyso runs as the CLI, in a subprocess.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import bagit
import pytest

from api.settings import Settings
from api.wiring_archive import build_archive
from archive.ingest import Archive
from tests.archive.bagtools import MINUTES, OCR, SCAN, put_sample_dossier, rewrite_tag_manifests
from tests.archive.faultdb import stored_objects

BIN = Path(sys.executable).parent
CODE = "HS-LT-2026-07"


class Kyso:
    """The ``kyso`` command on one data folder, run as a user would."""

    def __init__(self, data: Path) -> None:
        self.data = data
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("KYSO_")}
        self.env["KYSO_DATA_DIR"] = str(data)

    def __call__(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(BIN / "kyso"), *args], env=self.env, capture_output=True, text=True, timeout=120
        )

    def archive(self) -> Archive:
        return build_archive(
            Settings(
                data_dir=self.data,
                database_url=f"sqlite:///{self.data / 'kyso.db'}",
                object_store="folder",
            )
        )


@pytest.fixture
def kyso(tmp_path: Path) -> Kyso:
    return Kyso(tmp_path / "kyso-data")


def _bagit_cli(bag: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "bagit.py"), "--validate", str(bag)], capture_output=True, text=True, timeout=60
    )


def _exported(kyso: Kyso, target: Path) -> Path:
    archive = kyso.archive()
    put_sample_dossier(archive, CODE, "Hồ sơ giao đất\nthửa 12", "Quyết định giao đất")
    archive.catalog.engine.dispose()
    done = kyso("archive", "export", CODE, "-o", str(target))
    assert done.returncode == 0, done.stderr
    return target


def test_a_bag_kyso_exports_is_valid_for_the_library_of_congress_bagit(
    kyso: Kyso, tmp_path: Path
) -> None:
    path = _exported(kyso, tmp_path / "bag")
    bag = bagit.Bag(str(path))
    assert bag.validate() is True  # fixity (every checksum) and completeness
    assert bag.is_valid(fast=False) and bag.is_valid(fast=True)
    assert bag.is_valid(completeness_only=True)
    assert bag.version_info == (1, 0) and sorted(bag.algorithms) == ["sha256", "sha512"]
    payload = {p.relative_to(path).as_posix() for p in (path / "data").rglob("*") if p.is_file()}
    assert set(bag.payload_entries()) == payload and len(payload) == 4
    assert all(set(sums) == {"sha256", "sha512"} for sums in bag.entries.values())
    tag_files = {"bagit.txt", "bag-info.txt", "manifest-sha256.txt", "manifest-sha512.txt"}
    assert set(bag.tagfile_entries()) == tag_files

    info = bag.info
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", info["Bagging-Date"])
    octets = sum((path / rel).stat().st_size for rel in payload)
    assert info["Payload-Oxum"] == f"{octets}.{len(payload)}"
    assert info["Bag-Software-Agent"].startswith("kyso ")
    assert info["External-Identifier"] == CODE
    assert info["External-Description"] == "Hồ sơ giao đất thửa 12"  # the line break folded
    assert re.fullmatch(r"\d+(\.\d)? (B|KB|MB)", info["Bag-Size"])

    done = _bagit_cli(path)
    assert done.returncode == 0 and "is valid" in done.stderr, done.stderr

    # the same tools see a changed byte: the checks above are real
    tampered = tmp_path / "tampered"
    shutil.copytree(path, tampered)
    minutes = next(p for p in (tampered / "data").rglob("v1-original") if p.read_bytes() == MINUTES)
    minutes.write_bytes(MINUTES.replace(b"23/11", b"24/11"))
    assert not bagit.Bag(str(tampered)).is_valid()
    assert _bagit_cli(tampered).returncode == 1


def _prepared(folder: Path, versions: dict[str, bytes]) -> None:
    """The folder a user bags: ``kyso-metadata.json`` and the documents, as docs/archive.md
    shows (paths as they will be in the bag, under ``data/``; no sha256 or size needed)."""
    for rel, data in versions.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_bytes(data)
    metadata = {
        "format": "kyso-archive-bag/2",
        "dossier": {"code": CODE, "title": "Hồ sơ giao đất", "retention": "permanent",
                    "fonds_code": "UBND-LT", "keywords": ["đất đai"]},
        "documents": [
            {"meta": {"title": "Quyết định giao đất", "number_notation": "123/QĐ-UBND",
                      "issue_date": "2026-11-20", "access_level": "internal"},
             "versions": [
                 {"number": 1, "kind": "original", "media_type": "application/pdf",
                  "path": "data/scans/quyet-dinh.pdf"},
                 {"number": 2, "kind": "ocr", "media_type": "application/pdf",
                  "path": "data/scans/quyet-dinh-ocr.pdf"},
             ]},
            {"meta": {"title": "Biên bản"},
             "versions": [{"number": 1, "kind": "original", "media_type": "text/plain",
                           "path": "data/bien ban.txt"}]},
        ],
    }  # fmt: skip
    text = json.dumps(metadata, ensure_ascii=False, indent=1)
    (folder / "kyso-metadata.json").write_text(text, encoding="utf-8")


VERSIONS = {"scans/quyet-dinh.pdf": SCAN, "scans/quyet-dinh-ocr.pdf": OCR, "bien ban.txt": MINUTES}


def _made_by_bagit(folder: Path, checksums: list[str] | None) -> Path:
    _prepared(folder, VERSIONS)
    bagit.make_bag(
        str(folder), {"Source-Organization": "UBND tỉnh Lâm Tây", "External-Identifier": CODE},
        checksums=checksums,
    )  # fmt: skip
    assert bagit.Bag(str(folder)).is_valid()
    return folder


@pytest.mark.parametrize(
    "checksums", [["sha256"], ["sha512"], None], ids=["sha256", "sha512", "bagit-default"]
)
def test_a_bag_made_by_bagit_imports_and_reads_back_byte_for_byte(
    kyso: Kyso, tmp_path: Path, checksums: list[str] | None
) -> None:
    bag = _made_by_bagit(tmp_path / "transfer", checksums)
    done = kyso("archive", "import", str(bag))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == f"{CODE}: 2 documents imported"
    decision, minutes = lines[1:]

    out = tmp_path / "ocr.pdf"
    got = kyso("archive", "get", decision, "--version", "2", "-o", str(out))
    assert got.returncode == 0, got.stderr
    assert out.read_bytes() == OCR

    archive = kyso.archive()
    record = archive.catalog.document(decision)
    assert b"".join(archive.read(decision, 1)[1]) == SCAN
    assert b"".join(archive.read(minutes, 1)[1]) == MINUTES
    assert [(v.kind, v.media_type) for v in record.versions] == [
        ("original", "application/pdf"), ("ocr", "application/pdf")
    ]  # fmt: skip
    assert record.meta.number_notation == "123/QĐ-UBND" and record.meta.access_level == "internal"
    assert archive.catalog.dossier(CODE).keywords == ("đất đai",)
    archive.catalog.engine.dispose()


def _flip_a_byte(bag: Path) -> None:
    path = bag / "data" / "scans" / "quyet-dinh.pdf"
    data = bytearray(path.read_bytes())
    data[100] ^= 0x01
    path.write_bytes(bytes(data))


def _wrong_oxum(bag: Path) -> None:
    info = (bag / "bag-info.txt").read_text(encoding="utf-8")
    octets, files = re.search(r"Payload-Oxum: (\d+)\.(\d+)", info).groups()  # type: ignore[union-attr]
    info = info.replace(f"{octets}.{files}", f"{int(octets) + 1}.{files}")
    (bag / "bag-info.txt").write_text(info, encoding="utf-8")
    rewrite_tag_manifests(bag)  # bag-info.txt's own checksum right: only the Oxum is wrong


def _wrong_sha512_only(bag: Path) -> None:
    """The SHA-256 manifest right, the SHA-512 one wrong: every manifest is checked."""
    manifest = bag / "manifest-sha512.txt"
    lines = manifest.read_text(encoding="utf-8").splitlines()
    digest, rel = lines[0].split(maxsplit=1)
    lines[0] = f"{'0' * len(digest)}  {rel}"
    manifest.write_text("\n".join(lines) + "\n", encoding="utf-8")
    rewrite_tag_manifests(bag)


BROKEN: dict[str, tuple[Callable[[Path], None], str, str]] = {
    "wrong-checksum": (_flip_a_byte, "archive_bag_fixity_failed", "fails its sha"),
    "unlisted-file": (
        lambda bag: (bag / "data" / "scans" / "extra.pdf").write_bytes(b"%PDF smuggled"),
        "archive_bag_incomplete",
        "data/scans/extra.pdf is in the bag but not in manifest-",
    ),
    "missing-file": (
        lambda bag: (bag / "data" / "bien ban.txt").unlink(),
        "archive_bag_incomplete",
        "data/bien ban.txt is in manifest-",
    ),
    "wrong-payload-oxum": (_wrong_oxum, "archive_bag_incomplete", "Payload-Oxum says"),
    "wrong-sha512-only": (_wrong_sha512_only, "archive_bag_fixity_failed", "its sha512 checksum"),
}


@pytest.mark.parametrize("defect", sorted(BROKEN))
def test_a_broken_bag_is_refused_by_both_tools_and_kyso_stores_nothing(
    kyso: Kyso, tmp_path: Path, defect: str
) -> None:
    bag = _made_by_bagit(tmp_path / "transfer", ["sha256", "sha512"])
    damage, code, message = BROKEN[defect]
    damage(bag)
    assert not bagit.Bag(str(bag)).is_valid()
    done = kyso("archive", "import", str(bag))
    assert done.returncode == 4, (done.stdout, done.stderr)
    assert f"[{code}]" in done.stderr and message in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
    archive = kyso.archive()
    assert not archive.catalog.has_dossier(CODE)
    assert archive.catalog.pending_ingests() == [] and stored_objects(archive.store) == []
    archive.catalog.engine.dispose()


def test_a_bag_with_only_md5_manifests_is_refused_though_bagit_accepts_it(
    kyso: Kyso, tmp_path: Path
) -> None:
    """MD5 is no fixity evidence under the verification policy (SHA-256 or stronger)."""
    bag = _made_by_bagit(tmp_path / "transfer", ["md5"])
    done = kyso("archive", "import", str(bag))
    assert done.returncode == 4 and "[archive_bag_invalid]" in done.stderr, done.stderr
    assert "manifest-sha256.txt" in done.stderr
    archive = kyso.archive()
    assert not archive.catalog.has_dossier(CODE) and stored_objects(archive.store) == []
    archive.catalog.engine.dispose()


def test_a_kyso_bag_round_trips_through_bagit_and_back_into_kyso(
    kyso: Kyso, tmp_path: Path
) -> None:
    """Exported by one kyso, re-saved by bagit (new manifests, new Payload-Oxum), imported by
    another kyso: the same bytes."""
    path = _exported(kyso, tmp_path / "bag")
    bag = bagit.Bag(str(path))
    bag.info["Contact-Name"] = "Văn thư lưu trữ"
    bag.save(manifests=True)
    assert bagit.Bag(str(path)).is_valid()
    other = Kyso(tmp_path / "other-kyso")
    done = other("archive", "import", str(path))
    assert done.returncode == 0, done.stderr
    archive = other.archive()
    contents = sorted(
        b"".join(archive.read(document_id, number)[1])
        for document_id in archive.catalog.document_ids(CODE)
        for number in range(1, len(archive.catalog.document(document_id).versions) + 1)
    )
    assert contents == sorted([SCAN, OCR, MINUTES])
    archive.catalog.engine.dispose()
