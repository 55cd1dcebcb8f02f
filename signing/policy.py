"""Which keys and digests may sign (Circular 15/2025/TT-BKHCN, Decree 23/2025).

RSA >= 2048 bits (PKCS#1 v1.5 or PSS), ECDSA on P-256 or P-384 (P-521 also accepted),
SHA-256 or stronger. Anything weaker is refused before any byte is written.
"""

from __future__ import annotations

from asn1crypto import keys, x509

from signing.errors import WeakAlgorithmError

MIN_RSA_BITS = 2048
ALLOWED_CURVES = frozenset({"secp256r1", "secp384r1", "secp521r1"})
ALLOWED_DIGESTS = frozenset({"sha256", "sha384", "sha512", "sha3_256", "sha3_384", "sha3_512"})


def check_digest(digest: str) -> str:
    if digest not in ALLOWED_DIGESTS:
        raise WeakAlgorithmError(
            "signing_weak_digest", f"digest {digest} is not allowed (SHA-256 or stronger)"
        )
    return digest


def check_public_key(public_key: keys.PublicKeyInfo) -> None:
    algorithm = public_key.algorithm
    if algorithm in ("rsa", "rsassa_pss"):
        if public_key.bit_size < MIN_RSA_BITS:
            raise WeakAlgorithmError(
                "signing_weak_key", f"RSA-{public_key.bit_size} is below RSA-{MIN_RSA_BITS}"
            )
        return
    if algorithm == "ec":
        curve = public_key.curve[1]
        if curve not in ALLOWED_CURVES:
            raise WeakAlgorithmError("signing_weak_key", f"curve {curve} is not allowed")
        return
    raise WeakAlgorithmError("signing_weak_key", f"key type {algorithm} is not allowed")


def check_certificate(cert: x509.Certificate) -> None:
    """The signer's key, and the digest its issuer signed it with, meet the rules."""
    check_public_key(cert.public_key)
    hash_algo = cert["signature_algorithm"].hash_algo
    check_digest(hash_algo)


def check_scheme(public_key: keys.PublicKeyInfo, padding: str) -> None:
    """The padding must fit the key: ECDSA for EC keys, PKCS#1 v1.5 or PSS for RSA keys."""
    is_ec = public_key.algorithm == "ec"
    if is_ec != (padding == "ecdsa"):
        raise WeakAlgorithmError(
            "signing_scheme_mismatch", f"a {public_key.algorithm} key cannot sign with {padding}"
        )
