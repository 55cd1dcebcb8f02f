"""Retention, legal hold and disposal (Law on Archives 33/2024; Circular 10/2022 periods).

A document can be disposed of only after its retention ends (never when "permanent"), only
while no legal hold is on, and only through a proposal approved by a second, different
person. Disposal leaves a tombstone: the catalog keeps the metadata, versions and hashes and
records when and by whom; only the stored bytes go (unless another live document shares them).
The object lock of the store independently refuses an early delete.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from archive import auditlog
from archive.catalog import tables as t
from archive.catalog.codec import as_utc, maybe_utc
from archive.errors import (
    ArchiveConflictError,
    ArchiveError,
    ArchiveNotFoundError,
    ObjectLockedError,
)
from archive.ingest import Archive
from archive.metadata import PERMANENT, DocumentRecord
from common.errors import PermissionDeniedError
from common.ids import new_id

log = logging.getLogger(__name__)


class SameApproverError(ArchiveError, PermissionDeniedError):
    default_code = "archive_same_approver"


@dataclass(frozen=True)
class DisposalProposal:
    id: str
    document_id: str
    reason: str
    proposed_by: str
    proposed_at: datetime
    state: str
    approved_by: str | None = None
    approved_at: datetime | None = None


def retention_end(record: DocumentRecord) -> datetime | None:
    """When the document's retention ends; None for permanent records."""
    if record.retention == PERMANENT:
        return None
    ends = [v.retain_until for v in record.versions if v.retain_until is not None]
    return max(ends) if ends else None


def _check_disposable(archive: Archive, record: DocumentRecord) -> None:
    if record.disposed_at is not None:
        raise ArchiveConflictError("archive_already_disposed", "the document was disposed of")
    if record.legal_hold:
        raise ObjectLockedError("archive_legal_hold", "a legal hold blocks disposal")
    end = retention_end(record)
    if end is None:
        raise ArchiveConflictError("archive_permanent_record", "permanent records are kept")
    if archive.clock.now() < end:
        raise ArchiveConflictError(
            "archive_retention_active", f"retention runs until {end.date().isoformat()}"
        )


def _proposal(row: sa.Row[tuple[object, ...]]) -> DisposalProposal:
    m = row._mapping
    return DisposalProposal(
        id=m["id"],
        document_id=m["document_id"],
        reason=m["reason"],
        proposed_by=m["proposed_by"],
        proposed_at=as_utc(m["proposed_at"]),
        state=m["state"],
        approved_by=m["approved_by"],
        approved_at=maybe_utc(m["approved_at"]),
    )


def set_legal_hold(archive: Archive, document_id: str, on: bool, *, actor: str) -> None:
    """Put (or lift) a legal hold on a document and on every stored version of it.

    Identical bytes are one stored object: lifting the hold leaves it on an object that a
    version of another held document shares. Under the catalog's write lock, so that no
    concurrent ingest or hold reads a lock file this one is rewriting.
    """
    with archive.catalog.writing() as conn:
        record = archive.catalog.document(document_id, conn)
        for version in record.versions:
            key = (version.storage_key, version.storage_version_id)
            if on or not _held_elsewhere(conn, document_id, key):
                archive.store.set_legal_hold(*key, on)
        conn.execute(
            sa.update(t.documents).where(t.documents.c.id == document_id).values(legal_hold=on)
        )
        auditlog.append(
            conn,
            archive.clock,
            actor=actor,
            action="legal_hold.on" if on else "legal_hold.off",
            subject=document_id,
        )


def _held_elsewhere(conn: sa.Connection, document_id: str, key: tuple[str, str]) -> bool:
    query = (
        sa.select(sa.func.count())
        .select_from(t.versions)
        .join(t.documents, t.documents.c.id == t.versions.c.document_id)
        .where(
            t.versions.c.storage_key == key[0],
            t.versions.c.storage_version_id == key[1],
            t.documents.c.id != document_id,
            t.documents.c.legal_hold.is_(True),
        )
    )
    return bool(conn.scalar(query))


def propose(archive: Archive, document_id: str, *, reason: str, actor: str) -> DisposalProposal:
    record = archive.catalog.document(document_id)
    _check_disposable(archive, record)
    proposal_id = new_id("p")
    with archive.catalog.writing() as conn:
        conn.execute(
            sa.insert(t.disposals).values(
                id=proposal_id,
                document_id=document_id,
                reason=reason,
                proposed_by=actor,
                proposed_at=as_utc(archive.clock.now()),
                state="proposed",
            )
        )
        auditlog.append(
            conn,
            archive.clock,
            actor=actor,
            action="disposal.propose",
            subject=document_id,
            details={"proposal": proposal_id},
        )
    return proposal(archive, proposal_id)


def proposal(
    archive: Archive, proposal_id: str, conn: sa.Connection | None = None
) -> DisposalProposal:
    with contextlib.ExitStack() as stack:
        reader = conn or stack.enter_context(archive.catalog.engine.connect())
        row = reader.execute(sa.select(t.disposals).where(t.disposals.c.id == proposal_id)).first()
    if row is None:
        raise ArchiveNotFoundError("archive_proposal_not_found", f"no proposal {proposal_id}")
    return _proposal(row)


def approve(archive: Archive, proposal_id: str, *, actor: str) -> DisposalProposal:
    """Second person's approval: checks everything again, tombstones, deletes the bytes."""
    current = proposal(archive, proposal_id)
    if current.state != "proposed":
        raise ArchiveConflictError("archive_proposal_closed", f"proposal is {current.state}")
    if actor == current.proposed_by:
        raise SameApproverError(message="disposal needs a second, different approver")
    record = archive.catalog.document(current.document_id)
    _check_disposable(archive, record)
    now = archive.clock.now()
    keys = list(dict.fromkeys((v.storage_key, v.storage_version_id) for v in record.versions))
    for key in keys:
        shared = archive.catalog.versions_of_object(*key, other_than=record.id)
        if not shared and archive.store.lock_of(*key).blocks_delete(now):
            raise ObjectLockedError(message="the store still holds a lock on a version")
    with archive.catalog.writing() as conn:
        if proposal(archive, proposal_id, conn).state != "proposed":
            raise ArchiveConflictError("archive_proposal_closed", "the proposal was closed")
        conn.execute(
            sa.update(t.disposals)
            .where(t.disposals.c.id == proposal_id)
            .values(state="executed", approved_by=actor, approved_at=as_utc(now))
        )
        conn.execute(
            sa.update(t.documents)
            .where(t.documents.c.id == record.id)
            .values(disposed_at=as_utc(now), search_text="")
        )
        if not archive.catalog.is_postgres:
            conn.execute(
                sa.text("DELETE FROM archive_search_fts WHERE document_id = :d"), {"d": record.id}
            )
        auditlog.append(
            conn,
            archive.clock,
            actor=actor,
            action="disposal.execute",
            subject=record.id,
            details={"proposal": proposal_id, "proposed_by": current.proposed_by},
        )
    for key in keys:
        _delete_unshared(archive, record.id, key)
    return proposal(archive, proposal_id)


def _delete_unshared(archive: Archive, document_id: str, key: tuple[str, str]) -> None:
    """Delete a disposed document's bytes unless another document (or an ingest that
    committed meanwhile: hence the write lock) uses them."""
    with archive.catalog.writing() as conn:
        if archive.catalog.versions_of_object(*key, conn, other_than=document_id):
            return  # another document keeps these bytes
        try:
            archive.store.delete(*key)
        except ArchiveNotFoundError:
            log.info("disposal: object already gone")
