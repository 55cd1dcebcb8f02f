"""Transfer packages: export a dossier as a BagIt bag (RFC 8493) and import one back.

Layout of an exported bag::

    bagit.txt  bag-info.txt  manifest-sha256.txt  tagmanifest-sha256.txt
    data/kyso-metadata.json                      dossier + documents + versions (JSON)
    data/documents/<document id>/v<n>-<kind>     the stored bytes of each version

Import validates the whole bag first (manifest complete, every checksum right, no file outside
the manifest, no path escaping ``data/``, no symbolic link, FIFO or device, Payload-Oxum, and
every field of ``kyso-metadata.json``: archive/bag_metadata.py), then stores the payload and
records dossier, documents and versions in one catalog transaction. Objects are locked last in
that transaction: whatever fails, the roll-back deletes every object of the bag.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from archive.bag_metadata import BagContents, BagVersion, read_contents
from archive.catalog.codec import meta_to_json
from archive.errors import ArchiveConflictError, ArchiveInputError, IntegrityError
from archive.ingest import Archive
from archive.metadata import NewVersion, SignatureSummary
from archive.protocols import CatalogWrite
from archive.store.base import ObjectLock, StoredObject
from common.hashing import CHUNK_SIZE, iter_chunks, sha256_chunks, sha256_file
from common.ids import new_id

METADATA = "data/kyso-metadata.json"


@dataclass(frozen=True)
class BagReport:
    dossier_code: str
    documents: int
    files: int
    bytes: int
    document_ids: tuple[str, ...] = ()


def _write_text(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


def export_dossier(archive: Archive, dossier_code: str, target: Path) -> BagReport:
    """Write the dossier's live documents and all their versions as a bag in ``target``."""
    if target.exists() and any(target.iterdir()):
        raise ArchiveConflictError("archive_bag_target_not_empty", f"{target} is not empty")
    dossier = archive.catalog.dossier(dossier_code)
    (target / "data" / "documents").mkdir(parents=True, exist_ok=True)
    manifest: dict[str, str] = {}
    total = 0
    documents = []
    for document_id in archive.catalog.document_ids(dossier_code):
        record = archive.catalog.document(document_id)
        entries = []
        for version in record.versions:
            rel = f"data/documents/{record.id}/v{version.number}-{version.kind}"
            path = target / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            digest = hashlib.sha256()
            with path.open("wb") as out:
                for chunk in archive.store.open(version.storage_key, version.storage_version_id):
                    digest.update(chunk)
                    out.write(chunk)
            if digest.hexdigest() != version.sha256:
                raise IntegrityError(
                    message=f"stored bytes of {record.id} v{version.number} differ"
                )
            manifest[rel] = version.sha256
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
        documents.append({"id": record.id, "meta": meta_to_json(record.meta), "versions": entries})
    body = {
        "format": "kyso-archive-bag/1",
        "dossier": meta_to_json(dossier),
        "documents": documents,
    }
    _write_text(target / METADATA, json.dumps(body, ensure_ascii=False, indent=1))
    manifest[METADATA] = sha256_file(target / METADATA)
    total += (target / METADATA).stat().st_size
    _write_text(target / "bagit.txt", "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n")
    info = (
        f"External-Identifier: {dossier_code}\n"
        f"Bagging-Date: {archive.clock.now().date().isoformat()}\n"
        f"Payload-Oxum: {total}.{len(manifest)}\n"
        "Bag-Software-Agent: kyso archive\n"
    )
    _write_text(target / "bag-info.txt", info)
    _write_text(
        target / "manifest-sha256.txt",
        "".join(f"{sha}  {rel}\n" for rel, sha in sorted(manifest.items())),
    )
    tags = ("bagit.txt", "bag-info.txt", "manifest-sha256.txt")
    _write_text(
        target / "tagmanifest-sha256.txt",
        "".join(f"{sha256_file(target / name)}  {name}\n" for name in tags),
    )
    return BagReport(dossier_code, len(documents), len(manifest), total)


def _read_manifest(bag: Path, name: str) -> dict[str, str]:
    path = bag / name
    if not path.is_file():
        raise ArchiveInputError("archive_bag_invalid", f"the bag has no {name}")
    entries: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        sha, _, rel = line.partition(" ")
        rel = rel.strip()
        pure = PurePosixPath(rel)
        if pure.is_absolute() or ".." in pure.parts or len(sha) != 64:
            raise ArchiveInputError("archive_bag_invalid", f"bad manifest line in {name}")
        entries[rel] = sha.lower()
    return entries


def _refuse_special_files(bag: Path) -> None:
    """A bag holds folders and plain files only: a symbolic link would make the import read
    (and archive) a file from anywhere on the server, its checksum matching; a FIFO or a
    device would block or never end the read."""
    for root, dirs, files in os.walk(bag):
        for name in (*dirs, *files):
            path = Path(root) / name
            rel = path.relative_to(bag).as_posix()
            mode = path.lstat().st_mode
            if stat.S_ISLNK(mode):
                raise ArchiveInputError("archive_bag_invalid", f"{rel} is a symbolic link")
            if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
                raise ArchiveInputError(
                    "archive_bag_invalid", f"{rel} is not a regular file (a FIFO, socket, device)"
                )


def _open_regular(path: Path) -> BinaryIO:
    """Open a payload file that must still be a plain file (not swapped for a link or FIFO)."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise ArchiveInputError("archive_bag_invalid", f"{path.name} is not a regular file")
    return os.fdopen(fd, "rb", buffering=CHUNK_SIZE)


def _sha256(path: Path) -> str:
    with _open_regular(path) as stream:
        return sha256_chunks(iter_chunks(stream))


def validate_bag(bag: Path) -> dict[str, str]:
    """Check a bag completely; returns its payload manifest. Raises on any defect."""
    _refuse_special_files(bag)
    if not (bag / "bagit.txt").is_file():
        raise ArchiveInputError("archive_bag_invalid", "not a bag: bagit.txt is missing")
    for rel, sha in (
        _read_manifest(bag, "tagmanifest-sha256.txt").items()
        if (bag / "tagmanifest-sha256.txt").exists()
        else ()
    ):
        if not (bag / rel).is_file() or _sha256(bag / rel) != sha:
            raise IntegrityError("archive_bag_fixity_failed", f"tag file {rel} fails its checksum")
    manifest = _read_manifest(bag, "manifest-sha256.txt")
    present = {
        str(PurePosixPath(Path(root).relative_to(bag).as_posix()) / name)
        for root, _dirs, files in os.walk(bag / "data")
        for name in files
    }
    if any(not rel.startswith("data/") for rel in manifest) or present != set(manifest):
        raise IntegrityError("archive_bag_incomplete", "payload files and manifest differ")
    total = 0
    for rel, sha in manifest.items():
        if _sha256(bag / rel) != sha:
            raise IntegrityError("archive_bag_fixity_failed", f"{rel} fails its checksum")
        total += (bag / rel).stat().st_size
    info = (
        (bag / "bag-info.txt").read_text(encoding="utf-8")
        if (bag / "bag-info.txt").exists()
        else ""
    )
    for line in info.splitlines():
        if (
            line.startswith("Payload-Oxum:")
            and line.split(":", 1)[1].strip() != f"{total}.{len(manifest)}"
        ):
            raise IntegrityError("archive_bag_incomplete", "Payload-Oxum does not match")
    if METADATA not in manifest:
        raise ArchiveInputError("archive_bag_invalid", "the bag has no kyso-metadata.json")
    return manifest


@dataclass(frozen=True)
class _Item:
    """One version of the bag on its way in: its document (by position) and ingest id."""

    document: int
    version: BagVersion
    ingest_id: str


def import_bag(archive: Archive, bag: Path, *, actor: str = "import") -> BagReport:
    """Validate the whole bag, then create its dossier and documents (new ids, same bytes)
    in one catalog transaction; on any failure nothing of the bag stays."""
    manifest = validate_bag(bag)
    contents = read_contents(bag, METADATA, manifest)
    code = contents.dossier.code
    if archive.catalog.has_dossier(code):
        raise ArchiveConflictError("archive_dossier_exists", f"dossier {code} exists")
    items = [
        _Item(number, version, new_id("i"))
        for number, document in enumerate(contents.documents)
        for version in document.versions
    ]
    archive.catalog.begin_ingests([item.ingest_id for item in items], {"bag": code})
    stored: dict[str, StoredObject] = {}
    try:
        for item in items:
            with _open_regular(bag / item.version.path) as stream:
                obj = archive.store.put(item.ingest_id, stream, media_type=item.version.media_type)
            stored[item.ingest_id] = obj
            if (obj.sha256, obj.size) != (item.version.sha256, item.version.size):
                raise IntegrityError("archive_bag_fixity_failed", f"{item.version.path} changed")
        signatures = {
            item.ingest_id: archive.summarise(stored[item.ingest_id], item.version.media_type)
            for item in items
        }
        with archive.catalog.writing() as write:
            ids = _record(archive, write, contents, items, stored, signatures, actor)
    except BaseException:
        for item in items:
            archive.roll_back(item.ingest_id, stored.get(item.ingest_id))
        raise
    for item in items:
        archive.settle(item.ingest_id, None)
    total = sum(item.version.size for item in items)
    return BagReport(code, len(ids), len(manifest), total, tuple(ids))


def _record(
    archive: Archive,
    write: CatalogWrite,
    contents: BagContents,
    items: list[_Item],
    stored: dict[str, StoredObject],
    signatures: dict[str, SignatureSummary | None],
    actor: str,
) -> list[str]:
    """The bag's dossier, documents and versions, then (last) the object locks."""
    dossier = contents.dossier
    for item in items:
        if not write.take_pending(item.ingest_id):
            raise ArchiveConflictError("archive_ingest_abandoned", "reconcile dropped the import")
    write.add_dossier(dossier, actor=actor)
    ids = [new_id("d") for _document in contents.documents]
    for document_id, document in zip(ids, contents.documents, strict=True):
        write.add_document(document_id, dossier.code, document.meta, actor=actor)
    locks: list[tuple[StoredObject, ObjectLock]] = []
    for item in items:
        document = contents.documents[item.document]
        obj = stored[item.ingest_id]
        archive.store.keep(item.ingest_id, obj)
        lock = archive.lock_for(document.meta.retention or dossier.retention, dossier, False)
        new = NewVersion(
            document_id=ids[item.document],
            kind=item.version.kind,
            sha256=obj.sha256,
            size=obj.size,
            media_type=item.version.media_type,
            storage_key=obj.key,
            storage_version_id=obj.version_id,
            retain_until=lock.retain_until,
            signature=signatures[item.ingest_id],
        )
        write.add_version(new, number=item.version.number, actor=actor)
        locks.append((obj, lock))
    for obj, lock in locks:  # last: a catalog failure before this leaves nothing locked
        archive.store.protect(obj, lock)
    return ids
