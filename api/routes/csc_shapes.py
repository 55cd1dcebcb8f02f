"""The CSC answers about the service (``info``) and a credential (``credentials/info``),
from kyso's own records: the credential, its certificate and chain, its key."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

from asn1crypto import x509
from cryptography import x509 as pyca_x509

from api.routes.csc_models import (
    AuthInfo,
    AuthObject,
    Certificates,
    CertInfo,
    CertStatus,
    CredentialPublic,
    FactorV1,
    KeyInfo,
    ServiceInfo,
)
from certs.keys import KeyAlgorithm, algorithm_of
from certs.records import CertificateRecord
from signing.remote import CredentialInfo
from signing.remote_algorithms import offered

SPECS = {"v1": "1.0.4.0", "v2": "2.0.0.2"}
METHODS = ["credentials/list", "credentials/info", "credentials/authorize", "signatures/signHash"]
PIN_TEXT = "Mã PIN chữ ký số từ xa / remote-signing PIN (6-12 digits)"
OTP_TEXT = "Mã dùng một lần của ứng dụng xác thực / authenticator app code (RFC 6238)"


def service_info(version: str, public_url: str) -> ServiceInfo:
    """``info``: bearer tokens come from ``POST /api/v1/auth/token`` (``external``)."""
    every = sorted({oid for algorithm in KeyAlgorithm for oid in offered(algorithm)})
    return ServiceInfo(
        specs=SPECS[version],
        name="kyso",
        logo=f"{public_url.rstrip('/')}/static/logo.svg",
        region="VN",
        lang="vi-VN",
        description="Ký số từ xa cho công dân / remote signing for citizens (PIN + one-time code)",
        authType=["external"],
        methods=METHODS,
        signAlgorithms={"algos": every} if version == "v2" else None,
    )


def _generalized(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%d%H%M%SZ")


def _cert_status(record: CertificateRecord, now: datetime) -> CertStatus:
    if record.status == "revoked":
        return "revoked"
    if record.status != "good":
        return "suspended"
    return "valid" if record.not_before <= now <= record.not_after else "expired"


def _cert(
    record: CertificateRecord,
    chain: list[x509.Certificate],
    now: datetime,
    certificates: Certificates,
    cert_info: bool,
) -> CertInfo:
    shown = {"none": [], "single": chain[:1], "chain": chain}[certificates]
    cert = CertInfo(
        status=_cert_status(record, now),
        certificates=[base64.b64encode(c.dump()).decode() for c in shown] or None,
    )
    if cert_info:
        parsed = pyca_x509.load_der_x509_certificate(record.cert_der)
        cert.issuerDN = parsed.issuer.rfc4514_string()
        cert.subjectDN = parsed.subject.rfc4514_string()
        cert.serialNumber = record.serial
        cert.validFrom = _generalized(record.not_before)
        cert.validTo = _generalized(record.not_after)
    return cert


def _key(record: CertificateRecord, usable: bool) -> KeyInfo:
    public_key = record.certificate.public_key
    algorithm = algorithm_of(public_key)
    curve = None if algorithm.is_rsa else public_key["algorithm"]["parameters"].chosen.dotted
    return KeyInfo(
        status="enabled" if usable else "disabled",
        algo=offered(algorithm),
        len=public_key.bit_size,
        curve=curve,
    )


def credential(
    version: str,
    info: CredentialInfo,
    record: CertificateRecord,
    chain: list[x509.Certificate],
    now: datetime,
    *,
    certificates: Certificates = "single",
    cert_info: bool = False,
) -> CredentialPublic:
    """``credentials/info`` of one credential (``authMode`` and the factors always told)."""
    usable = info.status == "enabled"
    description = f"Chữ ký số từ xa / remote signing: {record.common_name}"
    if info.status == "locked":
        description += " (tạm khóa / locked: too many wrong answers)"
    shown = CredentialPublic(
        description=description[:255],
        key=_key(record, usable),
        cert=_cert(record, chain, now, certificates, cert_info),
        multisign=info.multisign,
    )
    if version == "v1":
        shown.PIN = FactorV1(label="PIN", description=PIN_TEXT)
        shown.OTP = FactorV1(
            label="OTP", description=OTP_TEXT, type="offline", ID="totp", provider="RFC 6238"
        )
    else:
        shown.auth = AuthInfo(
            objects=[
                AuthObject(type="Password", id="PIN", label="PIN", description=PIN_TEXT),
                AuthObject(type="OTP", id="OTP", label="OTP", description=OTP_TEXT),
            ]
        )
    return shown
