"""Frozen result objects of the PKI."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from asn1crypto import pem, x509

from certs.errors import PkiInputError

if TYPE_CHECKING:  # the ORM (0.5 s to import) only where rows are read through it
    from certs.catalog import CertificateRow

#: how long a CRL kyso signs is valid; a stored one is served until half of that is left
CRL_VALIDITY = timedelta(days=1)


def utc(moment: datetime) -> datetime:
    """SQLite gives naive datetimes back: they were stored as UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class CertificateRecord:
    serial: str
    profile: str
    issuer: str | None
    subject: str
    common_name: str
    organization: str | None
    not_before: datetime
    not_after: datetime
    status: str
    revoked_at: datetime | None
    revocation_reason: str | None
    key_label: str | None
    cert_der: bytes

    @property
    def certificate(self) -> x509.Certificate:
        return x509.Certificate.load(self.cert_der)

    @property
    def pem(self) -> str:
        return to_pem(self.certificate)

    @classmethod
    def from_row(cls, row: CertificateRow) -> CertificateRecord:
        return cls(
            serial=row.serial,
            profile=row.profile,
            issuer=row.issuer,
            subject=row.subject,
            common_name=row.common_name,
            organization=row.organization,
            not_before=utc(row.not_before),
            not_after=utc(row.not_after),
            status=row.status,
            revoked_at=utc(row.revoked_at) if row.revoked_at else None,
            revocation_reason=row.revocation_reason,
            key_label=row.key_label,
            cert_der=row.cert_der,
        )


@dataclass(frozen=True)
class RevocationStatus:
    """What an OCSP responder says of one certificate."""

    status: str  # good | revoked | unknown
    revoked_at: datetime | None = None
    reason: str | None = None


def stored_crl_fresh(
    der: bytes | None,
    crl_epoch: int,
    revocation_epoch: int,
    next_update: datetime | None,
    now: datetime,
    validity: timedelta = CRL_VALIDITY,
) -> bool:
    """Is a CA's stored CRL still the one to serve? Not after a revocation (its epoch), nor
    once less than half of its validity is left."""
    return (
        der is not None
        and crl_epoch == revocation_epoch
        and next_update is not None
        and utc(next_update) - validity / 2 > now
    )


@dataclass(frozen=True)
class IssuedCertificate:
    serial: str
    certificate: x509.Certificate
    key_label: str | None


_SHORT = {
    "country_name": "C",
    "state_or_province_name": "ST",
    "locality_name": "L",
    "organization_name": "O",
    "organizational_unit_name": "OU",
    "title": "T",
    "common_name": "CN",
    "user_id": "UID",
    "serial_number": "serialNumber",
}


def short_subject(subject: x509.Name) -> str:
    """``C=VN, CN=Nguyễn Thị Hoa, UID=CCCD:...``: the subject as people read it."""
    parts = []
    for rdn in subject.chosen:
        for attr in rdn:
            key = attr["type"].native
            parts.append(f"{_SHORT.get(key, key)}={attr['value'].native}")
    return ", ".join(parts)


def to_pem(cert: x509.Certificate) -> str:
    return bytes(pem.armor("CERTIFICATE", cert.dump())).decode("ascii")


def serial_hex(serial: int) -> str:
    return format(serial, "x")


def load_certificates(data: bytes) -> list[x509.Certificate]:
    """Certificates from PEM (one or many) or a single DER certificate."""
    try:
        if pem.detect(data):
            return [
                x509.Certificate.load(der)
                for kind, _headers, der in pem.unarmor(data, multiple=True)
                if kind == "CERTIFICATE"
            ]
        cert = x509.Certificate.load(data)
        cert.native  # noqa: B018 - parse fully now, not lazily later
        return [cert]
    except (ValueError, TypeError) as exc:
        raise PkiInputError("certificate_malformed", "not a readable X.509 certificate") from exc
