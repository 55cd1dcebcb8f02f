"""Long-term validation renewal (PAdES B-LTA): find documents that need a fresh time-stamp.

The archive only selects and stores: the newest version of each live document, when it is a
signed or LTA-renewed PDF, is shown to an ``LtaRenewer`` (signing/ through
``api.adapters.ArchiveTimeStampRenewer``: the archive does not import signing/). When the
renewer says the newest document time-stamp nears expiry or an algorithm's end of life, its
output is stored as a new ``lta`` version, locked like any other.
A PDF is renewed in memory (renewers return bytes): fine for documents, not for huge scans.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from archive.ingest import Archive
from archive.protocols import LtaRenewer

PDF = "application/pdf"


@dataclass(frozen=True)
class RenewalReport:
    checked: int
    renewed: tuple[str, ...]


def renew_due(archive: Archive, renewer: LtaRenewer, *, actor: str = "lta") -> RenewalReport:
    """Add a fresh LTA version to every signed PDF whose time-stamps need renewal."""
    renewed: list[str] = []
    candidates = archive.catalog.renewal_candidates()
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
