"""RFC 6238 seeds at rest: sealed with AES-256-GCM under the deployment's 32-byte seed key.

A seed is never stored in clear: the service cannot be built without a key (``api/`` passes
the configured one, or one generated once in the data dir's secrets).
"""

from __future__ import annotations

import base64
import binascii
import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from signing.errors import SigningInputError

PREFIX = "gcm:"
#: binds a sealed value to its use: a sealed seed is not accepted as anything else
_CONTEXT = b"kyso-totp"


def is_sealed(stored: str) -> bool:
    return stored.startswith(PREFIX)


class SeedSeal:
    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise SigningInputError("remote_seed_key", "the seed key must be 32 bytes")
        self._aead = AESGCM(key)

    def seal(self, seed: str) -> str:
        nonce = secrets.token_bytes(12)
        sealed = self._aead.encrypt(nonce, seed.encode(), _CONTEXT)
        return PREFIX + base64.b64encode(nonce + sealed).decode()

    def open(self, stored: str) -> str:
        """The seed of a stored value; a clear seed (an install older than sealing) as it is."""
        if not is_sealed(stored):
            return stored
        try:
            raw = base64.b64decode(stored[len(PREFIX) :], validate=True)
            return self._aead.decrypt(raw[:12], raw[12:], _CONTEXT).decode()
        except (InvalidTag, binascii.Error, ValueError) as exc:
            raise SigningInputError(
                "remote_seed_key", "a stored one-time-code seed does not open with this seed key"
            ) from exc
