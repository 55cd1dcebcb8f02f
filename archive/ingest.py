"""The archive service: streaming ingest with deduplication, reads, and crash recovery.

A put ends in one of two states, whatever fails and whenever the process dies:
- **stored**: it returned the document id; the catalog has the version, the store the locked
  object;
- **not stored**: it raised, or its process died before it returned; nothing it wrote stays
  (its object is deleted unless a catalogued version shares it, its journal row goes), and
  ``reconcile`` never turns its leftovers into a document: nobody was told it was stored.

Order:
1. journal the ingest (committed): ``reconcile`` can find whatever it leaves behind;
2. stream the bytes into the store while hashing (folder: a temp file linked to its content
   address; S3: ``objects/<ingest id>``) and ask the verifier about a PDF;
3. one serialised catalog transaction (``Catalog.writing``): deduplicate (the same bytes as
   an original of this dossier, or as this document's newest version, are that document;
   identical bytes elsewhere share one stored object); take the journal row (gone: a
   ``reconcile`` dropped the ingest meanwhile, and the put fails); create the dossier if it is
   new; record document and version with the next number; lock the object, last; commit;
4. then: delete the copy a deduplicated put did not need, drop the store's bookkeeping.

A failure in 2 or 3 rolls back the transaction, then the object and the journal row. Nothing
is locked before the catalog has decided to keep the object, so the roll-back can delete it;
only a commit failing after the lock was written leaves an unreferenced, locked copy (never a
document). When even the roll-back cannot write (a full database disk) the journal row stays,
and ``reconcile`` drops it later.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, time
from typing import BinaryIO

from archive.errors import (
    ArchiveConflictError,
    ArchiveError,
    ArchiveInputError,
    ArchiveNotFoundError,
    ObjectLockedError,
)
from archive.metadata import (
    VERSION_KINDS,
    DocumentMeta,
    DocumentRecord,
    DossierMeta,
    IngestResult,
    NewVersion,
    SignatureSummary,
    VersionKind,
    VersionRecord,
    check_media_type,
    retention_years,
)
from archive.protocols import Catalog, CatalogWrite, Verifier
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
    #: journalled ingests that never committed: their objects and rows removed
    dropped: tuple[str, ...]
    #: files of the store's ingest bookkeeping removed (crash leftovers, finished markers)
    removed_files: int = 0
    #: always empty: reconcile never catalogues an ingest that did not commit
    finished: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Target:
    """Where a put goes: a new document (``meta``) or a new version of ``document_id``."""

    dossier_code: str
    document_id: str
    meta: DocumentMeta | None
    kind: VersionKind
    media_type: str
    legal_hold: bool
    extra_text: str
    actor: str


def _add_years(moment: datetime, years: int) -> datetime:
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year + years, day=28)


class Archive:
    """Originals in an ObjectStore, described in a Catalog."""

    def __init__(
        self,
        store: ObjectStore,
        catalog: Catalog,
        options: ArchiveOptions | None = None,
        verifier: Verifier | None = None,
    ) -> None:
        self.store = store
        self.catalog = catalog
        self.clock = catalog.clock
        self.options = options or ArchiveOptions()
        #: asked for a signature summary of each stored PDF
        self.verifier = verifier
        #: what a clean-up may meet and leave to ``reconcile`` (never hiding the put's failure)
        self.cleanup_errors: tuple[type[Exception], ...] = (
            ArchiveError,
            OSError,
            *catalog.database_errors,
        )

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

    def lock_for(self, retention: str, dossier: DossierMeta, legal_hold: bool) -> ObjectLock:
        return ObjectLock(self.retain_until(retention, dossier), self.options.lock_mode, legal_hold)

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
        target = _Target(
            dossier_code=self._check(dossier_code, meta, document_id, kind),
            document_id=document_id or new_id("d"),
            meta=meta,
            kind=kind,
            media_type=check_media_type(media_type),
            legal_hold=legal_hold,
            extra_text=extra_text,
            actor=actor,
        )
        ingest_id = new_id("i")
        self.catalog.begin_ingest(
            ingest_id, {"dossier_code": target.dossier_code, "document_id": target.document_id}
        )
        stored: StoredObject | None = None
        try:
            stored = self.store.put(ingest_id, stream, media_type=target.media_type)
            self.store.keep(ingest_id, stored)  # identical bytes a failed put just removed
            signature = self.summarise(stored, target.media_type)
            with self.catalog.writing() as write:
                result, kept_copy = self._record(write, ingest_id, stored, target, signature)
        except BaseException:
            self.roll_back(ingest_id, stored)
            raise
        self.settle(ingest_id, None if kept_copy else stored)
        return result

    def _check(
        self,
        dossier_code: str,
        meta: DocumentMeta | None,
        document_id: str | None,
        kind: VersionKind,
    ) -> str:
        """Refuse a bad request before any byte is stored; returns the dossier's code."""
        if kind not in VERSION_KINDS:
            raise ArchiveInputError("archive_bad_version_kind", f"unknown version kind {kind}")
        if (meta is None) == (document_id is None):
            raise ArchiveInputError("archive_bad_request", "give either metadata or a document id")
        if document_id is not None:
            return self._live(self.catalog.document(document_id)).dossier_code
        if self.catalog.find_dossier(dossier_code) is None:
            if not self.options.create_missing_dossiers:
                raise ArchiveNotFoundError("archive_dossier_not_found", f"no {dossier_code}")
            DossierMeta(dossier_code, dossier_code)  # a bad code is refused here
        return dossier_code

    @staticmethod
    def _live(record: DocumentRecord) -> DocumentRecord:
        if record.disposed_at is not None:
            raise ArchiveNotFoundError("archive_document_disposed", "the document was disposed of")
        return record

    def summarise(self, stored: StoredObject, media_type: str) -> SignatureSummary | None:
        if self.verifier is None or media_type != "application/pdf":
            return None
        return self.verifier.summarise(self.store.open(stored.key, stored.version_id))

    def _record(
        self,
        write: CatalogWrite,
        ingest_id: str,
        stored: StoredObject,
        target: _Target,
        signature: SignatureSummary | None,
    ) -> tuple[IngestResult, bool]:
        """Inside the write lock: the result, and whether the catalog took the stored copy."""
        if target.meta is None:
            record = self._live(write.document(target.document_id))
            if record.versions and record.versions[-1].sha256 == stored.sha256:
                return IngestResult(record.id, record.versions[-1], deduplicated=True), False
            retention, dossier_code = record.retention, record.dossier_code
        else:
            same = write.document_with_original(target.dossier_code, stored.sha256)
            if same is not None:  # the journal row stays until the unused copy is deleted
                version = write.version(same)
                return IngestResult(same, version, deduplicated=True), False
            retention, dossier_code = target.meta.retention or "", target.dossier_code
        if ingest_id not in write.pending_ids(ingest_id):
            raise ArchiveConflictError(
                "archive_ingest_abandoned",
                "reconcile dropped this ingest while it ran: nothing was stored, send it again",
            )
        dossier = write.find_dossier(dossier_code)
        if dossier is None:
            if target.meta is None or not self.options.create_missing_dossiers:
                raise ArchiveNotFoundError("archive_dossier_not_found", f"no {dossier_code}")
            dossier = DossierMeta(dossier_code, dossier_code)
            write.add_dossier(dossier, actor=target.actor)
        retention = retention or dossier.retention
        shared = write.live_version_with_sha(stored.sha256)
        obj = stored
        if shared is not None:
            obj = StoredObject(
                shared.storage_key, shared.storage_version_id, stored.sha256, stored.size
            )
        kept_copy = (obj.key, obj.version_id) == (stored.key, stored.version_id)
        if kept_copy:  # else the row stays until the unused copy is deleted (``settle``)
            write.take_pending(ingest_id)
            self.store.keep(ingest_id, stored)
        lock = self.lock_for(retention, dossier, target.legal_hold)
        if target.meta is not None:
            write.add_document(
                target.document_id,
                dossier.code,
                target.meta,
                extra_text=target.extra_text,
                legal_hold=target.legal_hold,
                actor=target.actor,
            )
        else:
            if target.extra_text:  # e.g. the OCR text of a derivative version
                write.append_search_text(target.document_id, target.extra_text)
            if target.legal_hold and not record.legal_hold:
                write.set_legal_hold(target.document_id, True, actor=target.actor)
        version = write.add_version(
            NewVersion(
                document_id=target.document_id,
                kind=target.kind,
                sha256=stored.sha256,
                size=stored.size,
                media_type=target.media_type,
                storage_key=obj.key,
                storage_version_id=obj.version_id,
                retain_until=lock.retain_until,
                signature=signature,
            ),
            actor=target.actor,
        )
        self.store.protect(obj, lock)  # last: whatever failed before, nothing is locked
        return IngestResult(target.document_id, version, deduplicated=False), kept_copy

    # -- cleaning up -----------------------------------------------------------------------
    def _drop(self, ingest_id: str, obj: StoredObject | None) -> None:
        """Remove an uncatalogued copy (kept when a catalogued version shares it) and its row."""
        with self.catalog.writing() as write:
            if obj is not None and not write.versions_of_object(obj.key, obj.version_id):
                try:
                    self.store.delete(obj.key, obj.version_id)
                except ObjectLockedError:
                    log.warning("an unreferenced locked copy stays: %s", obj.key)
                except ArchiveNotFoundError:
                    pass
            write.take_pending(ingest_id)

    def roll_back(self, ingest_id: str, stored: StoredObject | None) -> None:
        """Undo a failed ingest; what cannot be undone now is left to ``reconcile``."""
        obj = stored
        if obj is None:  # the store failed: did it keep a complete copy all the same?
            try:
                obj = self.store.locate(ingest_id)
            except self.cleanup_errors as exc:  # unreachable: a copy, if any, stays unreferenced
                log.warning("ingest %s: cannot look for a stored copy (%s)", ingest_id, exc)
        try:
            self._drop(ingest_id, obj)
            self.store.forget_ingest(ingest_id)
        except self.cleanup_errors as exc:
            log.warning("ingest %s failed; reconcile will drop it (%s)", ingest_id, exc)

    def settle(self, ingest_id: str, unused: StoredObject | None) -> None:
        """After the commit: delete the copy the catalog did not take, forget the ingest."""
        try:
            if unused is not None:
                self._drop(ingest_id, unused)
            self.store.forget_ingest(ingest_id)
        except self.cleanup_errors as exc:
            log.warning("ingest %s stored; clean-up left to reconcile (%s)", ingest_id, exc)

    def reconcile(self, started_before: datetime | None = None) -> ReconcileReport:
        """Drop ingests that never committed (their objects too), sweep the store's leftovers.

        With ``started_before``, only ingests journalled before that moment are dropped: a
        process sharing the catalog may still be uploading the newer ones (were one dropped
        all the same, that put fails with ``archive_ingest_abandoned``, storing nothing).
        """
        dropped: list[str] = []
        for ingest_id, _payload in self.catalog.pending_ingests(started_before):
            self._drop(ingest_id, self.store.locate(ingest_id))
            self.store.forget_ingest(ingest_id)
            dropped.append(ingest_id)
        with self.catalog.writing() as write:  # no ingest starts or finishes meanwhile
            removed = self.store.sweep(write.pending_ids())
        if dropped or removed:
            log.info("reconcile: %d ingests dropped, %d files removed", len(dropped), removed)
        return ReconcileReport(tuple(dropped), removed)

    def read(
        self, document_id: str, number: int | None = None
    ) -> tuple[VersionRecord, Iterator[bytes]]:
        version = self.catalog.version(document_id, number)
        if self.catalog.document(document_id).disposed_at is not None:
            raise ArchiveNotFoundError("archive_document_disposed", "the document was disposed of")
        return version, self.store.open(version.storage_key, version.storage_version_id)
