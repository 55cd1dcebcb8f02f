"""Trust anchors: kyso's own root plus imported roots (in production the national NEAC root)."""

from __future__ import annotations

import hashlib
from datetime import datetime

from asn1crypto import x509
from sqlalchemy import select
from sqlalchemy.orm import Session

from certs.catalog import TrustAnchorRow
from certs.errors import PkiInputError
from certs.records import load_certificates, short_subject


def add_anchor(db: Session, cert: x509.Certificate, source: str, now: datetime) -> bool:
    fingerprint = hashlib.sha256(cert.dump()).hexdigest()
    if db.get(TrustAnchorRow, fingerprint) is not None:
        return False
    db.add(
        TrustAnchorRow(
            sha256=fingerprint,
            subject=short_subject(cert.subject),
            cert_der=cert.dump(),
            source=source,
            added_at=now,
        )
    )
    return True


def import_anchors(db: Session, data: bytes, now: datetime) -> list[str]:
    """Add the CA certificates in ``data`` (PEM or DER); returns the new ones' SHA-256."""
    certs = load_certificates(data)
    if not certs:
        raise PkiInputError("certificate_malformed", "no certificate found in the input")
    added = []
    for cert in certs:
        if not cert.ca:
            raise PkiInputError("trust_anchor_not_ca", f"{short_subject(cert.subject)} is not a CA")
        if add_anchor(db, cert, "imported", now):
            added.append(hashlib.sha256(cert.dump()).hexdigest())
    return added


def list_anchors(db: Session) -> list[x509.Certificate]:
    rows = db.scalars(select(TrustAnchorRow).order_by(TrustAnchorRow.added_at))
    return [x509.Certificate.load(r.cert_der) for r in rows]
