"""The certificate catalog: authorities, issued certificates, enrolments, trust anchors (SQL)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from common.sqltypes import UtcDateTime


class CertsBase(DeclarativeBase):
    pass


class AuthorityRow(CertsBase):
    """A certificate authority run by kyso (root, citizen, officials)."""

    __tablename__ = "certs_authority"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    parent: Mapped[str | None] = mapped_column(String(32))
    serial: Mapped[str] = mapped_column(String(64))
    key_label: Mapped[str] = mapped_column(String(128))
    cert_der: Mapped[bytes] = mapped_column(LargeBinary)
    crl_number: Mapped[int] = mapped_column(Integer, default=0)
    crl_der: Mapped[bytes | None] = mapped_column(LargeBinary)
    crl_next_update: Mapped[datetime | None] = mapped_column(UtcDateTime)
    #: bumped on every revocation so a cached CRL is known to be stale
    revocation_epoch: Mapped[int] = mapped_column(Integer, default=0)
    crl_epoch: Mapped[int] = mapped_column(Integer, default=-1)


class CertificateRow(CertsBase):
    __tablename__ = "certs_certificate"
    __table_args__ = (Index("ix_certs_certificate_cccd_status", "cccd", "status"),)

    serial: Mapped[str] = mapped_column(String(64), primary_key=True)  # lowercase hex
    issuer: Mapped[str | None] = mapped_column(ForeignKey("certs_authority.name"))
    profile: Mapped[str] = mapped_column(String(16), index=True)
    subject: Mapped[str] = mapped_column(Text)
    common_name: Mapped[str] = mapped_column(String(256))
    organization: Mapped[str | None] = mapped_column(String(256))
    cccd: Mapped[str | None] = mapped_column(String(12))
    not_before: Mapped[datetime] = mapped_column(UtcDateTime)
    not_after: Mapped[datetime] = mapped_column(UtcDateTime)
    cert_der: Mapped[bytes] = mapped_column(LargeBinary)
    key_label: Mapped[str | None] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(16), default="good")
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    revocation_reason: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class EnrolmentRow(CertsBase):
    __tablename__ = "certs_enrolment"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    full_name: Mapped[str] = mapped_column(String(256))
    cccd: Mapped[str] = mapped_column(String(12), index=True)
    phone: Mapped[str | None] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    officer: Mapped[str | None] = mapped_column(String(128))
    serial: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(Text)
    #: the account that asked (the service's user name), if the request came through one
    owner: Mapped[str | None] = mapped_column(String(128))


class TrustAnchorRow(CertsBase):
    __tablename__ = "certs_trust_anchor"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    subject: Mapped[str] = mapped_column(Text)
    cert_der: Mapped[bytes] = mapped_column(LargeBinary)
    source: Mapped[str] = mapped_column(String(16))  # kyso | imported
    added_at: Mapped[datetime] = mapped_column(UtcDateTime)
