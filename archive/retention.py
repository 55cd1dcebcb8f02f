"""Retention, legal hold and disposal (Law on Archives 33/2024; Circular 10/2022 periods).

A document can be disposed of only after its retention ends (never when "permanent"), only
while no legal hold is on, and only through a proposal approved by a second, different
person. Disposal leaves a tombstone: the catalog keeps the metadata, versions and hashes and
records when and by whom; only the stored bytes go (unless another live document shares them).
The object lock of the store independently refuses an early delete.
"""

from __future__ import annotations

import logging
from datetime import datetime

from archive.errors import (
    ArchiveConflictError,
    ArchiveError,
    ArchiveNotFoundError,
    ObjectLockedError,
)
from archive.ingest import Archive
from archive.metadata import PERMANENT, DisposalProposal, DocumentRecord
from common.errors import PermissionDeniedError
from common.ids import new_id

log = logging.getLogger(__name__)


class SameApproverError(ArchiveError, PermissionDeniedError):
    default_code = "archive_same_approver"


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


def set_legal_hold(archive: Archive, document_id: str, on: bool, *, actor: str) -> None:
    """Put (or lift) a legal hold on a document and on every stored version of it.

    Identical bytes are one stored object: lifting the hold leaves it on an object that a
    version of another held document shares. Under the catalog's write lock, so that no
    concurrent ingest or hold reads a lock file this one is rewriting.
    """
    with archive.catalog.writing() as write:
        record = write.document(document_id)
        for version in record.versions:
            key = (version.storage_key, version.storage_version_id)
            if on or not write.held_elsewhere(document_id, *key):
                archive.store.set_legal_hold(*key, on)
        write.set_legal_hold(document_id, on, actor=actor)


def propose(archive: Archive, document_id: str, *, reason: str, actor: str) -> DisposalProposal:
    record = archive.catalog.document(document_id)
    _check_disposable(archive, record)
    proposal_id = new_id("p")
    with archive.catalog.writing() as write:
        write.add_proposal(
            DisposalProposal(
                id=proposal_id,
                document_id=document_id,
                reason=reason,
                proposed_by=actor,
                proposed_at=archive.clock.now(),
                state="proposed",
            )
        )
    return archive.catalog.proposal(proposal_id)


def approve(archive: Archive, proposal_id: str, *, actor: str) -> DisposalProposal:
    """Second person's approval: checks everything again, tombstones, deletes the bytes."""
    current = archive.catalog.proposal(proposal_id)
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
    with archive.catalog.writing() as write:
        if write.proposal(proposal_id).state != "proposed":
            raise ArchiveConflictError("archive_proposal_closed", "the proposal was closed")
        write.execute_disposal(current, actor=actor, at=now)
    for key in keys:
        _delete_unshared(archive, record.id, key)
    return archive.catalog.proposal(proposal_id)


def _delete_unshared(archive: Archive, document_id: str, key: tuple[str, str]) -> None:
    """Delete a disposed document's bytes unless another document (or an ingest that
    committed meanwhile: hence the write lock) uses them."""
    with archive.catalog.writing() as write:
        if write.versions_of_object(*key, other_than=document_id):
            return  # another document keeps these bytes
        try:
            archive.store.delete(*key)
        except ArchiveNotFoundError:
            log.info("disposal: object already gone")
