"""The ``KeyStore`` protocol: keys are generated, kept and used inside the store.

Private keys never leave a key store: callers get public keys and signatures only.
The one signing primitive signs a *digest* (what PKCS#11 tokens and the Cloud Signature
Consortium ``signHash`` call work with); ``sign_message`` hashes first.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal, Protocol

from asn1crypto import algos, keys


class KeyAlgorithm(StrEnum):
    """Key types allowed by Circular 15/2025/TT-BKHCN (RSA >= 2048, ECDSA >= P-256)."""

    RSA_2048 = "rsa2048"
    RSA_3072 = "rsa3072"
    RSA_4096 = "rsa4096"
    EC_P256 = "ecdsa-p256"
    EC_P384 = "ecdsa-p384"

    @property
    def is_rsa(self) -> bool:
        return self.value.startswith("rsa")

    @property
    def rsa_bits(self) -> int:
        return int(self.value[3:])

    @property
    def curve(self) -> str:
        return {"ecdsa-p256": "secp256r1", "ecdsa-p384": "secp384r1"}[self.value]

    @property
    def default_digest(self) -> str:
        return "sha384" if self is KeyAlgorithm.EC_P384 else "sha256"


Padding = Literal["pkcs1v15", "pss", "ecdsa"]
DIGESTS = ("sha256", "sha384", "sha512")


@dataclass(frozen=True)
class SignatureScheme:
    """How to sign: the digest algorithm and, for RSA, the padding."""

    digest: str = "sha256"
    padding: Padding = "pkcs1v15"

    def __post_init__(self) -> None:
        if self.digest not in DIGESTS:
            raise ValueError(f"digest {self.digest} is not allowed (SHA-256 or stronger)")

    @classmethod
    def for_key(cls, algorithm: KeyAlgorithm, *, pss: bool = False) -> SignatureScheme:
        if algorithm.is_rsa:
            return cls(algorithm.default_digest, "pss" if pss else "pkcs1v15")
        return cls(algorithm.default_digest, "ecdsa")

    def asn1_algorithm(self) -> algos.SignedDigestAlgorithm:
        """The AlgorithmIdentifier that X.509, CRL, OCSP and CMS structures carry."""
        if self.padding == "ecdsa":
            return algos.SignedDigestAlgorithm({"algorithm": f"{self.digest}_ecdsa"})
        if self.padding == "pkcs1v15":
            return algos.SignedDigestAlgorithm({"algorithm": f"{self.digest}_rsa"})
        salt = hashlib.new(self.digest).digest_size
        params = algos.RSASSAPSSParams(
            {
                "hash_algorithm": {"algorithm": self.digest},
                "mask_gen_algorithm": {
                    "algorithm": "mgf1",
                    "parameters": {"algorithm": self.digest},
                },
                "salt_length": salt,
            }
        )
        return algos.SignedDigestAlgorithm({"algorithm": "rsassa_pss", "parameters": params})


class KeyStore(Protocol):
    """Where private keys live: encrypted files or a PKCS#11 token (HSM)."""

    def generate(self, label: str, algorithm: KeyAlgorithm) -> keys.PublicKeyInfo:
        """Create a key pair under ``label`` (refuses an existing label)."""
        ...

    def exists(self, label: str) -> bool: ...

    def public_key(self, label: str) -> keys.PublicKeyInfo: ...

    def algorithm(self, label: str) -> KeyAlgorithm: ...

    def sign_digest(self, label: str, digest: bytes, scheme: SignatureScheme) -> bytes:
        """Sign a precomputed digest; ECDSA signatures come back DER-encoded."""
        ...

    def destroy(self, label: str) -> None:
        """Delete a key (used when an enrolment is rolled back; never for CA keys)."""
        ...


def sign_message(store: KeyStore, label: str, data: bytes, scheme: SignatureScheme) -> bytes:
    return store.sign_digest(label, hashlib.new(scheme.digest, data).digest(), scheme)


def algorithm_of(public_key: keys.PublicKeyInfo) -> KeyAlgorithm:
    if public_key.algorithm == "rsa":
        bits = public_key.bit_size
        for candidate in (KeyAlgorithm.RSA_2048, KeyAlgorithm.RSA_3072, KeyAlgorithm.RSA_4096):
            if candidate.rsa_bits == bits:
                return candidate
        raise ValueError(f"unsupported RSA key size {bits}")
    if public_key.algorithm == "ec":
        curve = public_key.curve[1]
        for candidate in (KeyAlgorithm.EC_P256, KeyAlgorithm.EC_P384):
            if candidate.curve == curve:
                return candidate
        raise ValueError(f"unsupported curve {curve}")
    raise ValueError(f"unsupported key algorithm {public_key.algorithm}")
