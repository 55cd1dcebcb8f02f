"""Trust material for signing: roots, other CAs, and where revocation data comes from
(B-LT/B-LTA embed what is fetched; ``certs.sources`` and ``certs.fetching`` do the fetching)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from asn1crypto import x509
from pyhanko_certvalidator import ValidationContext

from certs.fetching import fetchers_for
from certs.sources import UrlSource
from signing.errors import SigningError

#: how much newer than the signing context's moment fetched revocation data may be
FETCH_TOLERANCE = timedelta(minutes=2)


@dataclass(frozen=True)
class TrustMaterial:
    """The roots signers chain up to, other CA certificates, and how to reach revocation data."""

    roots: tuple[x509.Certificate, ...]
    intermediates: tuple[x509.Certificate, ...] = ()
    fetcher: UrlSource | None = None

    def validation_context(self, *, fetch: bool) -> ValidationContext:
        """A fresh context (pyHanko contexts collect state: one per signature)."""
        if fetch and self.fetcher is None:
            raise SigningError("revocation_source_missing", "B-LT needs a revocation source")
        # the context's "now" is fixed when it is made; the OCSP responses and CRLs fetched
        # while signing (after loading the key, on a loaded server) are dated later: with
        # pyHanko's 1 s tolerance they were "too recent" and signing at B-LT failed
        if not fetch or self.fetcher is None:
            return ValidationContext(
                trust_roots=list(self.roots),
                other_certs=list(self.intermediates),
                time_tolerance=FETCH_TOLERANCE,
            )
        fetchers, _ocsp, _crl = fetchers_for(self.fetcher)
        return ValidationContext(
            trust_roots=list(self.roots),
            other_certs=list(self.intermediates),
            allow_fetching=True,
            fetchers=fetchers,
            revocation_mode="hard-fail",
            time_tolerance=FETCH_TOLERANCE,
        )
