"""Several documents into a new dossier, all or nothing: a BagIt import (archive/bagit.py) and
an accepted inter-agency arrival (the package XML and its PDFs) both go through here.

Order, and what a failure anywhere leaves (nothing):
1. the new dossier must not exist (``archive_dossier_exists``, before any byte is stored);
2. one journal row per version (committed): ``reconcile`` finds whatever a crash leaves;
3. every version streamed into the store (its own copy: no sharing with other dossiers'
   objects), checked against the digest the caller expects, and summarised by the verifier;
4. one serialised catalog transaction: take the journal rows, the dossier, the documents, the
   versions, then (last) the object locks; commit;
5. a failure in 3 or 4 rolls the transaction back, then deletes every stored object and
   journal row (``Archive.roll_back``): nothing was locked yet, so every object can go.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import BinaryIO

from archive.errors import ArchiveConflictError, ArchiveInputError, IntegrityError
from archive.ingest import Archive
from archive.metadata import DocumentMeta, DossierMeta, NewVersion, SignatureSummary, VersionKind
from archive.protocols import CatalogWrite
from archive.store.base import ObjectLock, StoredObject
from common.ids import new_id

#: opens the bytes of one version (a file, an in-memory buffer), closed after the put
Source = Callable[[], AbstractContextManager[BinaryIO]]


@dataclass(frozen=True)
class BatchVersion:
    #: the document it belongs to, by position in the batch's documents
    document: int
    source: Source
    media_type: str
    kind: VersionKind = "original"
    #: the version's number (a bag keeps its numbers); None: the next one
    number: int | None = None
    #: (sha256, size) the stored bytes must have, e.g. from a bag's manifest
    expected: tuple[str, int] | None = None
    #: how a failure names it (a bag's payload path)
    label: str = ""


@dataclass(frozen=True)
class _Item:
    version: BatchVersion
    ingest_id: str


def put_dossier(
    archive: Archive,
    dossier: DossierMeta,
    documents: Sequence[DocumentMeta],
    versions: Sequence[BatchVersion],
    *,
    actor: str,
    journal: dict[str, object] | None = None,
) -> tuple[str, ...]:
    """Create ``dossier`` with ``documents`` and their ``versions`` in one step; the new
    document ids, in the order of ``documents``. On any failure nothing of it stays."""
    if archive.catalog.has_dossier(dossier.code):
        raise ArchiveConflictError("archive_dossier_exists", f"dossier {dossier.code} exists")
    if any(not 0 <= v.document < len(documents) for v in versions):
        raise ArchiveInputError("archive_bad_request", "a version names no document")
    items = [_Item(version, new_id("i")) for version in versions]
    archive.catalog.begin_ingests(
        [item.ingest_id for item in items], journal or {"dossier": dossier.code}
    )
    stored: dict[str, StoredObject] = {}
    try:
        for item in items:
            with item.version.source() as stream:
                obj = archive.store.put(item.ingest_id, stream, media_type=item.version.media_type)
            stored[item.ingest_id] = obj
            expected = item.version.expected
            if expected is not None and (obj.sha256, obj.size) != expected:
                raise IntegrityError("archive_bag_fixity_failed", f"{item.version.label} changed")
        signatures = {
            item.ingest_id: archive.summarise(stored[item.ingest_id], item.version.media_type)
            for item in items
        }
        with archive.catalog.writing() as write:
            ids = _record(archive, write, dossier, documents, items, stored, signatures, actor)
    except BaseException:
        for item in items:
            archive.roll_back(item.ingest_id, stored.get(item.ingest_id))
        raise
    for item in items:
        archive.settle(item.ingest_id, None)
    return ids


def _record(
    archive: Archive,
    write: CatalogWrite,
    dossier: DossierMeta,
    documents: Sequence[DocumentMeta],
    items: list[_Item],
    stored: dict[str, StoredObject],
    signatures: dict[str, SignatureSummary | None],
    actor: str,
) -> tuple[str, ...]:
    """Inside the write transaction: dossier, documents, versions, then (last) the locks."""
    for item in items:
        if not write.take_pending(item.ingest_id):
            raise ArchiveConflictError("archive_ingest_abandoned", "reconcile dropped the import")
    write.add_dossier(dossier, actor=actor)
    ids = tuple(new_id("d") for _document in documents)
    for document_id, meta in zip(ids, documents, strict=True):
        write.add_document(document_id, dossier.code, meta, actor=actor)
    locks: list[tuple[StoredObject, ObjectLock]] = []
    for item in items:
        meta = documents[item.version.document]
        obj = stored[item.ingest_id]
        archive.store.keep(item.ingest_id, obj)
        lock = archive.lock_for(meta.retention or dossier.retention, dossier, False)
        new = NewVersion(
            document_id=ids[item.version.document],
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
