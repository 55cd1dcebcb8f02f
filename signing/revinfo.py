"""Trust material and revocation fetching for signing (B-LT/B-LTA embed what is fetched here).

pyHanko asks its fetchers for OCSP responses and CRLs by the URLs in the certificates.
``UrlFetcher`` answers those URLs: over HTTP in production, or straight from kyso's own PKI
in-process (``signing.pki_adapter``) so that signing needs no running web server.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Iterable
from dataclasses import dataclass
from typing import Protocol, TypeAlias

import httpx
from asn1crypto import cms, crl, ocsp, x509
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.authority import Authority
from pyhanko_certvalidator.errors import CRLFetchError, OCSPFetchError
from pyhanko_certvalidator.fetchers.api import (
    CertificateFetcher,
    CRLFetcher,
    Fetchers,
    OCSPFetcher,
)
from pyhanko_certvalidator.fetchers.common_utils import (
    enumerate_delivery_point_urls,
    format_ocsp_request,
    process_ocsp_response_data,
)
from pyhanko_certvalidator.util import get_ocsp_urls, get_relevant_crl_dps, issuer_serial

from signing.errors import SigningBackendError, SigningError

Cert: TypeAlias = x509.Certificate | cms.AttributeCertificateV2


class UrlFetcher(Protocol):
    """Fetch revocation data by URL: GET a CRL, POST an OCSP request."""

    def get(self, url: str) -> bytes: ...

    def post(self, url: str, body: bytes, content_type: str) -> bytes: ...


class HttpUrlFetcher:
    def __init__(self, timeout: float = 10.0) -> None:
        self.timeout = timeout

    def get(self, url: str) -> bytes:
        try:
            response = httpx.get(url, timeout=self.timeout)
            response.raise_for_status()
        except httpx.HTTPError as exc:
            raise SigningBackendError("revocation_unreachable", f"{url}: {exc}") from exc
        return response.content

    def post(self, url: str, body: bytes, content_type: str) -> bytes:
        try:
            response = httpx.post(
                url, content=body, headers={"Content-Type": content_type}, timeout=self.timeout
            )
            response.raise_for_status()
        except httpx.HTTPError as exc:
            raise SigningBackendError("revocation_unreachable", f"{url}: {exc}") from exc
        return response.content


class _Ocsp(OCSPFetcher):
    def __init__(self, urls: UrlFetcher) -> None:
        self.urls = urls
        self.results: dict[tuple[object, object], ocsp.OCSPResponse] = {}

    async def fetch(self, cert: Cert, authority: Authority) -> ocsp.OCSPResponse:
        key = (issuer_serial(cert), authority.hashable)
        if key in self.results:
            return self.results[key]
        request = format_ocsp_request(
            cert, authority, certid_hash_algo="sha256", request_nonces=True
        )
        for url in get_ocsp_urls(cert):
            try:
                der = self.urls.post(url, request.dump(), "application/ocsp-request")
            except SigningError:
                continue
            response = process_ocsp_response_data(der, ocsp_request=request, ocsp_url=url)
            self.results[key] = response
            return response
        raise OCSPFetchError("no OCSP response could be fetched")

    def fetched_responses(self) -> Iterable[ocsp.OCSPResponse]:
        return list(self.results.values())

    def fetched_responses_for_cert(self, cert: Cert) -> Iterable[ocsp.OCSPResponse]:
        target = issuer_serial(cert)
        return [resp for key, resp in self.results.items() if key[0] == target]


class _Crl(CRLFetcher):
    def __init__(self, urls: UrlFetcher) -> None:
        self.urls = urls
        self.by_cert: dict[object, list[crl.CertificateList]] = {}
        self.by_url: dict[str, crl.CertificateList] = {}

    async def fetch(
        self, cert: Cert, *, use_deltas: bool | None = None
    ) -> list[crl.CertificateList]:
        key = issuer_serial(cert)
        if key in self.by_cert:
            return self.by_cert[key]
        found = []
        for point in get_relevant_crl_dps(cert, use_deltas=bool(use_deltas)):
            for url in enumerate_delivery_point_urls(point):
                if url not in self.by_url:
                    try:
                        self.by_url[url] = crl.CertificateList.load(self.urls.get(url))
                    except (SigningError, ValueError):
                        continue
                found.append(self.by_url[url])
        if not found:
            raise CRLFetchError("no CRL could be fetched")
        self.by_cert[key] = found
        return found

    def fetched_crls(self) -> Iterable[crl.CertificateList]:
        return list(self.by_url.values())

    def fetched_crls_for_cert(self, cert: Cert) -> Iterable[crl.CertificateList]:
        return self.by_cert[issuer_serial(cert)]


class _NoCerts(CertificateFetcher):
    """Issuer certificates come with the signer's chain: nothing is fetched by AIA."""

    async def fetch_cert_issuers(self, cert: Cert) -> AsyncGenerator[x509.Certificate, None]:
        for _ in ():
            yield _

    async def fetch_crl_issuers(
        self, certificate_list: crl.CertificateList
    ) -> AsyncGenerator[x509.Certificate, None]:
        for _ in ():
            yield _

    def fetched_certs(self) -> Iterable[x509.Certificate]:
        return []


@dataclass(frozen=True)
class TrustMaterial:
    """The roots signers chain up to, other CA certificates, and how to reach revocation data."""

    roots: tuple[x509.Certificate, ...]
    intermediates: tuple[x509.Certificate, ...] = ()
    fetcher: UrlFetcher | None = None

    def validation_context(self, *, fetch: bool) -> ValidationContext:
        """A fresh context (pyHanko contexts collect state: one per signature)."""
        if fetch and self.fetcher is None:
            raise SigningError("revocation_source_missing", "B-LT needs a revocation source")
        if not fetch or self.fetcher is None:
            return ValidationContext(
                trust_roots=list(self.roots), other_certs=list(self.intermediates)
            )
        fetchers = Fetchers(
            ocsp_fetcher=_Ocsp(self.fetcher),
            crl_fetcher=_Crl(self.fetcher),
            cert_fetcher=_NoCerts(),
        )
        return ValidationContext(
            trust_roots=list(self.roots),
            other_certs=list(self.intermediates),
            allow_fetching=True,
            fetchers=fetchers,
            revocation_mode="hard-fail",
        )
