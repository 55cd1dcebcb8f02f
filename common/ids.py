"""Identifiers: random, URL-safe, sortable by creation where it helps."""

from __future__ import annotations

import secrets
import time

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32, no I L O U


def new_id(prefix: str = "") -> str:
    """A 26-character ULID-like id: 48 bits of milliseconds then 80 random bits."""
    value = (int(time.time() * 1000) << 80) | secrets.randbits(80)
    chars = []
    for _ in range(26):
        value, rest = divmod(value, 32)
        chars.append(_ALPHABET[rest])
    return prefix + "".join(reversed(chars))


def short_code(length: int = 10) -> str:
    """A human-typable random code (receipts, QR look-ups)."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))
