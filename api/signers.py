"""The signing material of a process: built once, on first use, and signers kept per certificate.

Signing needs kyso's PKI to exist (its TSA, its roots), which a process may create after its
services are built (``kyso pki init``, the development PKI on first start) or never
(``kyso verify`` without a PKI): so this is built the first time a signature is asked for,
then kept for the life of the process. A ``PadesSigner`` keeps per-process caches (the
signature size estimate of each level, the TSA client); ``signer(serial)`` gives the same one
for a certificate each time (``signing.cache.SignerCache``), after checking again that the
certificate may sign now (revoked or expired since: refused, as before).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from api import build
from api.settings import Settings
from common.clock import Clock

if TYPE_CHECKING:
    from certs.keys import KeyStore
    from certs.pki import Pki
    from certs.tsa import TimeStampAuthority
    from signing.cache import SignerCache
    from signing.pades import PadesSigner, SigningContext
    from signing.timestamps import TimeStampSource


class Signing:
    """The process's time-stamp source, signing context, own TSA and signers (thread-safe)."""

    def __init__(self, settings: Settings, pki: Pki, store: KeyStore, clock: Clock) -> None:
        self._settings = settings
        self._pki = pki
        self._store = store
        self._clock = clock
        self._lock = threading.Lock()
        self._source: TimeStampSource | None = None
        self._context: SigningContext | None = None
        self._tsa: TimeStampAuthority | None = None
        self._signers: SignerCache | None = None

    @property
    def timestamp_source(self) -> TimeStampSource:
        with self._lock:
            if self._source is None:
                self._source = build.timestamp_source(self._settings, self._pki)
            return self._source

    @property
    def tsa(self) -> TimeStampAuthority:
        """kyso's own TSA (the /pki/tsa endpoint)."""
        from certs.tsa import tsa_from_pki

        with self._lock:
            if self._tsa is None:
                self._tsa = tsa_from_pki(self._pki)
            return self._tsa

    @property
    def context(self) -> SigningContext:
        """Trust and revocation from kyso's own PKI (in-process; HTTP for others), time-stamps
        from ``timestamp_source``."""
        from signing.pades import SigningContext
        from signing.pki_adapter import trust_from_pki

        source = self.timestamp_source
        with self._lock:
            if self._context is None:
                fallback = build.http_source(self._settings)
                self._context = SigningContext(
                    trust=trust_from_pki(self._pki, fallback=fallback),
                    timestamps=source,
                    clock=self._clock,
                )
            return self._context

    @property
    def signers(self) -> SignerCache:
        """The process's signers, one per certificate (``signing.cache``), made on first use."""
        from signing.cache import SignerCache

        context = self.context
        with self._lock:
            if self._signers is None:
                self._signers = SignerCache(self._pki, self._store, context)
            return self._signers

    def signer(self, serial: str) -> PadesSigner:
        """The signer of certificate ``serial``; raises SigningError when it may not sign."""
        return self.signers.signer(serial)
