"""Is this folder a complete and valid bag (RFC 8493 section 3)? Checked before any import.

In order, each failure with its own code: only folders and plain files (a symbolic link, FIFO,
socket or device: ``archive_bag_invalid``, never opened); ``bagit.txt`` (BagIt 0.97 as
bagit-python writes, or 1.x; UTF-8; no byte-order mark); ``data/``; no ``fetch.txt`` (kyso
fetches nothing from the network); the payload manifests (every ``manifest-<alg>.txt``, at
least one of SHA-256/384/512, no path outside ``data/``); completeness (every payload file in
every payload manifest and every listed file present: ``archive_bag_incomplete``); tag manifests
and Payload-Oxum (``archive_bag_incomplete`` when the counts differ); then every checksum of
every manifest (``archive_bag_fixity_failed``). Each file is read once for all its algorithms.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from archive.bag_format import (
    STRONG,
    hash_file,
    invalid,
    manifest_algorithm,
    parse_manifest,
    parse_tags,
    read_text,
    tag_values,
)
from archive.errors import IntegrityError


@dataclass(frozen=True)
class PayloadFile:
    """A file of a checked bag: its SHA-256 (computed, whatever manifests the bag has)."""

    sha256: str
    size: int


@dataclass(frozen=True)
class CheckedBag:
    version: str
    algorithms: tuple[str, ...]  # of the payload manifests
    info: tuple[tuple[str, str], ...]  # bag-info.txt
    payload: Mapping[str, PayloadFile]  # by path in the bag (``data/...``)


def _refuse_special_files(bag: Path) -> None:
    """A bag holds folders and plain files only: a symbolic link would make the import read
    (and archive) a file from anywhere on the server, its checksum matching; a FIFO or a
    device would block or never end the read."""
    if not bag.is_dir() or bag.is_symlink():
        raise invalid(f"{bag} is not a folder")
    for root, dirs, files in os.walk(bag):
        for name in (*dirs, *files):
            path = Path(root) / name
            rel = path.relative_to(bag).as_posix()
            mode = path.lstat().st_mode
            if stat.S_ISLNK(mode):
                raise invalid(f"{rel} is a symbolic link")
            if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
                raise invalid(f"{rel} is not a regular file (a FIFO, socket, device)")


def _declaration(bag: Path) -> str:
    """The BagIt version of ``bagit.txt`` (section 2.1.1)."""
    if not (bag / "bagit.txt").is_file():
        raise invalid("not a bag: bagit.txt is missing")
    text = read_text(bag / "bagit.txt")
    if text.startswith("\ufeff"):
        raise invalid("bagit.txt must not start with a byte-order mark")
    tags = parse_tags(text, "bagit.txt")
    version = tag_values(tags, "BagIt-Version")
    encoding = tag_values(tags, "Tag-File-Character-Encoding")
    if len(version) != 1 or len(encoding) != 1:
        raise invalid("bagit.txt needs one BagIt-Version and one Tag-File-Character-Encoding")
    major, _, minor = version[0].partition(".")
    number = (int(major), int(minor)) if major.isdigit() and minor.isdigit() else (0, 0)
    if not (0, 97) <= number < (2, 0):
        raise invalid(f"BagIt-Version {version[0][:20]!r}: kyso reads 0.97 and 1.x")
    if encoding[0].strip().lower() not in ("utf-8", "utf8"):
        raise invalid(f"tag files in {encoding[0][:20]!r}: kyso reads UTF-8 only")
    return version[0]


def _manifests(bag: Path, prefix: str) -> dict[str, dict[str, str]]:
    """``{algorithm: {path: digest}}`` of every ``<prefix><alg>.txt`` in the bag's folder."""
    found: dict[str, dict[str, str]] = {}
    for path in sorted(bag.glob(f"{prefix}*.txt")):
        algorithm = manifest_algorithm(path.name, prefix)
        found[algorithm] = parse_manifest(read_text(path), path.name, algorithm)
    return found


def _payload_files(bag: Path) -> set[str]:
    return {
        (Path(root) / name).relative_to(bag).as_posix()
        for root, _dirs, files in os.walk(bag / "data")
        for name in files
    }


def _complete(manifests: dict[str, dict[str, str]], present: set[str]) -> None:
    for algorithm, entries in manifests.items():
        name = f"manifest-{algorithm}.txt"
        outside = sorted(rel for rel in entries if not rel.startswith("data/"))
        if outside:
            raise invalid(f"{name} lists {outside[0]}, which is not in data/")
        missing = sorted(set(entries) - present)
        if missing:
            raise IntegrityError(
                "archive_bag_incomplete", f"{missing[0]} is in {name} but not in the bag"
            )
        extra = sorted(present - set(entries))
        if extra:
            raise IntegrityError(
                "archive_bag_incomplete", f"{extra[0]} is in the bag but not in {name}"
            )


def _info(bag: Path) -> list[tuple[str, str]]:
    path = bag / "bag-info.txt"
    return parse_tags(read_text(path), path.name) if path.is_file() else []


def _oxum(info: list[tuple[str, str]], payload: dict[str, int]) -> None:
    """Payload-Oxum (section 2.2.2): ``octets.files`` of the payload."""
    values = tag_values(info, "Payload-Oxum")
    if len(values) > 1:
        raise invalid("bag-info.txt has more than one Payload-Oxum")
    if not values:
        return
    octets, dot, files = values[0].partition(".")
    if not (dot and octets.isdigit() and files.isdigit()):
        raise invalid(f"Payload-Oxum {values[0][:40]!r} is not octets.files")
    found = (sum(payload.values()), len(payload))
    if (int(octets), int(files)) != found:
        raise IntegrityError(
            "archive_bag_incomplete",
            f"Payload-Oxum says {int(files)} files of {int(octets)} B in all, "
            f"the payload has {found[1]} files of {found[0]} B",
        )


def _check_sums(bag: Path, wanted: dict[str, dict[str, str]]) -> dict[str, PayloadFile]:
    """Re-hash each listed file once, with every algorithm that lists it and SHA-256."""
    files: dict[str, dict[str, str]] = {}
    for algorithm, entries in wanted.items():
        for rel, digest in entries.items():
            files.setdefault(rel, {})[algorithm] = digest
    checked: dict[str, PayloadFile] = {}
    for rel, expected in sorted(files.items()):
        if not (bag / rel).is_file():
            raise IntegrityError("archive_bag_incomplete", f"{rel} is listed but missing")
        hashed = hash_file(bag / rel, {*expected, "sha256"})
        for algorithm, digest in sorted(expected.items()):
            if hashed.digests[algorithm] != digest:
                raise IntegrityError(
                    "archive_bag_fixity_failed", f"{rel} fails its {algorithm} checksum"
                )
        checked[rel] = PayloadFile(hashed.digests["sha256"], hashed.size)
    return checked


def validate_bag(bag: Path) -> CheckedBag:
    """Check a bag completely and return what it holds; raises on the first defect."""
    _refuse_special_files(bag)
    version = _declaration(bag)
    if not (bag / "data").is_dir():
        raise invalid("the bag has no data/ folder")
    if (bag / "fetch.txt").exists():
        raise invalid("fetch.txt: kyso fetches nothing; put the files in the bag, drop it")
    manifests = _manifests(bag, "manifest-")
    if not manifests:
        raise invalid("the bag has no payload manifest (manifest-sha256.txt, ...)")
    if not set(manifests) & set(STRONG):
        raise invalid("the bag has only MD5/SHA-1/SHA-224 manifests: add manifest-sha256.txt")
    _complete(manifests, _payload_files(bag))
    tags = _manifests(bag, "tagmanifest-")
    for algorithm, entries in tags.items():
        if any(rel.startswith("data/") for rel in entries):
            raise invalid(f"tagmanifest-{algorithm}.txt lists a payload file")
    info = _info(bag)
    sizes = {rel: (bag / rel).lstat().st_size for rel in next(iter(manifests.values()))}
    _oxum(info, sizes)
    _check_sums(bag, tags)
    payload = _check_sums(bag, manifests)
    return CheckedBag(version, tuple(sorted(manifests)), tuple(info), payload)
