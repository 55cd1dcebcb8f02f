"""The catalog on SQLAlchemy 2 Core (archive ``Catalog``): the same on SQLite and PostgreSQL.

Every change is one transaction that also appends its audit-log entry, so the catalog and
the audit chain never disagree. Writes go through ``writing()``: one serialised transaction
(the audit chain's head row is locked first, archive/catalog/writing.py).

An ingest is first journalled in ``archive_pending_ingests`` (committed before any byte is
stored); the transaction that records the version deletes the journal row. A row left
behind belongs to an ingest that never committed: ``reconcile`` drops it (archive/ingest.py).

Only this package reaches the engine: the rest of kyso speaks to the catalog through the
``Catalog`` protocol (archive/protocols.py) in frozen records (archive/metadata.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime

import sqlalchemy as sa

from archive.catalog import auditlog, disposals, fixity_runs, reads
from archive.catalog import tables as t
from archive.catalog.auditlog import SqlAuditLog
from archive.catalog.codec import as_utc
from archive.catalog.search import search
from archive.catalog.writing import SqlWrite
from archive.errors import ArchiveNotFoundError
from archive.metadata import (
    DisposalProposal,
    DocumentRecord,
    DossierMeta,
    FixityRun,
    SearchFilters,
    SearchHit,
    VersionRecord,
)
from common.clock import Clock


class SqlCatalog:
    """Fonds, dossiers, documents and versions, fixity runs, disposals, audit log in SQL."""

    #: what SQLAlchemy raises for a failing database (api/failures.py names the causes)
    database_errors: tuple[type[Exception], ...] = (sa.exc.SQLAlchemyError,)

    def __init__(self, engine: sa.Engine, clock: Clock) -> None:
        self.engine = engine
        self.clock = clock
        self.audit_log = SqlAuditLog(engine, clock)

    @contextmanager
    def writing(self) -> Iterator[SqlWrite]:
        """One serialised write transaction (committed when the block ends without error)."""
        with self.engine.begin() as conn:
            auditlog.lock_chain(conn)
            yield SqlWrite(conn, self.clock)

    # -- dossiers ------------------------------------------------------------------------
    def create_dossier(self, meta: DossierMeta, *, actor: str) -> None:
        with self.writing() as write:
            write.add_dossier(meta, actor=actor)

    def find_dossier(self, code: str) -> DossierMeta | None:
        with self.engine.connect() as conn:
            return reads.find_dossier(conn, code)

    def dossier(self, code: str) -> DossierMeta:
        found = self.find_dossier(code)
        if found is None:
            raise ArchiveNotFoundError("archive_dossier_not_found", f"no dossier {code}")
        return found

    def has_dossier(self, code: str) -> bool:
        return self.find_dossier(code) is not None

    # -- ingest journal ------------------------------------------------------------------
    def begin_ingest(self, ingest_id: str, payload: Mapping[str, object]) -> None:
        self.begin_ingests([ingest_id], payload)

    def begin_ingests(self, ingest_ids: Sequence[str], payload: Mapping[str, object]) -> None:
        """Journal ingests (committed before any of their bytes is stored)."""
        text = json.dumps(dict(payload), ensure_ascii=False, default=str)
        now = as_utc(self.clock.now())
        with self.engine.begin() as conn:  # an INSERT first: it queues for the write lock
            for ingest_id in ingest_ids:
                conn.execute(
                    sa.insert(t.pending_ingests).values(id=ingest_id, payload=text, started_at=now)
                )

    def pending_ingests(
        self, started_before: datetime | None = None
    ) -> list[tuple[str, dict[str, object]]]:
        query = sa.select(t.pending_ingests).order_by(t.pending_ingests.c.id)
        if started_before is not None:
            query = query.where(t.pending_ingests.c.started_at < as_utc(started_before))
        with self.engine.connect() as conn:
            rows = conn.execute(query)
            return [(row.id, json.loads(row.payload)) for row in rows]

    def drop_pending(self, ingest_id: str) -> None:
        with self.writing() as write:
            write.take_pending(ingest_id)

    # -- documents and versions ----------------------------------------------------------
    def document(self, document_id: str) -> DocumentRecord:
        with self.engine.connect() as conn:
            return reads.document(conn, document_id)

    def version(self, document_id: str, number: int | None = None) -> VersionRecord:
        with self.engine.connect() as conn:
            return reads.version(conn, document_id, number)

    def version_with_sha(self, sha256: str) -> VersionRecord | None:
        """The first catalogued version with these bytes (of any document)."""
        with self.engine.connect() as conn:
            return reads.version_with_sha(conn, sha256, live=False)

    def versions_after(self, cursor: int, limit: int) -> list[tuple[int, VersionRecord]]:
        """Versions with a row id above ``cursor``, in id order (fixity audits resume on it)."""
        with self.engine.connect() as conn:
            return reads.versions_after(conn, cursor, limit)

    def versions_of_object(
        self, storage_key: str, storage_version_id: str, *, other_than: str | None = None
    ) -> int:
        """How many catalogued versions (of any document but ``other_than``) share an object."""
        with self.engine.connect() as conn:
            return reads.versions_of_object(conn, storage_key, storage_version_id, other_than)

    def document_ids(self, dossier_code: str, *, include_disposed: bool = False) -> list[str]:
        with self.engine.connect() as conn:
            return reads.document_ids(conn, dossier_code, include_disposed)

    def live_version_count(self) -> int:
        with self.engine.connect() as conn:
            return reads.live_version_count(conn)

    def disposed_document_ids(self) -> set[str]:
        with self.engine.connect() as conn:
            return reads.disposed_document_ids(conn)

    def renewal_candidates(self) -> list[str]:
        with self.engine.connect() as conn:
            return reads.renewal_candidates(conn)

    def search(self, words: Sequence[str], filters: SearchFilters) -> tuple[SearchHit, ...]:
        with self.engine.connect() as conn:
            return search(conn, words, filters)

    # -- disposal proposals --------------------------------------------------------------
    def proposal(self, proposal_id: str) -> DisposalProposal:
        with self.engine.connect() as conn:
            return disposals.proposal(conn, proposal_id)

    def proposals(self, limit: int) -> tuple[DisposalProposal, ...]:
        with self.engine.connect() as conn:
            return disposals.proposals(conn, limit)

    # -- fixity runs ---------------------------------------------------------------------
    def start_fixity_run(self, run_id: str, sample: float) -> FixityRun:
        run = FixityRun(run_id, as_utc(self.clock.now()), sample)
        with self.engine.begin() as conn:
            fixity_runs.start_run(conn, run)
        return run

    def save_fixity_run(self, run: FixityRun) -> None:
        with self.engine.begin() as conn:
            fixity_runs.save_run(conn, run)

    def finish_fixity_run(self, run: FixityRun, *, actor: str) -> None:
        with self.engine.begin() as conn:
            fixity_runs.finish_run(conn, self.clock, run, actor=actor)

    def fixity_runs(self, limit: int, *, finished: bool | None = None) -> tuple[FixityRun, ...]:
        with self.engine.connect() as conn:
            return fixity_runs.fixity_runs(conn, limit, finished)
