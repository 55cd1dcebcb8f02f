"""Catalog writes inside the caller's serialised transaction (``SqlCatalog.writing``).

Each function appends its audit entry on the same connection, so a rolled-back transaction
leaves neither the row nor its entry. Version numbers are ``max + 1`` read under the write
lock: two writers never pick the same number.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from archive.catalog import auditlog
from archive.catalog import tables as t
from archive.catalog.codec import (
    as_utc,
    maybe_utc,
    meta_to_json,
    signature_from_json,
    signature_to_json,
)
from archive.errors import ArchiveConflictError, ArchiveNotFoundError
from archive.metadata import (
    ACCESS_LEVELS,
    DocumentMeta,
    DossierMeta,
    NewVersion,
    VersionRecord,
    check_access_level,
)
from archive.text import fold
from common.clock import Clock


def version_from_row(row: sa.RowMapping | Mapping[str, Any]) -> VersionRecord:
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


def insert_dossier(conn: sa.Connection, clock: Clock, meta: DossierMeta, *, actor: str) -> None:
    if conn.scalar(sa.select(t.dossiers.c.id).where(t.dossiers.c.code == meta.code)):
        raise ArchiveConflictError("archive_dossier_exists", f"dossier {meta.code} exists")
    fonds_id = None
    if meta.fonds_code:
        fonds_id = conn.scalar(sa.select(t.fonds.c.id).where(t.fonds.c.code == meta.fonds_code))
        if fonds_id is None:
            inserted = conn.execute(
                sa.insert(t.fonds).values(code=meta.fonds_code, name=meta.fonds_code)
            ).inserted_primary_key
            fonds_id = inserted[0] if inserted else None
    conn.execute(
        sa.insert(t.dossiers).values(
            fonds_id=fonds_id,
            code=meta.code,
            meta=meta_to_json(meta),
            title=meta.title,
            retention=meta.retention,
            access_level=meta.access_level,
            created_at=as_utc(clock.now()),
        )
    )
    auditlog.append(conn, clock, actor=actor, action="dossier.create", subject=meta.code)


def insert_document(
    conn: sa.Connection,
    clock: Clock,
    document_id: str,
    dossier_code: str,
    meta: DocumentMeta,
    *,
    extra_text: str = "",
    legal_hold: bool = False,
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
            legal_hold=legal_hold,
            created_at=as_utc(clock.now()),
            search_text=search_text,
        )
    )
    if conn.dialect.name != "postgresql":
        conn.execute(
            sa.text("INSERT INTO archive_search_fts (document_id, body) VALUES (:d, :b)"),
            {"d": document_id, "b": search_text},
        )
    auditlog.append(conn, clock, actor=actor, action="document.create", subject=document_id)
    if legal_hold:
        auditlog.append(conn, clock, actor=actor, action="legal_hold.on", subject=document_id)


def set_legal_hold(
    conn: sa.Connection, clock: Clock, document_id: str, on: bool, *, actor: str
) -> None:
    """Put (or lift) the document's legal hold in the catalog."""
    conn.execute(
        sa.update(t.documents).where(t.documents.c.id == document_id).values(legal_hold=on)
    )
    action = "legal_hold.on" if on else "legal_hold.off"
    auditlog.append(conn, clock, actor=actor, action=action, subject=document_id)


def insert_version(
    conn: sa.Connection,
    clock: Clock,
    new: NewVersion,
    *,
    number: int | None = None,
    actor: str,
) -> VersionRecord:
    """The document's next version (or version ``number``, e.g. from a bag)."""
    if number is None:
        newest = conn.scalar(
            sa.select(sa.func.max(t.versions.c.number)).where(
                t.versions.c.document_id == new.document_id
            )
        )
        number = int(newest or 0) + 1
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
        "created_at": as_utc(clock.now()),
    }
    conn.execute(sa.insert(t.versions).values(**row))
    auditlog.append(
        conn,
        clock,
        actor=actor,
        action="version.add",
        subject=new.document_id,
        details={"number": number, "kind": new.kind, "sha256": new.sha256},
    )
    return version_from_row(row)


def append_search_text(conn: sa.Connection, document_id: str, text: str) -> None:
    """Make ``text`` findable with the document (inside the caller's transaction)."""
    documents = t.documents
    current = conn.scalar(sa.select(documents.c.search_text).where(documents.c.id == document_id))
    if current is None:
        raise ArchiveNotFoundError("archive_document_not_found", "no such document")
    body = f"{current} {fold(text)}".strip()
    conn.execute(sa.update(documents).where(documents.c.id == document_id).values(search_text=body))
    if conn.dialect.name != "postgresql":
        conn.execute(
            sa.text("UPDATE archive_search_fts SET body = :b WHERE document_id = :d"),
            {"b": body, "d": document_id},
        )


def take_pending(conn: sa.Connection, ingest_id: str) -> bool:
    """Delete the ingest's journal row; False when it was already gone."""
    done = conn.execute(sa.delete(t.pending_ingests).where(t.pending_ingests.c.id == ingest_id))
    return bool(done.rowcount)


def set_access(
    conn: sa.Connection, clock: Clock, dossier_code: str, level: str, *, actor: str
) -> list[str]:
    """The access level of a dossier and of every live document in it (the ids, in order);
    the metadata kept as JSON says the same as the columns."""
    rank = ACCESS_LEVELS.index(check_access_level(level))
    row = conn.execute(
        sa.select(t.dossiers.c.id, t.dossiers.c.meta).where(t.dossiers.c.code == dossier_code)
    ).one_or_none()
    if row is None:
        raise ArchiveNotFoundError("archive_dossier_not_found", f"no {dossier_code}")
    conn.execute(
        sa.update(t.dossiers).where(t.dossiers.c.id == row.id)
        .values(access_level=level, meta=_with_access(row.meta, level))
    )  # fmt: skip
    documents = conn.execute(
        sa.select(t.documents.c.id, t.documents.c.meta)
        .where(t.documents.c.dossier_id == row.id, t.documents.c.disposed_at.is_(None))
        .order_by(t.documents.c.id)
    ).all()  # fmt: skip
    for document in documents:
        conn.execute(
            sa.update(t.documents).where(t.documents.c.id == document.id).values(
                access_level=level, access_rank=rank, meta=_with_access(document.meta, level)
            )
        )  # fmt: skip
    ids = [str(d.id) for d in documents]
    auditlog.append(conn, clock, actor=actor, action="access.set", subject=dossier_code,
                    details={"access_level": level, "documents": ids})  # fmt: skip
    return ids


def _with_access(meta_json: str, level: str) -> str:
    data = json.loads(meta_json)
    data["access_level"] = level
    return json.dumps(data, ensure_ascii=False, sort_keys=True)
