"""OCSP responses and CRLs kept between verifications, each only while it is valid.

A batch of documents signed under one CA (``kyso verify dir/``) or a verifier process that
serves many requests asks the same responders about the same certificates again and again.
One ``RevocationCache`` per batch or per process keeps what was fetched: an OCSP response
until its ``nextUpdate`` (a response without one is never reused: RFC 6960 4.2.2.1 then says
newer information is always available) and a CRL until its ``nextUpdate``, in both cases at
most ``max_age`` seconds after it was fetched. Only what a fetcher accepted is kept (parsed,
the nonce checked); pyHanko still validates each use against that verification's moment and
trust, so a cached answer proves no more than a fresh one would. Failures are not kept: a
responder down for one document is asked again for the next.

URLs starting with one of ``uncached_prefixes`` are never kept: the API passes kyso's own
public URL there, because its own CRL/OCSP answers come in-process from the database, cheap
and current (a revocation made a second ago counts at once).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Generic, TypeVar

from asn1crypto import crl, ocsp

#: how long an answer is kept at most, whatever its nextUpdate says
DEFAULT_MAX_AGE_SECONDS = 300.0
_T = TypeVar("_T")
_K = TypeVar("_K")


@dataclass(frozen=True)
class _Entry(Generic[_T]):
    value: _T
    url: str
    expires: float


def _epoch(moment: datetime | None) -> float | None:
    if moment is None:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def ocsp_next_update(response: ocsp.OCSPResponse) -> datetime | None:
    """The earliest nextUpdate among the response's single responses (None if one has none)."""
    data = response["response_bytes"]["response"].parsed["tbs_response_data"]
    found: list[datetime] = []
    for single in data["responses"]:
        moment = single["next_update"].native
        if moment is None:
            return None
        found.append(moment)
    return min(found) if found else None


class RevocationCache:
    """What the fetchers of many verifications share (one process: no locking)."""

    def __init__(
        self,
        max_age: float = DEFAULT_MAX_AGE_SECONDS,
        uncached_prefixes: tuple[str, ...] = (),
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.max_age = max_age
        self.uncached_prefixes = tuple(p for p in uncached_prefixes if p)
        self.clock = clock
        self._ocsp: dict[object, _Entry[ocsp.OCSPResponse]] = {}
        self._crl: dict[str, _Entry[crl.CertificateList]] = {}
        #: answers served from the cache / fetched and kept (the tests and the bench read them)
        self.hits = 0
        self.stored = 0

    def _keeps(self, url: str) -> bool:
        return self.max_age > 0 and not url.startswith(self.uncached_prefixes)

    def _expiry(self, next_update: datetime | None) -> float | None:
        limit = _epoch(next_update)
        if limit is None:
            return None
        return min(self.clock() + self.max_age, limit)

    def _live(self, table: dict[_K, _Entry[_T]], key: _K) -> _Entry[_T] | None:
        entry = table.get(key)
        if entry is None:
            return None
        if entry.expires <= self.clock():
            del table[key]
            return None
        self.hits += 1
        return entry

    def _serves(self, table: dict[_K, _Entry[_T]], key: _K, value: object) -> bool:
        entry = table.get(key)
        return entry is not None and entry.value is value and entry.expires > self.clock()

    def serves_ocsp(self, key: object, response: ocsp.OCSPResponse) -> bool:
        """Is ``response`` what ``find_ocsp(key)`` gives now? (not counted as a hit)"""
        return self._serves(self._ocsp, key, response)

    def serves_crl(self, url: str, certificate_list: crl.CertificateList) -> bool:
        return self._serves(self._crl, url, certificate_list)

    def find_ocsp(self, key: object) -> tuple[ocsp.OCSPResponse, str] | None:
        """A valid response kept for ``key`` (certificate and issuer), and its URL."""
        entry = self._live(self._ocsp, key)
        return None if entry is None else (entry.value, entry.url)

    def keep_ocsp(self, key: object, response: ocsp.OCSPResponse, url: str) -> None:
        if not self._keeps(url):
            return
        try:
            expires = self._expiry(ocsp_next_update(response))
        except (KeyError, ValueError, TypeError, AttributeError):
            return  # not a successful basic response: nothing to keep
        if expires is not None and expires > self.clock():
            self._ocsp[key] = _Entry(response, url, expires)
            self.stored += 1

    def find_crl(self, url: str) -> crl.CertificateList | None:
        entry = self._live(self._crl, url)
        return None if entry is None else entry.value

    def keep_crl(self, url: str, certificate_list: crl.CertificateList) -> None:
        if not self._keeps(url):
            return
        try:
            next_update = certificate_list["tbs_cert_list"]["next_update"].native
        except (KeyError, ValueError, TypeError):
            return
        expires = self._expiry(next_update)
        if expires is not None and expires > self.clock():
            self._crl[url] = _Entry(certificate_list, url, expires)
            self.stored += 1
