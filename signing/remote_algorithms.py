"""Signature algorithms of a remote-signing key, named as the Cloud Signature Consortium API
names them (OIDs): what ``credentials/info`` offers (``key.algo``) and what a
``signatures/signHash`` call asks for (``signAlgo``, ``hashAlgo``/``hashAlgorithmOID``,
``signAlgoParams``), checked against the key before anything is signed.

RSA keys sign with PKCS#1 v1.5 or RSASSA-PSS (MGF1 with the same hash, a salt as long as the
hash: what the key stores make); ECDSA keys with ECDSA. SHA-256, -384 or -512 only
(Circular 15/2025/TT-BKHCN).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from asn1crypto import algos

from certs.keys import DIGESTS, KeyAlgorithm
from signing.errors import SigningInputError

__all__ = ["DIGEST_OIDS", "HashSigning", "digest_of", "offered", "requested"]

#: CSC names hash algorithms by OID
DIGEST_OIDS = {name: algos.DigestAlgorithmId(name).dotted for name in DIGESTS}
_BY_SIZE = {hashlib.new(name).digest_size: name for name in DIGESTS}


@dataclass(frozen=True)
class HashSigning:
    """How a signHash call signs: its digest algorithm and, for RSA, whether with PSS."""

    digest: str
    pss: bool = False


def _names(algorithm: KeyAlgorithm) -> list[str]:
    if algorithm.is_rsa:
        return [f"{d}_rsa" for d in DIGESTS] + ["rsassa_pkcs1v15", "rsassa_pss"]
    return [f"{d}_ecdsa" for d in DIGESTS]


def offered(algorithm: KeyAlgorithm) -> list[str]:
    """``key.algo``: the OIDs a key of this type signs with here."""
    return [algos.SignedDigestAlgorithmId(name).dotted for name in _names(algorithm)]


def digest_of(oid: str | None, hashes: list[bytes] | None = None) -> str:
    """The digest algorithm an OID names; without one, the one the hashes' length implies
    (CSC v1 ``credentials/authorize`` has no hash algorithm)."""
    if oid is None:
        sizes = {len(h) for h in hashes or []}
        if len(sizes) == 1 and (size := sizes.pop()) in _BY_SIZE:
            return _BY_SIZE[size]
        raise SigningInputError("remote_hash_invalid", "hashes must be SHA-256, -384 or -512")
    for name, dotted in DIGEST_OIDS.items():
        if oid == dotted:
            return name
    raise SigningInputError(
        "hash_algorithm_unsupported", "the hash algorithm must be SHA-256, -384 or -512 (by OID)"
    )


def _unsupported(why: str) -> SigningInputError:
    return SigningInputError("sign_algorithm_unsupported", why)


def _pss(params_der: bytes | None, hash_oid: str | None) -> HashSigning:
    if params_der is None:
        raise _unsupported("RSASSA-PSS needs signAlgoParams")
    try:
        params = algos.RSASSAPSSParams.load(params_der, strict=True)
        digest = params["hash_algorithm"]["algorithm"].native
        mgf = params["mask_gen_algorithm"]
        mgf_digest = mgf["parameters"]["algorithm"].native
        salt = params["salt_length"].native
        trailer = params["trailer_field"].native
    except (ValueError, TypeError, KeyError) as exc:
        raise _unsupported("signAlgoParams is not DER RSASSA-PSS-params") from exc
    if digest not in DIGESTS:
        raise _unsupported("RSASSA-PSS with SHA-256, -384 or -512 only")
    if mgf["algorithm"].native != "mgf1" or mgf_digest != digest or trailer != "trailer_field_bc":
        raise _unsupported("RSASSA-PSS with MGF1 over the same hash only")
    if salt != hashlib.new(digest).digest_size:
        raise _unsupported("RSASSA-PSS with a salt as long as the hash only")
    if hash_oid is not None and digest_of(hash_oid) != digest:
        raise _unsupported("hashAlgo differs from the RSASSA-PSS hash")
    return HashSigning(digest, pss=True)


def requested(
    algorithm: KeyAlgorithm, sign_oid: str, hash_oid: str | None, params_der: bytes | None
) -> HashSigning:
    """What a signHash call asks for, if this key can do it (else ``sign_algorithm_unsupported``
    or ``hash_algorithm_unsupported``)."""
    try:
        name = algos.SignedDigestAlgorithmId(sign_oid).native
    except (ValueError, TypeError) as exc:
        raise _unsupported("signAlgo is not an OID") from exc
    if name not in _names(algorithm):
        raise _unsupported(f"this key does not sign with {sign_oid} (see key.algo)")
    if name == "rsassa_pss":
        return _pss(params_der, hash_oid)
    if name == "rsassa_pkcs1v15":
        if hash_oid is None:
            raise _unsupported("RSA (1.2.840.113549.1.1.1) needs hashAlgo")
        return HashSigning(digest_of(hash_oid))
    digest = name.split("_")[0]
    if hash_oid is not None and digest_of(hash_oid) != digest:
        raise _unsupported("hashAlgo differs from the hash of signAlgo")
    return HashSigning(digest)
