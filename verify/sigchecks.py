"""Signature checks remembered by their inputs (part of ``verify.batchcache.BatchCache``).

That a signature value verifies over some bytes with some public key and algorithm
(certificate, OCSP response, CRL and CMS signatures, as pyhanko-certvalidator asks them)
depends on those inputs alone. A success is remembered by the SHA-256 of all of them, at
most ``max_entries`` (least recently used first out); a failure never: it is computed again
and raised again.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict

from asn1crypto import algos, keys
from pyhanko_certvalidator.sig_validate import (
    DEFAULT_VALIDATION_CONTEXT,
    DefaultSignatureValidator,
    SignatureValidationContext,
    SignatureValidator,
)

DEFAULT_MAX_SIGNATURES = 4096


def digest(*parts: bytes) -> bytes:
    """SHA-256 of ``parts``, each length-prefixed (no two lists of parts collide)."""
    h = hashlib.sha256()
    for part in parts:
        h.update(len(part).to_bytes(8, "big"))
        h.update(part)
    return h.digest()


class SignatureChecks(SignatureValidator):
    """pyhanko-certvalidator's signature check, its successes remembered (bounded, LRU)."""

    def __init__(self, max_entries: int = DEFAULT_MAX_SIGNATURES) -> None:
        self.max_entries = max_entries
        self._verified: OrderedDict[bytes, None] = OrderedDict()
        self._check = DefaultSignatureValidator()
        #: checks answered from memory (the tests and the bench read it)
        self.hits = 0

    def __len__(self) -> int:
        return len(self._verified)

    def __bool__(self) -> bool:
        return True  # pyhanko-certvalidator takes ``signature_validator or its default``

    def validate_signature(
        self,
        signature: bytes,
        signed_data: bytes,
        public_key_info: keys.PublicKeyInfo,
        signature_algorithm: algos.SignedDigestAlgorithm,
        context: SignatureValidationContext = DEFAULT_VALIDATION_CONTEXT,
    ) -> None:
        key = digest(
            bytes(signature), bytes(signed_data), public_key_info.dump(),
            signature_algorithm.dump(),
            f"{context.contextual_md_algorithm}|{context.prehashed}".encode(),
        )  # fmt: skip
        if key in self._verified:
            self._verified.move_to_end(key)
            self.hits += 1
            return
        # raises InvalidSignature (or an algorithm error) as pyhanko-certvalidator's does:
        # nothing is remembered then
        self._check.validate_signature(
            signature, signed_data, public_key_info, signature_algorithm, context
        )
        self._verified[key] = None
        while len(self._verified) > self.max_entries:
            self._verified.popitem(last=False)
