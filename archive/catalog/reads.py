"""Catalog look-ups on a connection: the catalog's own (``SqlCatalog``) or a write
transaction's (``SqlWrite``), which then sees what it wrote."""

from __future__ import annotations

import sqlalchemy as sa

from archive.catalog import tables as t
from archive.catalog.codec import as_utc, maybe_utc, meta_from_json
from archive.catalog.recording import version_from_row
from archive.errors import ArchiveNotFoundError
from archive.metadata import DocumentMeta, DocumentRecord, DossierMeta, VersionRecord

#: what the LTA renewal looks at: signed results and their renewals, as PDF
PDF = "application/pdf"


def find_dossier(conn: sa.Connection, code: str) -> DossierMeta | None:
    text = conn.scalar(sa.select(t.dossiers.c.meta).where(t.dossiers.c.code == code))
    return None if text is None else meta_from_json(DossierMeta, text)


def document(conn: sa.Connection, document_id: str) -> DocumentRecord:
    row = conn.execute(
        sa.select(t.documents, t.dossiers.c.code.label("dossier_code"))
        .join(t.dossiers, t.dossiers.c.id == t.documents.c.dossier_id)
        .where(t.documents.c.id == document_id)
    ).first()
    if row is None:
        raise ArchiveNotFoundError("archive_document_not_found", f"no document {document_id}")
    version_rows = conn.execute(
        sa.select(t.versions)
        .where(t.versions.c.document_id == document_id)
        .order_by(t.versions.c.number)
    ).mappings()
    return DocumentRecord(
        id=row.id,
        dossier_code=row.dossier_code,
        meta=meta_from_json(DocumentMeta, row.meta),
        retention=row.retention,
        access_level=row.access_level,
        created_at=as_utc(row.created_at),
        legal_hold=bool(row.legal_hold),
        disposed_at=maybe_utc(row.disposed_at),
        versions=tuple(version_from_row(v) for v in version_rows),
    )


def version(conn: sa.Connection, document_id: str, number: int | None) -> VersionRecord:
    versions = document(conn, document_id).versions
    if not versions:
        raise ArchiveNotFoundError("archive_version_not_found", "the document has no version")
    if number is None:
        return versions[-1]
    for found in versions:
        if found.number == number:
            return found
    raise ArchiveNotFoundError("archive_version_not_found", f"no version {number}")


def versions_of_object(
    conn: sa.Connection, storage_key: str, storage_version_id: str, other_than: str | None
) -> int:
    query = sa.select(sa.func.count()).where(
        t.versions.c.storage_key == storage_key,
        t.versions.c.storage_version_id == storage_version_id,
    )
    if other_than is not None:
        query = query.where(t.versions.c.document_id != other_than)
    return int(conn.scalar(query) or 0)


def document_with_original(conn: sa.Connection, dossier_code: str, sha256: str) -> str | None:
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
    found = conn.scalar(query)
    return None if found is None else str(found)


def version_with_sha(conn: sa.Connection, sha256: str, *, live: bool) -> VersionRecord | None:
    """The first version with these bytes (of a document not disposed of, when ``live``)."""
    query = sa.select(t.versions).where(t.versions.c.sha256 == sha256)
    if live:
        query = query.join(t.documents, t.documents.c.id == t.versions.c.document_id).where(
            t.documents.c.disposed_at.is_(None)
        )
    row = conn.execute(query.order_by(t.versions.c.id).limit(1)).mappings().first()
    return version_from_row(row) if row else None


def pending_ids(conn: sa.Connection, only: tuple[str, ...]) -> set[str]:
    query = sa.select(t.pending_ingests.c.id)
    if only:
        query = query.where(t.pending_ingests.c.id.in_(only))
    return {str(row.id) for row in conn.execute(query)}


def document_ids(conn: sa.Connection, dossier_code: str, include_disposed: bool) -> list[str]:
    query = (
        sa.select(t.documents.c.id)
        .join(t.dossiers, t.dossiers.c.id == t.documents.c.dossier_id)
        .where(t.dossiers.c.code == dossier_code)
        .order_by(t.documents.c.created_at, t.documents.c.id)
    )
    if not include_disposed:
        query = query.where(t.documents.c.disposed_at.is_(None))
    return [str(row.id) for row in conn.execute(query)]


def versions_after(conn: sa.Connection, cursor: int, limit: int) -> list[tuple[int, VersionRecord]]:
    rows = conn.execute(
        sa.select(t.versions).where(t.versions.c.id > cursor).order_by(t.versions.c.id).limit(limit)
    ).mappings()
    return [(int(row["id"]), version_from_row(row)) for row in rows]


def live_version_count(conn: sa.Connection) -> int:
    query = (
        sa.select(sa.func.count())
        .select_from(t.versions)
        .join(t.documents, t.documents.c.id == t.versions.c.document_id)
        .where(t.documents.c.disposed_at.is_(None))
    )
    return int(conn.scalar(query) or 0)


def disposed_document_ids(conn: sa.Connection) -> set[str]:
    rows = conn.execute(sa.select(t.documents.c.id).where(t.documents.c.disposed_at.is_not(None)))
    return {str(row.id) for row in rows}


def renewal_candidates(conn: sa.Connection) -> list[str]:
    v, d = t.versions, t.documents
    newest = (
        sa.select(v.c.document_id, sa.func.max(v.c.number).label("number"))
        .group_by(v.c.document_id)
        .subquery()
    )
    query = (
        sa.select(v.c.document_id)
        .join(newest, (newest.c.document_id == v.c.document_id) & (newest.c.number == v.c.number))
        .join(d, d.c.id == v.c.document_id)
        .where(v.c.kind.in_(("signed", "lta")), v.c.media_type == PDF, d.c.disposed_at.is_(None))
        .order_by(v.c.document_id)
    )
    return [str(row.document_id) for row in conn.execute(query)]
