"""Protocols of the archive: its catalog, and what it asks other packages for without importing
them.

- ``Catalog``: fonds, dossiers, documents, versions, the ingest journal, fixity runs, disposal
  proposals and the audit log (``archive.catalog.sql.SqlCatalog`` on SQLite or PostgreSQL).
  Its signatures speak in the frozen records of archive/metadata.py, never in database types.
- ``Verifier``: verify/ gives a verdict on a signed PDF.
- ``Anchorer``: an RFC 3161 time-stamp authority (certs/ provides the real one).
- ``LtaRenewer``: signing/ adds a fresh document time-stamp to a PAdES B-LTA file.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from typing import Protocol

from archive.metadata import (
    ChainReport,
    DisposalProposal,
    DocumentMeta,
    DocumentRecord,
    DossierMeta,
    FixityRun,
    NewVersion,
    SearchFilters,
    SearchHit,
    SignatureSummary,
    VersionRecord,
)
from common.clock import Clock


class Verifier(Protocol):
    def summarise(self, chunks: Iterator[bytes]) -> SignatureSummary | None:
        """The signature verdict of a document, or None when it carries no signature."""
        ...


class Anchorer(Protocol):
    def timestamp(self, digest: bytes) -> bytes:
        """An RFC 3161 time-stamp token (DER ContentInfo) over a SHA-256 ``digest``."""
        ...


class LtaRenewer(Protocol):
    def needs_renewal(self, chunks: Iterator[bytes]) -> bool:
        """Whether the newest document time-stamp nears expiry or an algorithm's end of life."""
        ...

    def renew(self, chunks: Iterator[bytes]) -> bytes:
        """The document with a fresh document time-stamp appended (a new LTA version)."""
        ...


class CatalogReads(Protocol):
    """Look-ups the catalog answers alone, and inside a write transaction (seeing its writes)."""

    def find_dossier(self, code: str) -> DossierMeta | None: ...

    def document(self, document_id: str) -> DocumentRecord:
        """The document with its versions; ``archive_document_not_found`` when there is none."""
        ...

    def version(self, document_id: str, number: int | None = None) -> VersionRecord:
        """Version ``number`` of the document (its newest when None)."""
        ...

    def versions_of_object(
        self, storage_key: str, storage_version_id: str, *, other_than: str | None = None
    ) -> int:
        """How many catalogued versions (of any document but ``other_than``) share an object."""
        ...


class CatalogWrite(CatalogReads, Protocol):
    """One serialised write transaction (``Catalog.writing``): what it reads stays true until
    it commits. Every change appends its audit-log entry in the same transaction."""

    def document_with_original(self, dossier_code: str, sha256: str) -> str | None:
        """The live document of this dossier whose original has these bytes, if any."""
        ...

    def live_version_with_sha(self, sha256: str) -> VersionRecord | None:
        """A version of a live (not disposed) document with these bytes: its object is kept."""
        ...

    def pending_ids(self, *only: str) -> set[str]:
        """Ids of the journalled ingests (of ``only`` these, when given)."""
        ...

    def take_pending(self, ingest_id: str) -> bool:
        """Delete the journal row; False when it was already gone."""
        ...

    def add_dossier(self, meta: DossierMeta, *, actor: str) -> None: ...

    def add_document(
        self,
        document_id: str,
        dossier_code: str,
        meta: DocumentMeta,
        *,
        extra_text: str = "",
        legal_hold: bool = False,
        actor: str,
    ) -> None: ...

    def add_version(
        self, new: NewVersion, *, number: int | None = None, actor: str
    ) -> VersionRecord:
        """The document's next version (or version ``number``, e.g. from a bag)."""
        ...

    def append_search_text(self, document_id: str, text: str) -> None:
        """Make ``text`` findable with the document."""
        ...

    def set_legal_hold(self, document_id: str, on: bool, *, actor: str) -> None:
        """The catalog's side of a legal hold (the store's locks are the caller's)."""
        ...

    def set_access(self, dossier_code: str, level: str, *, actor: str) -> list[str]:
        """A dossier's access level, and its live documents' (their ids)."""
        ...

    def held_elsewhere(self, document_id: str, storage_key: str, storage_version_id: str) -> bool:
        """Whether a version of another held document shares this object."""
        ...

    def proposal(self, proposal_id: str) -> DisposalProposal: ...

    def add_proposal(self, proposal: DisposalProposal) -> None: ...

    def execute_disposal(self, proposal: DisposalProposal, *, actor: str, at: datetime) -> None:
        """Close the proposal as executed and tombstone its document (it leaves the search)."""
        ...


class AuditLog(Protocol):
    """The hash-chained audit log in the catalog's database."""

    def append(
        self,
        *,
        actor: str,
        action: str,
        subject: str,
        details: Mapping[str, object] | None = None,
    ) -> int:
        """Append one entry in its own transaction; returns its sequence number."""
        ...

    def verify(self) -> ChainReport:
        """Recompute the chain from the first entry; check the head and every anchor."""
        ...

    def anchor(self, anchorer: Anchorer) -> int | None:
        """Time-stamp the head of the chain; the anchored sequence number (None: empty log)."""
        ...

    def anchor_if_due(self, anchorer: Anchorer, every: timedelta) -> int | None:
        """Anchor the head when the newest anchor is older than ``every`` and entries came."""
        ...


class Catalog(CatalogReads, Protocol):
    """What the archive, its jobs and the api/ callers ask of the catalog."""

    @property
    def clock(self) -> Clock: ...

    @property
    def database_errors(self) -> tuple[type[Exception], ...]:
        """What the database may raise (a clean-up meeting one leaves the rest to reconcile)."""
        ...

    @property
    def audit_log(self) -> AuditLog: ...

    def writing(self) -> AbstractContextManager[CatalogWrite]:
        """One serialised write transaction, committed when the block ends without error."""
        ...

    # -- dossiers and documents --------------------------------------------------------
    def create_dossier(self, meta: DossierMeta, *, actor: str) -> None: ...

    def dossier(self, code: str) -> DossierMeta:
        """The dossier; ``archive_dossier_not_found`` when there is none."""
        ...

    def has_dossier(self, code: str) -> bool: ...

    def document_ids(self, dossier_code: str, *, include_disposed: bool = False) -> list[str]: ...

    def version_with_sha(self, sha256: str) -> VersionRecord | None:
        """The first catalogued version with these bytes (of any document)."""
        ...

    def versions_after(self, cursor: int, limit: int) -> list[tuple[int, VersionRecord]]:
        """Versions with a row id above ``cursor``, in id order (fixity audits resume on it)."""
        ...

    def live_version_count(self) -> int:
        """Versions of documents not disposed of (what a full fixity audit checks)."""
        ...

    def disposed_document_ids(self) -> set[str]: ...

    def renewal_candidates(self) -> list[str]:
        """Live documents whose newest version is a signed or LTA-renewed PDF."""
        ...

    def search(self, words: Sequence[str], filters: SearchFilters) -> tuple[SearchHit, ...]:
        """Documents whose folded text has every word (the last as a prefix), newest first."""
        ...

    # -- ingest journal ----------------------------------------------------------------
    def begin_ingest(self, ingest_id: str, payload: Mapping[str, object]) -> None: ...

    def begin_ingests(self, ingest_ids: Sequence[str], payload: Mapping[str, object]) -> None:
        """Journal ingests (committed before any of their bytes is stored)."""
        ...

    def pending_ingests(
        self, started_before: datetime | None = None
    ) -> list[tuple[str, dict[str, object]]]: ...

    def drop_pending(self, ingest_id: str) -> None: ...

    # -- disposal proposals ------------------------------------------------------------
    def proposal(self, proposal_id: str) -> DisposalProposal:
        """The proposal; ``archive_proposal_not_found`` when there is none."""
        ...

    def proposals(self, limit: int) -> tuple[DisposalProposal, ...]:
        """The newest proposals first."""
        ...

    # -- fixity runs -------------------------------------------------------------------
    def start_fixity_run(self, run_id: str, sample: float) -> FixityRun: ...

    def save_fixity_run(self, run: FixityRun) -> None:
        """Keep the run's cursor, count and problems (after every batch)."""
        ...

    def finish_fixity_run(self, run: FixityRun, *, actor: str) -> None:
        """Save the run as finished (``run.finished_at``), with its audit-log entry."""
        ...

    def fixity_runs(self, limit: int, *, finished: bool | None = None) -> tuple[FixityRun, ...]:
        """Fixity runs, newest first (by start; by finish when ``finished`` is True); only
        finished or unfinished ones when ``finished`` says so."""
        ...
