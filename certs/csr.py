"""Certificate signing requests brought by a citizen's own device (PKCS#10)."""

from __future__ import annotations

from asn1crypto import csr, keys, pem
from cryptography import x509 as cx509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm

from certs.errors import PkiInputError
from certs.keys import algorithm_of


def public_key_from_csr(data: bytes) -> keys.PublicKeyInfo:
    """The public key of a well-formed, self-signed CSR whose key Circular 15/2025 allows."""
    try:
        der = pem.unarmor(data)[2] if pem.detect(data) else data
        request = cx509.load_der_x509_csr(der)
        valid = request.is_signature_valid
    except (ValueError, TypeError, UnsupportedAlgorithm, InvalidSignature) as exc:
        raise PkiInputError("csr_malformed", "not a readable PKCS#10 request") from exc
    if not valid:
        raise PkiInputError("csr_bad_signature", "the request's signature does not verify")
    if request.signature_hash_algorithm is None or request.signature_hash_algorithm.name not in (
        "sha256",
        "sha384",
        "sha512",
    ):
        raise PkiInputError("csr_weak_algorithm", "the request must be signed with SHA-256+")
    info = csr.CertificationRequest.load(der)["certification_request_info"]
    public_key: keys.PublicKeyInfo = info["subject_pk_info"]
    try:
        algorithm_of(public_key)
    except ValueError as exc:
        raise PkiInputError(
            "csr_weak_key", "key must be RSA >= 2048 bits or ECDSA P-256/P-384"
        ) from exc
    return keys.PublicKeyInfo.load(public_key.dump())
