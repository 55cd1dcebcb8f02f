"""Tables of remote signing: credentials (PIN hash, TOTP seed, lockout), activations, approvals."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from common.sqltypes import UtcDateTime


class SigningBase(DeclarativeBase):
    pass


#: the one state in which a credential may approve and sign (the others are kept as history)
ENABLED = "enabled"
#: at most one enabled credential per certificate, whatever the service does (issue 19)
ONE_PER_CERTIFICATE = "uq_signing_credential_enabled_serial"


class CredentialRow(SigningBase):
    """A remote-signing credential (CSC): a key in the key store, its certificate, its factors."""

    __tablename__ = "signing_credential"
    __table_args__ = (
        Index(
            ONE_PER_CERTIFICATE,
            "cert_serial",
            unique=True,
            sqlite_where=text("status = 'enabled'"),
            postgresql_where=text("status = 'enabled'"),
        ),
    )

    credential_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    #: an opaque reference to the account (never the CCCD itself)
    owner: Mapped[str] = mapped_column(String(128), index=True)
    cert_serial: Mapped[str] = mapped_column(String(64))
    key_label: Mapped[str] = mapped_column(String(128))
    pin_hash: Mapped[str] = mapped_column(String(256))
    #: RFC 6238 seed, AES-256-GCM sealed (``gcm:...``); a clear seed of an older install is
    #: sealed when the service starts (``RemoteSigningService.seal_clear_seeds``)
    totp_secret: Mapped[str] = mapped_column(String(128))
    #: approvals counted since the last success, the ones still being checked included
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    #: the newest RFC 6238 time step accepted: a code is never accepted twice
    last_otp_step: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    #: enabled | replaced (a new credential took over) | disabled (a duplicate, by migration)
    status: Mapped[str] = mapped_column(String(16), default=ENABLED)
    #: the credential that replaced this one
    replaced_by: Mapped[str | None] = mapped_column(String(40))


class ActivationRow(SigningBase):
    """A signature activation (CSC SAD): which hashes one approval allows to be signed."""

    __tablename__ = "signing_activation"

    sad_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    credential_id: Mapped[str] = mapped_column(
        String(40), ForeignKey("signing_credential.credential_id"), index=True
    )
    digest_algorithm: Mapped[str] = mapped_column(String(16))
    #: JSON list of the hex hashes not signed yet
    hashes: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ApprovalRow(SigningBase):
    """The record of every approval, refusal, lockout and signature."""

    __tablename__ = "signing_approval"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    credential_id: Mapped[str] = mapped_column(String(40), index=True)
    event: Mapped[str] = mapped_column(String(24))
    reason: Mapped[str | None] = mapped_column(String(64))
    #: JSON list of hex hashes concerned (to-be-signed hashes, document digests)
    hashes: Mapped[str] = mapped_column(Text, default="[]")
    at: Mapped[datetime] = mapped_column(UtcDateTime)
