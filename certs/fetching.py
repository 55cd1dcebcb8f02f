"""pyHanko's OCSP and CRL fetchers over a ``UrlSource`` (``certs.sources``: HTTP, bounded, or
kyso's own PKI in-process), shared by signing (B-LT embeds what they fetch) and verification.

What was fetched is remembered, so a report can say where each piece of evidence came from;
what could not be fetched or parsed is remembered too (``unreachable``), so a report can name
the responder that did not answer. Answers are parsed whole as they arrive: a broken one is
a reason, never an exception later inside pyHanko.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Iterable
from typing import TypeAlias

from asn1crypto import cms, crl, ocsp, x509
from pyhanko_certvalidator.authority import Authority
from pyhanko_certvalidator.errors import CRLFetchError, OCSPFetchError, OCSPValidationError
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

from certs.revcache import RevocationCache
from certs.sources import UrlSource
from common.errors import KysoError

AnyCert: TypeAlias = x509.Certificate | cms.AttributeCertificateV2
#: what asn1crypto raises on bytes that are not the structure they claim to be (it parses
#: lazily: a broken answer may only fail when a field is read)
_ASN1_ERRORS = (ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError)


def _unusable(url: str, what: str, exc: Exception) -> str:
    text = str(exc)
    reason = text if 0 < len(text) <= 80 else type(exc).__name__  # asn1crypto quotes data
    return f"{url}: not a usable {what} ({reason})"


class SourceOcspFetcher(OCSPFetcher):
    def __init__(self, source: UrlSource, shared: RevocationCache | None = None) -> None:
        self.source = source
        #: answers kept between verifications (a batch, a verifier process), while valid
        self.shared = shared
        self.cache: dict[tuple[object, object], ocsp.OCSPResponse] = {}
        self.urls: dict[int, str] = {}
        #: why each responder that was asked gave nothing usable
        self.unreachable: dict[str, str] = {}

    async def fetch(self, cert: AnyCert, authority: Authority) -> ocsp.OCSPResponse:
        key = (issuer_serial(cert), authority.hashable)
        if key in self.cache:
            return self.cache[key]
        kept = self.shared.find_ocsp(key) if self.shared is not None else None
        if kept is not None:
            self.cache[key], self.urls[id(kept[0])] = kept
            return kept[0]
        request = format_ocsp_request(
            cert, authority, certid_hash_algo="sha256", request_nonces=True
        )
        for url in get_ocsp_urls(cert):
            try:
                der = await self.source.post(url, request.dump(), "application/ocsp-request")
                response = process_ocsp_response_data(der, ocsp_request=request, ocsp_url=url)
                response.native  # noqa: B018 - parses all of it now, not later in pyHanko
            except KysoError as exc:
                self.unreachable[url] = exc.message
                continue
            except (OCSPFetchError, OCSPValidationError, *_ASN1_ERRORS) as exc:
                self.unreachable[url] = _unusable(url, "OCSP response", exc)
                continue
            self.cache[key] = response
            self.urls[id(response)] = url
            if self.shared is not None:
                self.shared.keep_ocsp(key, response, url)
            return response
        raise OCSPFetchError("no OCSP responder answered")

    def fetched_responses(self) -> Iterable[ocsp.OCSPResponse]:
        return list(self.cache.values())

    def fetched_responses_for_cert(self, cert: AnyCert) -> Iterable[ocsp.OCSPResponse]:
        wanted = issuer_serial(cert)
        return [resp for (serial, _), resp in self.cache.items() if serial == wanted]


class SourceCrlFetcher(CRLFetcher):
    def __init__(self, source: UrlSource, shared: RevocationCache | None = None) -> None:
        self.source = source
        self.shared = shared
        self.by_cert: dict[object, list[crl.CertificateList]] = {}
        self.by_url: dict[str, crl.CertificateList] = {}
        #: why each distribution point that was asked gave nothing usable
        self.unreachable: dict[str, str] = {}

    async def fetch(
        self, cert: AnyCert, *, use_deltas: bool | None = None
    ) -> list[crl.CertificateList]:
        key = issuer_serial(cert)
        if key in self.by_cert:
            return self.by_cert[key]
        found: list[crl.CertificateList] = []
        for point in get_relevant_crl_dps(cert, use_deltas=bool(use_deltas)):
            for url in enumerate_delivery_point_urls(point):
                if url not in self.by_url and not await self._fetch(url):
                    continue
                found.append(self.by_url[url])
        if not found:
            raise CRLFetchError("no CRL could be fetched")
        self.by_cert[key] = found
        return found

    async def _fetch(self, url: str) -> bool:
        kept = self.shared.find_crl(url) if self.shared is not None else None
        if kept is not None:
            self.by_url[url] = kept
            return True
        try:
            certificate_list = crl.CertificateList.load(await self.source.get(url))
            certificate_list.native  # noqa: B018 - parses all of it now, not later in pyHanko
        except KysoError as exc:
            self.unreachable[url] = exc.message
            return False
        except _ASN1_ERRORS as exc:
            self.unreachable[url] = _unusable(url, "CRL", exc)
            return False
        self.by_url[url] = certificate_list
        if self.shared is not None:
            self.shared.keep_crl(url, certificate_list)
        return True

    def fetched_crls(self) -> Iterable[crl.CertificateList]:
        return list(self.by_url.values())

    def fetched_crls_for_cert(self, cert: AnyCert) -> Iterable[crl.CertificateList]:
        # KeyError when not fetched yet: that is how pyHanko knows it has to call ``fetch``
        return self.by_cert[issuer_serial(cert)]


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
    """pyHanko's fetcher backend over a ``UrlSource`` (one per validation; ``shared`` keeps
    answers between validations)."""

    def __init__(self, source: UrlSource, shared: RevocationCache | None = None) -> None:
        self.fetchers, self.ocsp, self.crl = fetchers_for(source, shared)

    def get_fetchers(self) -> Fetchers:
        return self.fetchers

    async def close(self) -> None:
        return None


def fetchers_for(
    source: UrlSource, shared: RevocationCache | None = None
) -> tuple[Fetchers, SourceOcspFetcher, SourceCrlFetcher]:
    ocsp_fetcher = SourceOcspFetcher(source, shared)
    crl_fetcher = SourceCrlFetcher(source, shared)
    fetchers = Fetchers(
        ocsp_fetcher=ocsp_fetcher, crl_fetcher=crl_fetcher, cert_fetcher=NoCertificateFetcher()
    )
    return fetchers, ocsp_fetcher, crl_fetcher
