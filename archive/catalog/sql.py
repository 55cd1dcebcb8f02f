"""The catalog on SQLAlchemy 2 Core: works the same on SQLite and PostgreSQL.

Every change is one transaction that also appends its audit-log entry, so the catalog and
the audit chain never disagree. Writes go through ``writing()``: one serialised transaction
(the audit chain's head row is locked first), so what a writer looks up inside it - the next
version number, whether a dossier exists, whether these bytes are already catalogued - is
still true when it commits, on SQLite and on PostgreSQL, across threads and processes.

An ingest is first journalled in ``archive_pending_ingests`` (committed before any byte is
stored); the transaction that records the version deletes the journal row. A row left
behind belongs to an ingest that never committed: ``reconcile`` drops it (archive/ingest.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime

import sqlalchemy as sa

from archive import auditlog
from archive.catalog import tables as t
from archive.catalog.codec import as_utc, maybe_utc, meta_from_json
from archive.catalog.recording import (
    NewVersion,
    append_search_text,
    insert_dossier,
    version_from_row,
)
from archive.errors import ArchiveNotFoundError
from archive.metadata import DocumentMeta, DocumentRecord, DossierMeta, VersionRecord
from common.clock import Clock

__all__ = ["NewVersion", "SqlCatalog"]


class SqlCatalog:
    """Fonds, dossiers, documents and versions in SQL."""

    def __init__(self, engine: sa.Engine, clock: Clock) -> None:
        self.engine = engine
        self.clock = clock
        self.is_postgres = engine.dialect.name == "postgresql"

    @contextmanager
    def writing(self) -> Iterator[sa.Connection]:
        """One serialised write transaction (committed when the block ends without error)."""
        with self.engine.begin() as conn:
            auditlog.lock_chain(conn)
            yield conn

    @contextmanager
    def _reading(self, conn: sa.Connection | None) -> Iterator[sa.Connection]:
        if conn is not None:
            yield conn
        else:
            with self.engine.connect() as own:
                yield own

    # -- dossiers ------------------------------------------------------------------------
    def create_dossier(self, meta: DossierMeta, *, actor: str) -> None:
        with self.writing() as conn:
            insert_dossier(conn, self.clock, meta, actor=actor)

    def find_dossier(self, code: str, conn: sa.Connection | None = None) -> DossierMeta | None:
        with self._reading(conn) as reader:
            text = reader.scalar(sa.select(t.dossiers.c.meta).where(t.dossiers.c.code == code))
        return None if text is None else meta_from_json(DossierMeta, text)

    def dossier(self, code: str, conn: sa.Connection | None = None) -> DossierMeta:
        found = self.find_dossier(code, conn)
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

    def pending_ids(self, conn: sa.Connection, *only: str) -> set[str]:
        """Ids of the journalled ingests (of ``only`` these, when given)."""
        query = sa.select(t.pending_ingests.c.id)
        if only:
            query = query.where(t.pending_ingests.c.id.in_(only))
        return {str(row.id) for row in conn.execute(query)}

    def take_pending(self, conn: sa.Connection, ingest_id: str) -> bool:
        """Delete the journal row inside ``conn``; False when it was already gone."""
        done = conn.execute(sa.delete(t.pending_ingests).where(t.pending_ingests.c.id == ingest_id))
        return bool(done.rowcount)

    def drop_pending(self, ingest_id: str) -> None:
        with self.writing() as conn:
            self.take_pending(conn, ingest_id)

    # -- look-ups ------------------------------------------------------------------------
    def version_with_sha(self, sha256: str) -> VersionRecord | None:
        """The first catalogued version with these bytes (of any document)."""
        with self.engine.connect() as conn:
            row = (
                conn.execute(
                    sa.select(t.versions)
                    .where(t.versions.c.sha256 == sha256)
                    .order_by(t.versions.c.id)
                    .limit(1)
                )
                .mappings()
                .first()
            )
        return version_from_row(row) if row else None

    def live_version_with_sha(self, conn: sa.Connection, sha256: str) -> VersionRecord | None:
        """A version of a live (not disposed) document with these bytes: its object is kept."""
        row = (
            conn.execute(
                sa.select(t.versions)
                .join(t.documents, t.documents.c.id == t.versions.c.document_id)
                .where(t.versions.c.sha256 == sha256, t.documents.c.disposed_at.is_(None))
                .order_by(t.versions.c.id)
                .limit(1)
            )
            .mappings()
            .first()
        )
        return version_from_row(row) if row else None

    def document_with_original(
        self, dossier_code: str, sha256: str, conn: sa.Connection | None = None
    ) -> str | None:
        """The live document of this dossier whose original has these bytes, if any."""
        query = (
            sa.select(t.documents.c.id)
            .join(t.dossiers, t.dossiers.c.id == t.documents.c.dossier_id)
            .join(t.versions, t.versions.c.document_id == t.documents.c.id)
            .where(
                t.dossiers.c.code == dossier_code,
                t.versions.c.sha256 == sha256,
                t.versions.c.kind == "original",
                t.documents.c.disposed_at.is_(None),
            )
            .order_by(t.documents.c.created_at, t.documents.c.id)
            .limit(1)
        )
        with self._reading(conn) as reader:
            found = reader.scalar(query)
        return None if found is None else str(found)

    def latest_sha(self, document_id: str) -> str | None:
        newest = self.document(document_id).versions
        return newest[-1].sha256 if newest else None

    def append_search_text(self, conn: sa.Connection, document_id: str, text: str) -> None:
        """Make ``text`` findable with the document (inside the caller's transaction)."""
        append_search_text(conn, document_id, text)

    # -- reading -------------------------------------------------------------------------
    def document(self, document_id: str, conn: sa.Connection | None = None) -> DocumentRecord:
        with self._reading(conn) as reader:
            row = reader.execute(
                sa.select(t.documents, t.dossiers.c.code.label("dossier_code"))
                .join(t.dossiers, t.dossiers.c.id == t.documents.c.dossier_id)
                .where(t.documents.c.id == document_id)
            ).first()
            if row is None:
                raise ArchiveNotFoundError(
                    "archive_document_not_found", f"no document {document_id}"
                )
            version_rows = reader.execute(
                sa.select(t.versions)
                .where(t.versions.c.document_id == document_id)
                .order_by(t.versions.c.number)
            ).mappings()
            versions = tuple(version_from_row(v) for v in version_rows)
        return DocumentRecord(
            id=row.id,
            dossier_code=row.dossier_code,
            meta=meta_from_json(DocumentMeta, row.meta),
            retention=row.retention,
            access_level=row.access_level,
            created_at=as_utc(row.created_at),
            legal_hold=bool(row.legal_hold),
            disposed_at=maybe_utc(row.disposed_at),
            versions=versions,
        )

    def version(
        self, document_id: str, number: int | None = None, conn: sa.Connection | None = None
    ) -> VersionRecord:
        versions = self.document(document_id, conn).versions
        if not versions:
            raise ArchiveNotFoundError("archive_version_not_found", "the document has no version")
        if number is None:
            return versions[-1]
        for version in versions:
            if version.number == number:
                return version
        raise ArchiveNotFoundError("archive_version_not_found", f"no version {number}")

    def versions_after(self, cursor: int, limit: int) -> list[tuple[int, VersionRecord]]:
        """Versions with a row id above ``cursor``, in id order (fixity audits resume on it)."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(t.versions)
                .where(t.versions.c.id > cursor)
                .order_by(t.versions.c.id)
                .limit(limit)
            ).mappings()
            return [(int(row["id"]), version_from_row(row)) for row in rows]

    def versions_of_object(
        self,
        storage_key: str,
        storage_version_id: str,
        conn: sa.Connection | None = None,
        *,
        other_than: str | None = None,
    ) -> int:
        """How many catalogued versions (of any document but ``other_than``) share an object."""
        query = sa.select(sa.func.count()).where(
            t.versions.c.storage_key == storage_key,
            t.versions.c.storage_version_id == storage_version_id,
        )
        if other_than is not None:
            query = query.where(t.versions.c.document_id != other_than)
        with self._reading(conn) as reader:
            return int(reader.scalar(query) or 0)

    def document_ids(self, dossier_code: str, *, include_disposed: bool = False) -> list[str]:
        query = (
            sa.select(t.documents.c.id)
            .join(t.dossiers, t.dossiers.c.id == t.documents.c.dossier_id)
            .where(t.dossiers.c.code == dossier_code)
            .order_by(t.documents.c.created_at, t.documents.c.id)
        )
        if not include_disposed:
            query = query.where(t.documents.c.disposed_at.is_(None))
        with self.engine.connect() as conn:
            return [str(row.id) for row in conn.execute(query)]
