"""The bridge between pyHanko and kyso's ``KeyStore``: the private key never leaves the store.

pyHanko builds the CMS signed attributes; ``KeyStoreSigner.async_sign_raw`` hashes them and
asks the key store (encrypted files or a PKCS#11 token) to sign the digest.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass

from asn1crypto import cms, tsp, x509
from pyhanko.sign import signers
from pyhanko.sign.attributes import CMSAttributeProvider, SigningCertificateV2Provider
from pyhanko.sign.general import as_signing_certificate_v2
from pyhanko_certvalidator.registry import SimpleCertificateStore

from certs.errors import KeyStoreError
from certs.keys import KeyStore, SignatureScheme, algorithm_of
from signing.errors import SigningBackendError, SigningInputError, WeakAlgorithmError
from signing.policy import check_certificate, check_digest, check_scheme


@dataclass(frozen=True)
class SigningKey:
    """A signer's certificate, its issuers and where its private key is."""

    certificate: x509.Certificate
    #: issuer certificates up to the root (embedded in the signature)
    chain: tuple[x509.Certificate, ...]
    key_label: str
    scheme: SignatureScheme

    @property
    def serial_hex(self) -> str:
        return format(self.certificate.serial_number, "x")

    def __post_init__(self) -> None:
        check_certificate(self.certificate)
        check_digest(self.scheme.digest)
        check_scheme(self.certificate.public_key, self.scheme.padding)


def scheme_for(certificate: x509.Certificate, *, pss: bool = False) -> SignatureScheme:
    """How the certificate's key signs (Circular 15/2025: SHA-256+, PSS allowed for RSA)."""
    try:
        return SignatureScheme.for_key(algorithm_of(certificate.public_key), pss=pss)
    except ValueError as exc:
        raise WeakAlgorithmError("signing_weak_key", str(exc)) from exc


def signature_size(certificate: x509.Certificate) -> int:
    """Largest raw signature the key can make (for size estimates without signing)."""
    key = certificate.public_key
    size = (int(key.bit_size) + 7) // 8
    if key.algorithm == "ec":
        return 2 * size + 9  # DER SEQUENCE of two INTEGERs, each maybe 0-padded
    return size


class _Encoded(CMSAttributeProvider):
    """A signed attribute whose value was DER-encoded beforehand."""

    def __init__(self, attribute_type: str, der: bytes) -> None:
        self.attribute_type = attribute_type
        self.der = der

    async def build_attr_value(self, dry_run: bool = False) -> tsp.SigningCertificateV2:
        return tsp.SigningCertificateV2.load(self.der)


class KeyStoreSigner(signers.Signer):
    """A pyHanko signer whose raw signatures come from ``KeyStore.sign_digest``."""

    def __init__(self, store: KeyStore, key: SigningKey) -> None:
        registry = SimpleCertificateStore.from_certs(  # type: ignore[no-untyped-call]
            [key.certificate, *key.chain]
        )
        super().__init__(
            signing_cert=key.certificate,
            cert_registry=registry,
            signature_mechanism=key.scheme.asn1_algorithm(),
            prefer_pss=key.scheme.padding == "pss",
            embed_roots=True,
        )
        self.store = store
        self.key = key
        self._dummy = b"\x00" * signature_size(key.certificate)
        # asn1crypto re-encodes the issuer name of the ESS signing-certificate-v2 attribute on
        # every signature (~8 ms); the value never changes for a key: encode it once
        self._signing_cert_v2 = as_signing_certificate_v2(key.certificate).dump()
        self._sid = cms.SignerIdentifier(
            {
                "issuer_and_serial_number": {
                    "issuer": key.certificate.issuer,
                    "serial_number": key.certificate.serial_number,
                }
            }
        ).dump()

    def signer_info(
        self, digest_algorithm: str, signed_attrs: cms.CMSAttributes, signature: bytes
    ) -> cms.SignerInfo:
        info = super().signer_info(digest_algorithm, signed_attrs, signature)
        info["sid"] = cms.SignerIdentifier.load(self._sid)  # same value, encoded once
        return info

    def _signed_attr_providers(  # type: ignore[no-untyped-def]
        self, *args, **kwargs
    ) -> Iterator[object]:
        for provider in super()._signed_attr_providers(*args, **kwargs):
            if isinstance(provider, SigningCertificateV2Provider):
                yield _Encoded("signing_certificate_v2", self._signing_cert_v2)
            else:
                yield provider

    async def async_sign_raw(
        self, data: bytes, digest_algorithm: str, dry_run: bool = False
    ) -> bytes:
        if digest_algorithm != self.key.scheme.digest:
            raise SigningInputError(
                "signing_digest_mismatch",
                f"the key signs with {self.key.scheme.digest}, not {digest_algorithm}",
            )
        if dry_run:  # size estimate: no need to touch the key
            return self._dummy
        digest = hashlib.new(digest_algorithm, data).digest()
        try:
            return self.store.sign_digest(self.key.key_label, digest, self.key.scheme)
        except KeyStoreError as exc:
            raise SigningBackendError("signing_key_unavailable", exc.message) from exc
