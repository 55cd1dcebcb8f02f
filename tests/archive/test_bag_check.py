"""The checks of a bag's structure (archive/bag_check.py) on bags that bagit-python makes:
each defect RFC 8493 names is refused with its code before anything is imported."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import bagit
import pytest

from archive.bag_check import validate_bag
from archive.errors import ArchiveError
from tests.archive.bagtools import rewrite_tag_manifests


@pytest.fixture
def bag(tmp_path: Path) -> Path:
    folder = tmp_path / "bag"
    (folder / "tài liệu").mkdir(parents=True)
    (folder / "tài liệu" / "quyết định.pdf").write_bytes(b"%PDF-1.7 quyet dinh")
    (folder / "kyso-metadata.json").write_text("{}", encoding="utf-8")
    bagit.make_bag(str(folder), {"Contact-Name": "Văn thư"}, checksums=["sha256", "sha512"])
    return folder


def _edit(name: str, change: Callable[[str], str]) -> Callable[[Path], None]:
    def edit(bag: Path) -> None:
        path = bag / name
        path.write_text(change(path.read_text(encoding="utf-8")), encoding="utf-8")
        rewrite_tag_manifests(bag)

    return edit


def _first_line(change: Callable[[str], str]) -> Callable[[str], str]:
    def edit(text: str) -> str:
        first, *rest = text.splitlines()
        return "\n".join([change(first), *rest]) + "\n"

    return edit


def _append(name: str, text: str) -> Callable[[Path], None]:
    """Append to a tag file, its checksum left as it was."""

    def append(bag: Path) -> None:
        with (bag / name).open("a", encoding="utf-8") as out:
            out.write(text)

    return append


def _write(name: str, text: str) -> Callable[[Path], None]:
    return lambda bag: (bag / name).write_text(text, encoding="utf-8")


DEFECTS: dict[str, tuple[Callable[[Path], None], str]] = {
    "fetch-txt": (_write("fetch.txt", "https://example.org/x 10 data/x\n"), "archive_bag_invalid"),
    "bagit-txt-bom": (
        _edit("bagit.txt", lambda t: "\ufeff" + t), "archive_bag_invalid"
    ),
    "bagit-version-2": (
        _edit("bagit.txt", lambda t: t.replace("0.97", "2.0")), "archive_bag_invalid"
    ),
    "latin-1-tag-files": (
        _edit("bagit.txt", lambda t: t.replace("UTF-8", "ISO-8859-1")), "archive_bag_invalid"
    ),
    "no-bagit-txt": (lambda bag: (bag / "bagit.txt").unlink(), "archive_bag_invalid"),
    "no-data-folder": (
        lambda bag: (bag / "data").rename(bag / "payload"), "archive_bag_invalid"
    ),
    "unknown-algorithm": (_write("manifest-blake3.txt", ""), "archive_bag_invalid"),
    "no-payload-manifest": (
        lambda bag: [p.unlink() for p in bag.glob("manifest-*.txt")], "archive_bag_invalid"
    ),
    "repeated-entry": (
        _edit("manifest-sha256.txt", lambda t: t + t.splitlines()[0] + "\n"),
        "archive_bag_invalid",
    ),
    "malformed-line": (
        _edit("manifest-sha256.txt", lambda t: t + "not-a-digest data/x\n"),
        "archive_bag_invalid",
    ),
    "short-digest": (
        _edit("manifest-sha256.txt", _first_line(lambda line: line[8:])), "archive_bag_invalid"
    ),
    "payload-manifest-lists-a-tag-file": (
        _edit("manifest-sha256.txt", lambda t: t + f"{'0' * 64}  bag-info.txt\n"),
        "archive_bag_invalid",
    ),
    "two-payload-oxums": (
        _edit("bag-info.txt", lambda t: t + "Payload-Oxum: 1.1\n"), "archive_bag_invalid"
    ),
    "malformed-payload-oxum": (
        _edit("bag-info.txt", lambda t: t.replace("Payload-Oxum: ", "Payload-Oxum: x")),
        "archive_bag_invalid",
    ),
    "tag-file-not-label-value": (
        _edit("bag-info.txt", lambda t: t + "no colon here\n"), "archive_bag_invalid"
    ),
    "tag-file-changed": (
        _append("bag-info.txt", "Contact-Phone: 0\n"), "archive_bag_fixity_failed"
    ),
    "tag-manifest-lists-a-missing-file": (
        _append("tagmanifest-sha256.txt", f"{'0' * 64} gone.txt\n"),
        "archive_bag_incomplete",
    ),
}  # fmt: skip


@pytest.mark.parametrize("defect", sorted(DEFECTS))
def test_a_bag_with_a_structural_defect_is_refused_with_its_code(bag: Path, defect: str) -> None:
    assert validate_bag(bag).algorithms == ("sha256", "sha512")  # valid before the damage
    damage, code = DEFECTS[defect]
    damage(bag)
    with pytest.raises(ArchiveError) as refused:
        validate_bag(bag)
    assert refused.value.code == code, refused.value


def test_what_a_checked_bag_holds(bag: Path) -> None:
    """bagit-python's BagIt 0.97 bag, Vietnamese file names, its bag-info.txt as written."""
    checked = validate_bag(bag)
    assert checked.version == "0.97"
    assert set(checked.payload) == {"data/kyso-metadata.json", "data/tài liệu/quyết định.pdf"}
    assert checked.payload["data/kyso-metadata.json"].size == 2
    assert ("Contact-Name", "Văn thư") in checked.info
    pdf = checked.payload["data/tài liệu/quyết định.pdf"]
    assert pdf.sha256 == hashlib.sha256(b"%PDF-1.7 quyet dinh").hexdigest()
