"""``SqlWrite``: the catalog's serialised write transaction (archive ``CatalogWrite``).

``SqlCatalog.writing`` opens it with the audit chain's head row locked first, so what it reads
(the next version number, whether a dossier exists, whether these bytes are catalogued) is
still true when it commits, on SQLite and on PostgreSQL, across threads and processes.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from archive.catalog import disposals, reads, recording
from archive.metadata import (
    DisposalProposal,
    DocumentMeta,
    DocumentRecord,
    DossierMeta,
    NewVersion,
    VersionRecord,
)
from common.clock import Clock


class SqlWrite:
    """One transaction on ``conn``; every change appends its audit entry on it too."""

    def __init__(self, conn: sa.Connection, clock: Clock) -> None:
        self._conn = conn
        self._clock = clock

    # -- reads (seeing this transaction's writes) ----------------------------------------
    def find_dossier(self, code: str) -> DossierMeta | None:
        return reads.find_dossier(self._conn, code)

    def document(self, document_id: str) -> DocumentRecord:
        return reads.document(self._conn, document_id)

    def version(self, document_id: str, number: int | None = None) -> VersionRecord:
        return reads.version(self._conn, document_id, number)

    def versions_of_object(
        self, storage_key: str, storage_version_id: str, *, other_than: str | None = None
    ) -> int:
        return reads.versions_of_object(self._conn, storage_key, storage_version_id, other_than)

    def document_with_original(self, dossier_code: str, sha256: str) -> str | None:
        return reads.document_with_original(self._conn, dossier_code, sha256)

    def live_version_with_sha(self, sha256: str) -> VersionRecord | None:
        return reads.version_with_sha(self._conn, sha256, live=True)

    def pending_ids(self, *only: str) -> set[str]:
        return reads.pending_ids(self._conn, only)

    def proposal(self, proposal_id: str) -> DisposalProposal:
        return disposals.proposal(self._conn, proposal_id)

    def held_elsewhere(self, document_id: str, storage_key: str, storage_version_id: str) -> bool:
        return disposals.held_elsewhere(self._conn, document_id, storage_key, storage_version_id)

    # -- writes --------------------------------------------------------------------------
    def take_pending(self, ingest_id: str) -> bool:
        return recording.take_pending(self._conn, ingest_id)

    def add_dossier(self, meta: DossierMeta, *, actor: str) -> None:
        recording.insert_dossier(self._conn, self._clock, meta, actor=actor)

    def add_document(
        self,
        document_id: str,
        dossier_code: str,
        meta: DocumentMeta,
        *,
        extra_text: str = "",
        legal_hold: bool = False,
        actor: str,
    ) -> None:
        recording.insert_document(
            self._conn,
            self._clock,
            document_id,
            dossier_code,
            meta,
            extra_text=extra_text,
            legal_hold=legal_hold,
            actor=actor,
        )

    def add_version(
        self, new: NewVersion, *, number: int | None = None, actor: str
    ) -> VersionRecord:
        return recording.insert_version(self._conn, self._clock, new, number=number, actor=actor)

    def append_search_text(self, document_id: str, text: str) -> None:
        recording.append_search_text(self._conn, document_id, text)

    def set_legal_hold(self, document_id: str, on: bool, *, actor: str) -> None:
        recording.set_legal_hold(self._conn, self._clock, document_id, on, actor=actor)

    def set_access(self, dossier_code: str, level: str, *, actor: str) -> list[str]:
        return recording.set_access(self._conn, self._clock, dossier_code, level, actor=actor)

    def add_proposal(self, proposal: DisposalProposal) -> None:
        disposals.add_proposal(self._conn, self._clock, proposal)

    def execute_disposal(self, proposal: DisposalProposal, *, actor: str, at: datetime) -> None:
        disposals.execute_disposal(self._conn, self._clock, proposal, actor=actor, at=at)
