"""Long-term validation renewal (PAdES B-LTA): find documents that need a fresh time-stamp.

The archive only selects and stores: the newest version of each live document, when it is a
signed or LTA-renewed PDF, is shown to an ``LtaRenewer`` (signing/ implements it; it does not
exist in the archive). When the renewer says the newest document time-stamp nears expiry or an
algorithm's end of life, its output is stored as a new ``lta`` version, locked like any other.
A PDF is renewed in memory (renewers return bytes): fine for documents, not for huge scans.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import sqlalchemy as sa

from archive.catalog import tables as t
from archive.ingest import Archive
from archive.protocols import LtaRenewer

PDF = "application/pdf"


@dataclass(frozen=True)
class RenewalReport:
    checked: int
    renewed: tuple[str, ...]


def _candidates(archive: Archive) -> list[str]:
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
    with archive.catalog.engine.connect() as conn:
        return [str(row.document_id) for row in conn.execute(query)]


def renew_due(archive: Archive, renewer: LtaRenewer, *, actor: str = "lta") -> RenewalReport:
    """Add a fresh LTA version to every signed PDF whose time-stamps need renewal."""
    renewed: list[str] = []
    candidates = _candidates(archive)
    for document_id in candidates:
        version = archive.catalog.version(document_id)
        chunks = archive.store.open(version.storage_key, version.storage_version_id)
        if not renewer.needs_renewal(chunks):
            continue
        fresh = renewer.renew(archive.store.open(version.storage_key, version.storage_version_id))
        archive.put(
            io.BytesIO(fresh),
            dossier_code="",
            document_id=document_id,
            kind="lta",
            media_type=PDF,
            actor=actor,
        )
        renewed.append(document_id)
    return RenewalReport(len(candidates), tuple(renewed))
