"""Transfer packages: export a dossier as a BagIt bag (RFC 8493) and import one back.

Layout of an exported bag::

    bagit.txt  bag-info.txt  manifest-sha256.txt  tagmanifest-sha256.txt
    data/kyso-metadata.json                      dossier + documents + versions (JSON)
    data/documents/<document id>/v<n>-<kind>     the stored bytes of each version

Import validates the whole bag first (manifest complete, every checksum right, no file outside
the manifest, no path escaping ``data/``, no symbolic link, Payload-Oxum) and only then writes
anything.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from archive.catalog.codec import meta_from_json, meta_to_json
from archive.errors import ArchiveConflictError, ArchiveInputError, IntegrityError
from archive.ingest import Archive
from archive.metadata import DocumentMeta, DossierMeta
from common.hashing import CHUNK_SIZE, sha256_file

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


def _refuse_links(bag: Path) -> None:
    """A bag holds plain files only: a symbolic link would make the import read (and
    archive) a file from anywhere on the server, its checksum matching."""
    for root, dirs, files in os.walk(bag):
        for name in (*dirs, *files):
            if (Path(root) / name).is_symlink():
                rel = (Path(root) / name).relative_to(bag).as_posix()
                raise ArchiveInputError("archive_bag_invalid", f"{rel} is a symbolic link")


def validate_bag(bag: Path) -> dict[str, str]:
    """Check a bag completely; returns its payload manifest. Raises on any defect."""
    _refuse_links(bag)
    if not (bag / "bagit.txt").is_file():
        raise ArchiveInputError("archive_bag_invalid", "not a bag: bagit.txt is missing")
    for rel, sha in (
        _read_manifest(bag, "tagmanifest-sha256.txt").items()
        if (bag / "tagmanifest-sha256.txt").exists()
        else ()
    ):
        if not (bag / rel).is_file() or sha256_file(bag / rel) != sha:
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
        if sha256_file(bag / rel) != sha:
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


def import_bag(archive: Archive, bag: Path, *, actor: str = "import") -> BagReport:
    """Validate the bag, then create its dossier and documents (new ids, same bytes)."""
    manifest = validate_bag(bag)
    try:
        body = json.loads((bag / METADATA).read_text(encoding="utf-8"))
        dossier = meta_from_json(DossierMeta, body["dossier"])
        documents = [
            (meta_from_json(DocumentMeta, doc["meta"]), list(doc["versions"]))
            for doc in body["documents"]
        ]
    except (KeyError, TypeError, ValueError) as exc:
        raise ArchiveInputError("archive_bag_invalid", "kyso-metadata.json is malformed") from exc
    for _meta, versions in documents:
        for entry in versions:
            if manifest.get(str(entry["path"])) != entry["sha256"]:
                raise IntegrityError("archive_bag_incomplete", "metadata and manifest disagree")
    if archive.catalog.has_dossier(dossier.code):
        raise ArchiveConflictError("archive_dossier_exists", f"dossier {dossier.code} exists")
    archive.catalog.create_dossier(dossier, actor=actor)
    ids: list[str] = []
    total = 0
    for meta, versions in documents:
        document_id: str | None = None
        for entry in sorted(versions, key=lambda e: int(e["number"])):
            with (bag / str(entry["path"])).open("rb", buffering=CHUNK_SIZE) as stream:
                result = archive.put(
                    stream,
                    dossier_code=dossier.code,
                    meta=meta if document_id is None else None,
                    document_id=document_id,
                    kind=entry["kind"],
                    media_type=str(entry["media_type"]),
                    actor=actor,
                )
            if result.version.sha256 != entry["sha256"]:
                raise IntegrityError(message="bytes changed while importing")
            document_id = result.document_id
            total += int(entry["size"])
        if document_id is not None:
            ids.append(document_id)
    return BagReport(dossier.code, len(ids), len(manifest), total, tuple(ids))
