"""Revocation data by URL, shared by signing (B-LT embeds it) and verification.

pyHanko asks its fetchers for OCSP responses and CRLs by the URLs in certificates; a
``UrlSource`` answers them: ``HttpUrlSource`` over HTTP (what a third party does) or
``PkiUrlSource`` straight from kyso's own PKI in-process for kyso's URLs (no web server
needed, no request to ourselves), other URLs going to a fallback. What was fetched is
remembered, so a report can say where each piece of evidence came from.
"""

from __future__ import annotations

import re
from collections.abc import AsyncGenerator, Iterable
from typing import Protocol, TypeAlias

import httpx
from asn1crypto import cms, crl, ocsp, x509
from pyhanko_certvalidator.authority import Authority
from pyhanko_certvalidator.errors import CRLFetchError, OCSPFetchError
from pyhanko_certvalidator.fetchers.api import (
    CertificateFetcher,
    CRLFetcher,
    FetcherBackend,
    Fetchers,
    OCSPFetcher,
)
from pyhanko_certvalidator.fetchers.common_utils import (
    enumerate_delivery_point_urls,
    format_ocsp_request,
    process_ocsp_response_data,
)
from pyhanko_certvalidator.util import get_ocsp_urls, get_relevant_crl_dps, issuer_serial

from certs.errors import RevocationUnreachableError
from certs.ocsp import OcspResponder
from certs.pki import Pki
from certs.revocation import Revocation
from common.errors import KysoError

AnyCert: TypeAlias = x509.Certificate | cms.AttributeCertificateV2
_CRL_PATH = re.compile(r"/pki/crl/(?P<ca>[A-Za-z0-9_-]+)\.crl$")
_OCSP_PATH = re.compile(r"/pki/ocsp/?$")


class UrlSource(Protocol):
    """Fetches revocation data by URL: GET a CRL, POST an OCSP request; raises a KysoError
    when the URL cannot be answered."""

    def get(self, url: str) -> bytes: ...

    def post(self, url: str, body: bytes, content_type: str) -> bytes: ...


class HttpUrlSource:
    """Plain HTTP, what a third party's verifier does."""

    def __init__(self, timeout: float = 10.0) -> None:
        self.timeout = timeout

    def get(self, url: str) -> bytes:
        try:
            response = httpx.get(url, timeout=self.timeout)
            response.raise_for_status()
        except httpx.HTTPError as exc:
            raise RevocationUnreachableError(message=f"{url}: {exc}") from exc
        return response.content

    def post(self, url: str, body: bytes, content_type: str) -> bytes:
        try:
            response = httpx.post(
                url, content=body, headers={"Content-Type": content_type}, timeout=self.timeout
            )
            response.raise_for_status()
        except httpx.HTTPError as exc:
            raise RevocationUnreachableError(message=f"{url}: {exc}") from exc
        return response.content


class PkiUrlSource:
    """Answers kyso's own CRL and OCSP URLs from the PKI in-process; others go to ``fallback``."""

    def __init__(
        self,
        pki: Pki,
        fallback: UrlSource | None = None,
        revocation: Revocation | None = None,
        responder: OcspResponder | None = None,
    ) -> None:
        self.base = pki.options.public_url.rstrip("/")
        self.revocation = revocation or Revocation(pki)
        self.responder = responder or OcspResponder(pki, self.revocation)
        self.fallback = fallback

    def _own(self, url: str) -> str | None:
        return url[len(self.base) :] if url.startswith(self.base + "/") else None

    def _fallback(self, url: str) -> UrlSource:
        if self.fallback is None:
            raise RevocationUnreachableError(message=f"no source for {url}")
        return self.fallback

    def get(self, url: str) -> bytes:
        path = self._own(url)
        match = _CRL_PATH.search(path) if path is not None else None
        if match is not None:
            return self.revocation.crl(match["ca"])
        return self._fallback(url).get(url)

    def post(self, url: str, body: bytes, content_type: str) -> bytes:
        path = self._own(url)
        if path is not None and _OCSP_PATH.search(path):
            return self.responder.respond(body)
        return self._fallback(url).post(url, body, content_type)


class SourceOcspFetcher(OCSPFetcher):
    def __init__(self, source: UrlSource) -> None:
        self.source = source
        self.cache: dict[tuple[object, object], ocsp.OCSPResponse] = {}
        self.urls: dict[int, str] = {}

    async def fetch(self, cert: AnyCert, authority: Authority) -> ocsp.OCSPResponse:
        key = (issuer_serial(cert), authority.hashable)
        if key in self.cache:
            return self.cache[key]
        request = format_ocsp_request(
            cert, authority, certid_hash_algo="sha256", request_nonces=True
        )
        for url in get_ocsp_urls(cert):
            try:
                der = self.source.post(url, request.dump(), "application/ocsp-request")
            except KysoError:
                continue
            response = process_ocsp_response_data(der, ocsp_request=request, ocsp_url=url)
            self.cache[key] = response
            self.urls[id(response)] = url
            return response
        raise OCSPFetchError("no OCSP responder answered")

    def fetched_responses(self) -> Iterable[ocsp.OCSPResponse]:
        return list(self.cache.values())

    def fetched_responses_for_cert(self, cert: AnyCert) -> Iterable[ocsp.OCSPResponse]:
        wanted = issuer_serial(cert)
        return [resp for (serial, _), resp in self.cache.items() if serial == wanted]


class SourceCrlFetcher(CRLFetcher):
    def __init__(self, source: UrlSource) -> None:
        self.source = source
        self.by_cert: dict[object, list[crl.CertificateList]] = {}
        self.by_url: dict[str, crl.CertificateList] = {}

    async def fetch(
        self, cert: AnyCert, *, use_deltas: bool | None = None
    ) -> list[crl.CertificateList]:
        key = issuer_serial(cert)
        if key in self.by_cert:
            return self.by_cert[key]
        found: list[crl.CertificateList] = []
        for point in get_relevant_crl_dps(cert, use_deltas=bool(use_deltas)):
            for url in enumerate_delivery_point_urls(point):
                if url not in self.by_url:
                    try:
                        self.by_url[url] = crl.CertificateList.load(self.source.get(url))
                    except (KysoError, ValueError):
                        continue
                found.append(self.by_url[url])
        if not found:
            raise CRLFetchError("no CRL could be fetched")
        self.by_cert[key] = found
        return found

    def fetched_crls(self) -> Iterable[crl.CertificateList]:
        return list(self.by_url.values())

    def fetched_crls_for_cert(self, cert: AnyCert) -> Iterable[crl.CertificateList]:
        return self.by_cert.get(issuer_serial(cert), [])


class NoCertificateFetcher(CertificateFetcher):
    """Issuers come from the signature and the trust store: no AIA chasing (URLs an attacker
    chose)."""

    async def fetch_cert_issuers(self, cert: AnyCert) -> AsyncGenerator[x509.Certificate, None]:
        nothing: tuple[x509.Certificate, ...] = ()
        for item in nothing:
            yield item

    async def fetch_crl_issuers(
        self, certificate_list: crl.CertificateList
    ) -> AsyncGenerator[x509.Certificate, None]:
        nothing: tuple[x509.Certificate, ...] = ()
        for item in nothing:
            yield item

    def fetched_certs(self) -> Iterable[x509.Certificate]:
        return []


class SourceFetcherBackend(FetcherBackend):
    """pyHanko's fetcher backend over a ``UrlSource`` (one per validation)."""

    def __init__(self, source: UrlSource) -> None:
        self.fetchers, self.ocsp, self.crl = fetchers_for(source)

    def get_fetchers(self) -> Fetchers:
        return self.fetchers

    async def close(self) -> None:
        return None


def fetchers_for(source: UrlSource) -> tuple[Fetchers, SourceOcspFetcher, SourceCrlFetcher]:
    ocsp_fetcher = SourceOcspFetcher(source)
    crl_fetcher = SourceCrlFetcher(source)
    fetchers = Fetchers(
        ocsp_fetcher=ocsp_fetcher, crl_fetcher=crl_fetcher, cert_fetcher=NoCertificateFetcher()
    )
    return fetchers, ocsp_fetcher, crl_fetcher
