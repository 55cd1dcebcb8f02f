"""Keys held outside kyso's key store, for signers that are not kyso (endesive, pdfsig, PDFBox).

The certificates come from the test PKI (so the chain, OCSP and CRL are real and served over
HTTP); the private keys are generated here, of any size, so weak ones (RSA-1024) exist too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from tests.verify.conftest import Kit

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
P12_PASSWORD = "kyso-test"


@dataclass(frozen=True)
class ForeignSigner:
    """A certificate of the test PKI whose private key the test holds."""

    name: str
    key: PrivateKey
    cert: x509.Certificate
    #: issuers, up to the root (the root included)
    chain: tuple[x509.Certificate, ...]

    @property
    def asn1_cert(self) -> asn1_x509.Certificate:
        return asn1_x509.Certificate.load(self.cert.public_bytes(serialization.Encoding.DER))

    def key_pem(self) -> bytes:
        return self.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    def pkcs12(self) -> bytes:
        """The key, certificate and issuers, for NSS (pk12util) and Java (KeyStore PKCS12)."""
        return pkcs12.serialize_key_and_certificates(
            self.name.encode(),
            self.key,
            self.cert,
            list(self.chain),
            serialization.BestAvailableEncryption(P12_PASSWORD.encode()),
        )


def new_key(kind: str) -> PrivateKey:
    """``rsa1024``, ``rsa2048``, ``p256``, ``p384``."""
    if kind.startswith("rsa"):
        return rsa.generate_private_key(public_exponent=65537, key_size=int(kind[3:]))
    curve = {"p256": ec.SECP256R1(), "p384": ec.SECP384R1()}[kind]
    return ec.generate_private_key(curve)


def foreign_signer(kit: Kit, name: str, kind: str) -> ForeignSigner:
    """An official's certificate of the test PKI for a key made here."""
    key = new_key(kind)
    spki = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    issued = kit.pki.issue_official(
        f"Người ký {name}", "Chuyên viên", "Sở Thông tin", asn1_keys.PublicKeyInfo.load(spki)
    )
    chain = [x509.load_der_x509_certificate(c.dump()) for c in kit.pki.chain(issued.serial)]
    return ForeignSigner(name, key, chain[0], tuple(chain[1:]))


def self_signed_signer(name: str, kind: str) -> ForeignSigner:
    """A signer whose certificate no trust anchor vouches for (it signed itself)."""
    key = new_key(kind)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"Tự ký {name}")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    return ForeignSigner(name, key, cert, ())
