"""The archive service: streaming ingest with deduplication, reads, and crash recovery.

Ingest order, chosen so that a crash at any point leaves the archive consistent:
1. journal the ingest (committed) - a crash now leaves a journal row and no object;
2. stream the bytes into the store while hashing - a crash leaves no complete object
   (folder: only a temp file; S3: an unfinished multipart upload, invisible to reads);
3. deduplicate: bytes already stored are not kept twice (the new unprotected copy is deleted);
4. lock the object (retention until the record's end, legal hold if asked);
5. record document + version, delete the journal row and append the audit entry in one
   transaction. A catalog failure here leaves the locked object and the journal row:
   ``reconcile`` finds the object again from the ingest id and finishes the job.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, time
from typing import BinaryIO

from archive.catalog.codec import meta_from_json, meta_to_json
from archive.catalog.sql import NewVersion, SqlCatalog
from archive.errors import ArchiveInputError, ArchiveNotFoundError, ObjectLockedError
from archive.metadata import (
    VERSION_KINDS,
    DocumentMeta,
    DossierMeta,
    IngestResult,
    VersionKind,
    VersionRecord,
    retention_years,
)
from archive.protocols import Verifier
from archive.store.base import LockMode, ObjectLock, ObjectStore, StoredObject
from common.ids import new_id

log = logging.getLogger(__name__)

#: object-lock horizon of permanent records; extended by a later ``protect`` when it nears
PERMANENT_LOCK_YEARS = 100


@dataclass(frozen=True)
class ArchiveOptions:
    lock_mode: LockMode = "COMPLIANCE"
    #: create a dossier (title = code) when ``put`` names one that does not exist
    create_missing_dossiers: bool = True


@dataclass(frozen=True)
class ReconcileReport:
    finished: tuple[str, ...]
    dropped: tuple[str, ...]


def _add_years(moment: datetime, years: int) -> datetime:
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year + years, day=28)


class Archive:
    """Originals in an ObjectStore, described in a SqlCatalog."""

    def __init__(
        self,
        store: ObjectStore,
        catalog: SqlCatalog,
        options: ArchiveOptions | None = None,
        verifier: Verifier | None = None,
    ) -> None:
        self.store = store
        self.catalog = catalog
        self.clock = catalog.clock
        self.options = options or ArchiveOptions()
        #: asked for a signature summary of each stored PDF (verify/ provides it later)
        self.verifier = verifier

    def retain_until(self, retention: str, dossier: DossierMeta) -> datetime:
        """End of retention: counted from the dossier's end date (or today), in UTC."""
        years = retention_years(retention)
        now = self.clock.now().astimezone(UTC)
        if years is None:
            return _add_years(now, PERMANENT_LOCK_YEARS)
        start = now
        if dossier.end_date is not None:
            start = max(now, datetime.combine(dossier.end_date, time(), tzinfo=UTC))
        return _add_years(start, years)

    def put(
        self,
        stream: BinaryIO,
        *,
        dossier_code: str,
        meta: DocumentMeta | None = None,
        document_id: str | None = None,
        kind: VersionKind = "original",
        media_type: str = "application/octet-stream",
        legal_hold: bool = False,
        extra_text: str = "",
        actor: str = "system",
    ) -> IngestResult:
        """Store a new document (``meta``) or a new version of ``document_id``."""
        if kind not in VERSION_KINDS:
            raise ArchiveInputError("archive_bad_version_kind", f"unknown version kind {kind}")
        if (meta is None) == (document_id is None):
            raise ArchiveInputError("archive_bad_request", "give either metadata or a document id")
        if document_id is not None:
            record = self.catalog.document(document_id)
            dossier_code, retention = record.dossier_code, record.retention
        elif not self.catalog.has_dossier(dossier_code) and self.options.create_missing_dossiers:
            self.catalog.create_dossier(DossierMeta(dossier_code, dossier_code), actor=actor)
        dossier = self.catalog.dossier(dossier_code)
        if meta is not None:
            retention = meta.retention or dossier.retention
        ingest_id = new_id("i")
        new_document_id = document_id or new_id("d")
        payload: dict[str, object] = {
            "dossier_code": dossier_code,
            "document_id": new_document_id,
            "new_document": meta is not None,
            "meta": meta_to_json(meta) if meta is not None else None,
            "kind": kind,
            "media_type": media_type,
            "legal_hold": legal_hold,
            "extra_text": extra_text,
            "actor": actor,
            "retention": retention,
        }
        self.catalog.begin_ingest(ingest_id, payload)
        try:
            stored = self.store.put(ingest_id, stream, media_type=media_type)
        except BaseException:
            self.catalog.drop_pending(ingest_id)
            self.store.forget_ingest(ingest_id)
            raise
        # Deduplicate: the same bytes already in this document / dossier are not a new version.
        same = (
            new_document_id
            if document_id and self.catalog.latest_sha(document_id) == stored.sha256
            else None
        )
        if same is None and meta is not None:
            same = self.catalog.document_with_original(dossier_code, stored.sha256)
        if same is not None:
            self._discard_duplicate(ingest_id, stored)
            return IngestResult(same, self.catalog.version(same), deduplicated=True)
        version = self._finish(ingest_id, stored, payload)
        return IngestResult(version.document_id, version, deduplicated=False)

    def _drop_unreferenced(self, stored: StoredObject) -> None:
        """Delete a stored copy no catalogued version points at (a duplicate)."""
        if self.catalog.versions_of_object(stored.key, stored.version_id) == 0:
            try:
                self.store.delete(stored.key, stored.version_id)
            except ObjectLockedError:
                log.warning("a locked duplicate copy stays in the store: %s", stored.key)

    def _discard_duplicate(self, ingest_id: str, stored: StoredObject) -> None:
        self._drop_unreferenced(stored)
        self.catalog.drop_pending(ingest_id)
        self.store.forget_ingest(ingest_id)

    def _finish(
        self, ingest_id: str, stored: StoredObject, payload: dict[str, object]
    ) -> VersionRecord:
        """Lock the stored object (reusing identical stored bytes) and catalogue it."""
        existing = self.catalog.version_with_sha(stored.sha256)
        if existing is not None and (existing.storage_key, existing.storage_version_id) != (
            stored.key,
            stored.version_id,
        ):
            self._drop_unreferenced(stored)
            stored = StoredObject(
                existing.storage_key, existing.storage_version_id, stored.sha256, stored.size
            )
        dossier = self.catalog.dossier(str(payload["dossier_code"]))
        until = self.retain_until(str(payload["retention"]), dossier)
        lock = ObjectLock(until, self.options.lock_mode, bool(payload["legal_hold"]))
        self.store.protect(stored, lock)
        signature = None
        if self.verifier is not None and payload["media_type"] == "application/pdf":
            signature = self.verifier.summarise(self.store.open(stored.key, stored.version_id))
        meta_text = payload["meta"]
        meta = meta_from_json(DocumentMeta, str(meta_text)) if payload["new_document"] else None
        version = self.catalog.record_version(
            ingest_id,
            NewVersion(
                document_id=str(payload["document_id"]),
                kind=payload["kind"],  # type: ignore[arg-type]
                sha256=stored.sha256,
                size=stored.size,
                media_type=str(payload["media_type"]),
                storage_key=stored.key,
                storage_version_id=stored.version_id,
                retain_until=until,
                signature=signature,
            ),
            dossier_code=dossier.code,
            meta=meta,
            extra_text=str(payload["extra_text"]),
            actor=str(payload["actor"]),
        )
        self.store.forget_ingest(ingest_id)
        return version

    def reconcile(self, started_before: datetime | None = None) -> ReconcileReport:
        """Finish ingests whose object was stored, drop those that never completed.

        With ``started_before``, only ingests journalled before that moment are touched: a
        process sharing the catalog may still be uploading the newer ones.
        """
        finished: list[str] = []
        dropped: list[str] = []
        for ingest_id, payload in self.catalog.pending_ingests(started_before):
            stored = self.store.locate(ingest_id)
            if stored is None:
                self.catalog.drop_pending(ingest_id)
                self.store.forget_ingest(ingest_id)
                dropped.append(ingest_id)
                continue
            self._finish(ingest_id, stored, payload)
            finished.append(ingest_id)
        if finished or dropped:
            log.info("reconcile: %d finished, %d dropped", len(finished), len(dropped))
        return ReconcileReport(tuple(finished), tuple(dropped))

    def read(
        self, document_id: str, number: int | None = None
    ) -> tuple[VersionRecord, Iterator[bytes]]:
        version = self.catalog.version(document_id, number)
        if self.catalog.document(document_id).disposed_at is not None:
            raise ArchiveNotFoundError("archive_document_disposed", "the document was disposed of")
        return version, self.store.open(version.storage_key, version.storage_version_id)
