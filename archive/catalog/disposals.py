"""Disposal proposals and legal holds in SQL (archive/retention.py decides; this records).

Writes run inside the caller's serialised transaction and append their audit-log entry there.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from archive.catalog import auditlog
from archive.catalog import tables as t
from archive.catalog.codec import as_utc, maybe_utc
from archive.errors import ArchiveNotFoundError
from archive.metadata import DisposalProposal
from common.clock import Clock


def _proposal(m: sa.RowMapping | Mapping[str, Any]) -> DisposalProposal:
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


def proposal(conn: sa.Connection, proposal_id: str) -> DisposalProposal:
    query = sa.select(t.disposals).where(t.disposals.c.id == proposal_id)
    row = conn.execute(query).mappings().first()
    if row is None:
        raise ArchiveNotFoundError("archive_proposal_not_found", f"no proposal {proposal_id}")
    return _proposal(row)


def proposals(conn: sa.Connection, limit: int) -> tuple[DisposalProposal, ...]:
    query = sa.select(t.disposals).order_by(t.disposals.c.proposed_at.desc()).limit(limit)
    return tuple(_proposal(row) for row in conn.execute(query).mappings())


def add_proposal(conn: sa.Connection, clock: Clock, new: DisposalProposal) -> None:
    conn.execute(
        sa.insert(t.disposals).values(
            id=new.id,
            document_id=new.document_id,
            reason=new.reason,
            proposed_by=new.proposed_by,
            proposed_at=as_utc(new.proposed_at),
            state=new.state,
        )
    )
    auditlog.append(
        conn,
        clock,
        actor=new.proposed_by,
        action="disposal.propose",
        subject=new.document_id,
        details={"proposal": new.id},
    )


def execute_disposal(
    conn: sa.Connection, clock: Clock, done: DisposalProposal, *, actor: str, at: datetime
) -> None:
    """The proposal executed, its document a tombstone that no search finds."""
    conn.execute(
        sa.update(t.disposals)
        .where(t.disposals.c.id == done.id)
        .values(state="executed", approved_by=actor, approved_at=as_utc(at))
    )
    conn.execute(
        sa.update(t.documents)
        .where(t.documents.c.id == done.document_id)
        .values(disposed_at=as_utc(at), search_text="")
    )
    if conn.dialect.name != "postgresql":
        conn.execute(
            sa.text("DELETE FROM archive_search_fts WHERE document_id = :d"),
            {"d": done.document_id},
        )
    auditlog.append(
        conn,
        clock,
        actor=actor,
        action="disposal.execute",
        subject=done.document_id,
        details={"proposal": done.id, "proposed_by": done.proposed_by},
    )


def held_elsewhere(
    conn: sa.Connection, document_id: str, storage_key: str, storage_version_id: str
) -> bool:
    query = (
        sa.select(sa.func.count())
        .select_from(t.versions)
        .join(t.documents, t.documents.c.id == t.versions.c.document_id)
        .where(
            t.versions.c.storage_key == storage_key,
            t.versions.c.storage_version_id == storage_version_id,
            t.documents.c.id != document_id,
            t.documents.c.legal_hold.is_(True),
        )
    )
    return bool(conn.scalar(query))
