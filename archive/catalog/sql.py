"""The catalog on SQLAlchemy 2 Core: works the same on SQLite and PostgreSQL.

Every change is one transaction that also appends its audit-log entry, so the catalog and
the audit chain never disagree. An ingest is first journalled in ``archive_pending_ingests``
(committed before any byte is stored), and the journal row is deleted in the transaction that
records the version: a crash leaves either nothing, or a journal row that ``reconcile`` finishes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from archive import auditlog
from archive.catalog import tables as t
from archive.catalog.codec import (
    as_utc,
    maybe_utc,
    meta_from_json,
    meta_to_json,
    signature_from_json,
    signature_to_json,
)
from archive.errors import ArchiveConflictError, ArchiveNotFoundError
from archive.metadata import (
    ACCESS_LEVELS,
    DocumentMeta,
    DocumentRecord,
    DossierMeta,
    SignatureSummary,
    VersionKind,
    VersionRecord,
)
from archive.text import fold
from common.clock import Clock


@dataclass(frozen=True)
class NewVersion:
    """What ``record_version`` writes: the stored object plus its cataloguing facts."""

    document_id: str
    kind: VersionKind
    sha256: str
    size: int
    media_type: str
    storage_key: str
    storage_version_id: str
    retain_until: datetime | None
    signature: SignatureSummary | None = None


def _version(row: sa.RowMapping | Mapping[str, Any]) -> VersionRecord:
    return VersionRecord(
        document_id=str(row["document_id"]),
        number=int(row["number"]),
        kind=row["kind"],
        sha256=str(row["sha256"]),
        size=int(row["size"]),
        media_type=str(row["media_type"]),
        storage_key=str(row["storage_key"]),
        storage_version_id=str(row["storage_version_id"]),
        created_at=as_utc(row["created_at"]),
        retain_until=maybe_utc(row["retain_until"]),
        signature=signature_from_json(row["signature"]),
    )


class SqlCatalog:
    """Fonds, dossiers, documents and versions in SQL."""

    def __init__(self, engine: sa.Engine, clock: Clock) -> None:
        self.engine = engine
        self.clock = clock
        self.is_postgres = engine.dialect.name == "postgresql"

    # -- dossiers ------------------------------------------------------------------------
    def create_dossier(self, meta: DossierMeta, *, actor: str) -> None:
        with self.engine.begin() as conn:
            if conn.scalar(sa.select(t.dossiers.c.id).where(t.dossiers.c.code == meta.code)):
                raise ArchiveConflictError("archive_dossier_exists", f"dossier {meta.code} exists")
            fonds_id = None
            if meta.fonds_code:
                fonds_id = conn.scalar(
                    sa.select(t.fonds.c.id).where(t.fonds.c.code == meta.fonds_code)
                )
                if fonds_id is None:
                    fonds_id = conn.execute(
                        sa.insert(t.fonds).values(code=meta.fonds_code, name=meta.fonds_code)
                    ).inserted_primary_key
                    fonds_id = fonds_id[0] if fonds_id else None
            conn.execute(
                sa.insert(t.dossiers).values(
                    fonds_id=fonds_id,
                    code=meta.code,
                    meta=meta_to_json(meta),
                    title=meta.title,
                    retention=meta.retention,
                    access_level=meta.access_level,
                    created_at=as_utc(self.clock.now()),
                )
            )
            auditlog.append(
                conn, self.clock, actor=actor, action="dossier.create", subject=meta.code
            )

    def dossier(self, code: str) -> DossierMeta:
        with self.engine.connect() as conn:
            text = conn.scalar(sa.select(t.dossiers.c.meta).where(t.dossiers.c.code == code))
        if text is None:
            raise ArchiveNotFoundError("archive_dossier_not_found", f"no dossier {code}")
        return meta_from_json(DossierMeta, text)

    def has_dossier(self, code: str) -> bool:
        with self.engine.connect() as conn:
            found = conn.scalar(sa.select(t.dossiers.c.id).where(t.dossiers.c.code == code))
        return found is not None

    # -- ingest journal ------------------------------------------------------------------
    def begin_ingest(self, ingest_id: str, payload: Mapping[str, object]) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                sa.insert(t.pending_ingests).values(
                    id=ingest_id,
                    payload=json.dumps(dict(payload), ensure_ascii=False, default=str),
                    started_at=as_utc(self.clock.now()),
                )
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
        with self.engine.begin() as conn:
            conn.execute(sa.delete(t.pending_ingests).where(t.pending_ingests.c.id == ingest_id))

    # -- look-ups ------------------------------------------------------------------------
    def version_with_sha(self, sha256: str) -> VersionRecord | None:
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
        return _version(row) if row else None

    def document_with_original(self, dossier_code: str, sha256: str) -> str | None:
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
            .limit(1)
        )
        with self.engine.connect() as conn:
            found = conn.scalar(query)
        return None if found is None else str(found)

    def latest_sha(self, document_id: str) -> str | None:
        query = (
            sa.select(t.versions.c.sha256)
            .where(t.versions.c.document_id == document_id)
            .order_by(t.versions.c.number.desc())
            .limit(1)
        )
        with self.engine.connect() as conn:
            found = conn.scalar(query)
        return None if found is None else str(found)

    # -- writing versions ----------------------------------------------------------------
    def record_version(
        self,
        ingest_id: str,
        new: NewVersion,
        *,
        dossier_code: str,
        meta: DocumentMeta | None,
        extra_text: str = "",
        actor: str,
    ) -> VersionRecord:
        """Create the document (when ``meta`` is given) and its next version, atomically."""
        now = as_utc(self.clock.now())
        with self.engine.begin() as conn:
            if meta is not None:
                self._insert_document(
                    conn, new.document_id, dossier_code, meta, extra_text, now, actor
                )
            elif not conn.scalar(
                sa.select(t.documents.c.id).where(t.documents.c.id == new.document_id)
            ):
                raise ArchiveNotFoundError("archive_document_not_found", "no such document")
            number = (
                conn.scalar(
                    sa.select(sa.func.max(t.versions.c.number)).where(
                        t.versions.c.document_id == new.document_id
                    )
                )
                or 0
            ) + 1
            row = {
                "document_id": new.document_id,
                "number": number,
                "kind": new.kind,
                "sha256": new.sha256,
                "size": new.size,
                "media_type": new.media_type,
                "storage_key": new.storage_key,
                "storage_version_id": new.storage_version_id,
                "retain_until": maybe_utc(new.retain_until),
                "signature": signature_to_json(new.signature),
                "created_at": now,
            }
            conn.execute(sa.insert(t.versions).values(**row))
            if meta is None and extra_text:  # e.g. the OCR text of a derivative version
                self.append_search_text(conn, new.document_id, extra_text)
            conn.execute(sa.delete(t.pending_ingests).where(t.pending_ingests.c.id == ingest_id))
            auditlog.append(
                conn,
                self.clock,
                actor=actor,
                action="version.add",
                subject=new.document_id,
                details={"number": number, "kind": new.kind, "sha256": new.sha256},
            )
        return _version(row)

    def append_search_text(self, conn: sa.Connection, document_id: str, text: str) -> None:
        """Make ``text`` findable with the document (inside the caller's transaction)."""
        documents = t.documents
        current = conn.scalar(
            sa.select(documents.c.search_text).where(documents.c.id == document_id)
        )
        if current is None:
            raise ArchiveNotFoundError("archive_document_not_found", "no such document")
        body = f"{current} {fold(text)}".strip()
        conn.execute(
            sa.update(documents).where(documents.c.id == document_id).values(search_text=body)
        )
        if not self.is_postgres:
            conn.execute(
                sa.text("UPDATE archive_search_fts SET body = :b WHERE document_id = :d"),
                {"b": body, "d": document_id},
            )

    def _insert_document(
        self,
        conn: sa.Connection,
        document_id: str,
        dossier_code: str,
        meta: DocumentMeta,
        extra_text: str,
        now: datetime,
        actor: str,
    ) -> None:
        dossier_row = conn.execute(
            sa.select(t.dossiers).where(t.dossiers.c.code == dossier_code)
        ).first()
        if dossier_row is None:
            raise ArchiveNotFoundError("archive_dossier_not_found", f"no dossier {dossier_code}")
        access = meta.access_level or dossier_row.access_level
        words = [
            meta.title,
            meta.summary,
            meta.number_notation,
            meta.issuing_body,
            meta.document_type,
            meta.notes,
            meta.identifier,
            meta.archive_code,
            " ".join(meta.keywords),
            dossier_row.title,
            dossier_code,
            extra_text,
        ]
        search_text = fold(" ".join(words))
        conn.execute(
            sa.insert(t.documents).values(
                id=document_id,
                dossier_id=dossier_row.id,
                meta=meta_to_json(meta),
                title=meta.title,
                document_type=meta.document_type,
                issue_date=meta.issue_date,
                retention=meta.retention or dossier_row.retention,
                access_level=access,
                access_rank=ACCESS_LEVELS.index(access),
                legal_hold=False,
                created_at=now,
                search_text=search_text,
            )
        )
        if not self.is_postgres:
            conn.execute(
                sa.text("INSERT INTO archive_search_fts (document_id, body) VALUES (:d, :b)"),
                {"d": document_id, "b": search_text},
            )
        auditlog.append(
            conn, self.clock, actor=actor, action="document.create", subject=document_id
        )

    # -- reading -------------------------------------------------------------------------
    def document(self, document_id: str) -> DocumentRecord:
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(t.documents, t.dossiers.c.code.label("dossier_code"))
                .join(t.dossiers, t.dossiers.c.id == t.documents.c.dossier_id)
                .where(t.documents.c.id == document_id)
            ).first()
            if row is None:
                raise ArchiveNotFoundError(
                    "archive_document_not_found", f"no document {document_id}"
                )
            version_rows = conn.execute(
                sa.select(t.versions)
                .where(t.versions.c.document_id == document_id)
                .order_by(t.versions.c.number)
            ).mappings()
            versions = tuple(_version(v) for v in version_rows)
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

    def version(self, document_id: str, number: int | None = None) -> VersionRecord:
        versions = self.document(document_id).versions
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
            return [(int(row["id"]), _version(row)) for row in rows]

    def versions_of_object(self, storage_key: str, storage_version_id: str) -> int:
        """How many catalogued versions (of any document) share one stored object."""
        with self.engine.connect() as conn:
            return int(
                conn.scalar(
                    sa.select(sa.func.count()).where(
                        t.versions.c.storage_key == storage_key,
                        t.versions.c.storage_version_id == storage_version_id,
                    )
                )
                or 0
            )

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
