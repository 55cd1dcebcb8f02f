"""Protocols the archive asks other packages for, without importing them.

- ``Verifier``: verify/ gives a verdict on a signed PDF (verify/ does not exist yet).
- ``Anchorer``: an RFC 3161 time-stamp authority (certs/ provides the real one).
- ``LtaRenewer``: signing/ adds a fresh document time-stamp to a PAdES B-LTA file. Only the hook
  is defined here; the renewal job needs signing/ and is not implemented in the archive.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from archive.metadata import SignatureSummary


class Verifier(Protocol):
    def summarise(self, chunks: Iterator[bytes]) -> SignatureSummary | None:
        """The signature verdict of a document, or None when it carries no signature."""
        ...


class Anchorer(Protocol):
    def timestamp(self, digest: bytes) -> bytes:
        """An RFC 3161 time-stamp token (DER ContentInfo) over a SHA-256 ``digest``."""
        ...


class LtaRenewer(Protocol):
    def needs_renewal(self, chunks: Iterator[bytes]) -> bool:
        """Whether the newest document time-stamp nears expiry or an algorithm's end of life."""
        ...

    def renew(self, chunks: Iterator[bytes]) -> bytes:
        """The document with a fresh document time-stamp appended (a new LTA version)."""
        ...
