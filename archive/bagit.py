"""Transfer packages: export a dossier as a BagIt bag (RFC 8493) and import one back.

Layout of an exported bag (it validates with the Library of Congress ``bagit`` package)::

    bagit.txt  bag-info.txt                       BagIt 1.0, UTF-8; Payload-Oxum, Bagging-Date, ...
    manifest-sha256.txt  manifest-sha512.txt      every payload file, both algorithms
    tagmanifest-sha256.txt  tagmanifest-sha512.txt  the four tag files above
    data/kyso-metadata.json                       dossier + documents + versions (JSON)
    data/documents/<document id>/v<n>-<kind>      the stored bytes of each version

``kyso-metadata.json`` is payload, not a tag file: bagit-python's ``make_bag`` bags every file
of a folder as payload, and payload manifests are required (tag manifests are optional), so the
metadata always travels under a checksum. Import validates the whole bag first
(archive/bag_check.py, then every field of ``kyso-metadata.json``: archive/bag_metadata.py),
then stores the payload and records dossier, documents and versions in one catalog transaction.
Objects are locked last in that transaction: whatever fails, the roll-back deletes every object
of the bag.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from archive.bag_check import validate_bag
from archive.bag_format import EXPORTED, hash_file, open_regular, render_manifest, render_tags
from archive.bag_metadata import FORMAT, METADATA, read_contents
from archive.batch import BatchVersion, put_dossier
from archive.catalog.codec import meta_to_json
from archive.errors import ArchiveConflictError, IntegrityError
from archive.ingest import Archive
from archive.metadata import DocumentRecord, VersionRecord
from common.clock import VN_TZ
from common.version import kyso_version

TAG_FILES = ("bagit.txt", "bag-info.txt", *(f"manifest-{a}.txt" for a in EXPORTED))


@dataclass(frozen=True)
class BagReport:
    dossier_code: str
    documents: int
    files: int
    bytes: int
    document_ids: tuple[str, ...] = ()


def _write_text(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


def _size(octets: int) -> str:
    """Bag-Size as people read it (RFC 8493 section 2.2.2: "260 GB", "1.5 TB")."""
    size = float(octets)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1000:
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{size:.1f} TB"


def _copy(
    archive: Archive, record: DocumentRecord, version: VersionRecord, path: Path
) -> dict[str, str]:
    """Write one stored version to the bag; its digests, re-computed as it is written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    hashers = {name: hashlib.new(name) for name in EXPORTED}
    with path.open("wb") as out:
        for chunk in archive.store.open(version.storage_key, version.storage_version_id):
            for hasher in hashers.values():
                hasher.update(chunk)
            out.write(chunk)
    digests = {name: h.hexdigest() for name, h in hashers.items()}
    if digests["sha256"] != version.sha256:
        raise IntegrityError(message=f"stored bytes of {record.id} v{version.number} differ")
    return digests


def export_dossier(archive: Archive, dossier_code: str, target: Path) -> BagReport:
    """Write the dossier's live documents and all their versions as a bag in ``target``."""
    if target.exists() and any(target.iterdir()):
        raise ArchiveConflictError("archive_bag_target_not_empty", f"{target} is not empty")
    dossier = archive.catalog.dossier(dossier_code)
    (target / "data" / "documents").mkdir(parents=True, exist_ok=True)
    manifests: dict[str, dict[str, str]] = {name: {} for name in EXPORTED}
    total = 0
    documents = []
    for document_id in archive.catalog.document_ids(dossier_code):
        record = archive.catalog.document(document_id)
        entries = []
        for version in record.versions:
            rel = f"data/documents/{record.id}/v{version.number}-{version.kind}"
            digests = _copy(archive, record, version, target / rel)
            for name in EXPORTED:
                manifests[name][rel] = digests[name]
            total += version.size
            entries.append(
                {
                    "number": version.number,
                    "kind": version.kind,
                    "sha256": version.sha256,
                    "size": version.size,
                    "media_type": version.media_type,
                    "path": rel,
                }
            )
        meta = json.loads(meta_to_json(record.meta))
        documents.append({"id": record.id, "meta": meta, "versions": entries})
    body = {
        "format": FORMAT,
        "dossier": json.loads(meta_to_json(dossier)),
        "documents": documents,
    }
    _write_text(target / METADATA, json.dumps(body, ensure_ascii=False, indent=1))
    hashed = hash_file(target / METADATA, EXPORTED)
    for name in EXPORTED:
        manifests[name][METADATA] = hashed.digests[name]
    total += hashed.size
    files = len(manifests["sha256"])
    _write_text(target / "bagit.txt", "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n")
    info = [
        ("Bag-Software-Agent", f"kyso {kyso_version()}"),
        ("Bagging-Date", archive.clock.now().astimezone(VN_TZ).date().isoformat()),
        ("External-Identifier", dossier_code),
        ("External-Description", dossier.title),
        ("Payload-Oxum", f"{total}.{files}"),
        ("Bag-Size", _size(total)),
    ]
    _write_tag_files(target, info, manifests)
    return BagReport(dossier_code, len(documents), files, total)


def _write_tag_files(
    target: Path, info: list[tuple[str, str]], manifests: dict[str, dict[str, str]]
) -> None:
    """bag-info.txt, the payload manifests, then the tag manifests over those four files."""
    _write_text(target / "bag-info.txt", render_tags(info))
    for name in EXPORTED:
        _write_text(target / f"manifest-{name}.txt", render_manifest(manifests[name]))
    tags = {tag: hash_file(target / tag, EXPORTED).digests for tag in TAG_FILES}
    for name in EXPORTED:
        listed = {tag: digests[name] for tag, digests in tags.items()}
        _write_text(target / f"tagmanifest-{name}.txt", render_manifest(listed))


def import_bag(archive: Archive, bag: Path, *, actor: str = "import") -> BagReport:
    """Validate the whole bag, then create its dossier and documents (new ids, same bytes)
    in one catalog transaction (archive/batch.py); on any failure nothing of the bag stays."""
    checked = validate_bag(bag)
    contents = read_contents(bag, checked.payload)
    code = contents.dossier.code
    versions = [
        BatchVersion(
            document=number,
            source=partial(open_regular, bag / version.path),
            media_type=version.media_type,
            kind=version.kind,
            number=version.number,
            expected=(version.sha256, version.size),
            label=version.path,
        )
        for number, document in enumerate(contents.documents)
        for version in document.versions
    ]
    metas = [document.meta for document in contents.documents]
    ids = put_dossier(archive, contents.dossier, metas, versions, actor=actor,
                      journal={"bag": code})  # fmt: skip
    total = sum(version.size for document in contents.documents for version in document.versions)
    return BagReport(code, len(ids), len(checked.payload), total, ids)
