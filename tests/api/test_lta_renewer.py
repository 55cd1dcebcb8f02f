"""The archive's LTA renewal decides on weak digests with the verification policy's list."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from io import BytesIO

import pytest
from asn1crypto import keys, x509
from cryptography import x509 as cx509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign.signers.pdf_signer import PdfTimeStamper
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

from api.adapters import ArchiveTimeStampRenewer
from common.clock import FrozenClock
from signing.pades import SigningContext
from signing.revinfo import TrustMaterial
from tests.signing.conftest import make_pdf

NOW = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)


def _tsa(valid_for: timedelta) -> tuple[x509.Certificate, keys.PrivateKeyInfo]:
    """A throw-away RSA time-stamping certificate (pyHanko's test TSA signs with RSA only)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = cx509.Name([cx509.NameAttribute(NameOID.COMMON_NAME, "TSA thử nghiệm")])
    cert = (
        cx509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(cx509.random_serial_number())
        .not_valid_before(NOW - timedelta(days=1))
        .not_valid_after(NOW + valid_for)
        .add_extension(cx509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .sign(key, hashes.SHA256())
    )
    der_key = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return (
        x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER)),
        keys.PrivateKeyInfo.load(der_key),
    )


def _timestamped(imprint: str, tsa_digest: str, valid_for: timedelta) -> bytes:
    """A PDF with one document time-stamp: ``imprint`` over the document, the TSA's
    signature made with ``tsa_digest``."""
    cert, key = _tsa(valid_for)
    stamper = PdfTimeStamper(DummyTimeStamper(cert, key, fixed_dt=NOW, override_md=tsa_digest))
    out = BytesIO()
    stamper.timestamp_pdf(IncrementalPdfFileWriter(BytesIO(make_pdf())), imprint, output=out)
    return out.getvalue()


def _renewer() -> ArchiveTimeStampRenewer:
    context = SigningContext(trust=TrustMaterial(roots=()))
    return ArchiveTimeStampRenewer(context, FrozenClock(NOW), timedelta(days=365))


@pytest.mark.parametrize(
    ("imprint", "tsa_digest"),
    [("sha256", "sha1"), ("sha256", "sha224"), ("sha224", "sha256"), ("sha1", "sha256")],
)
def test_a_time_stamp_with_a_forbidden_digest_is_renewed(imprint: str, tsa_digest: str) -> None:
    pdf = _timestamped(imprint, tsa_digest, valid_for=timedelta(days=3650))
    assert _renewer().needs_renewal(iter([pdf]))


def test_a_strong_time_stamp_far_from_expiry_is_kept() -> None:
    pdf = _timestamped("sha256", "sha256", valid_for=timedelta(days=3650))
    assert not _renewer().needs_renewal(iter([pdf]))


def test_a_time_stamp_whose_certificate_expires_within_the_horizon_is_renewed() -> None:
    pdf = _timestamped("sha256", "sha256", valid_for=timedelta(days=100))
    assert _renewer().needs_renewal(iter([pdf]))
