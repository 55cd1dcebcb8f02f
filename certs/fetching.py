"""Revocation data by URL, shared by signing (B-LT embeds it) and verification.

pyHanko asks its fetchers for OCSP responses and CRLs by the URLs in certificates; a
``UrlSource`` answers them: ``HttpUrlSource`` over HTTP (what a third party does) or
``PkiUrlSource`` straight from kyso's own PKI in-process for kyso's URLs (no web server
needed, no request to ourselves), other URLs going to a fallback. What was fetched is
remembered, so a report can say where each piece of evidence came from; what could not be
fetched is remembered too, so a report can name the responder that did not answer.
Only URLs the ``FetchPolicy`` allows are asked over HTTP (``certs.fetch_policy``: no
loopback, private or link-local address unless the operator trusts that host).

The URLs come from certificates, that is from whoever made the document: a responder may be
slow, down, or hostile. Each HTTP fetch has a total deadline (not only a timeout per read:
a server trickling one byte at a time defeats that) and a size cap (the body is streamed and
dropped at the cap); ``BudgetedSource`` bounds all the fetches of one verification together
and asks a URL that failed only once. A fetch that fails raises ``RevocationUnreachableError``:
the signature is then INDETERMINATE / TRY_LATER, never failed.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import AsyncGenerator, Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, Protocol, TypeAlias

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

from certs.errors import RevocationUnreachableError
from certs.fetch_policy import FetchPolicy
from certs.pki_view import SqlitePkiView
from certs.revcache import RevocationCache
from common.errors import KysoError

if TYPE_CHECKING:  # the PKI (SQLAlchemy's ORM, 0.5 s to import) only for kyso's own URLs
    import httpx  # and httpx (0.1 s) only when something is fetched over HTTP

    from certs.ocsp import OcspResponder
    from certs.pki import Pki
    from certs.pki_view import RevocationBook

log = logging.getLogger(__name__)
AnyCert: TypeAlias = x509.Certificate | cms.AttributeCertificateV2
_CRL_PATH = re.compile(r"/pki/crl/(?P<ca>[A-Za-z0-9_-]+)\.crl$")
_OCSP_PATH = re.compile(r"/pki/ocsp/?$")
_MB = 1024 * 1024
#: a fetch's defaults: the whole answer within 10 s, at most 10 MB (a national CRL of
#: 100,000 entries is about 4 MB)
FETCH_TIMEOUT_SECONDS = 10.0
FETCH_MAX_BYTES = 10 * _MB
#: redirects followed by one fetch (each hop is checked against the fetch policy)
MAX_REDIRECTS = 3
#: what asn1crypto raises on bytes that are not the structure they claim to be (it parses
#: lazily: a broken answer may only fail when a field is read)
_ASN1_ERRORS = (ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError)


class UrlSource(Protocol):
    """Fetches revocation data by URL: GET a CRL, POST an OCSP request; raises a KysoError
    when the URL cannot be answered."""

    async def get(self, url: str) -> bytes: ...

    async def post(self, url: str, body: bytes, content_type: str) -> bytes: ...


class HttpUrlSource:
    """HTTP, what a third party's verifier does: only where ``policy`` allows (by default
    public addresses only; redirects followed, each hop checked), each answer complete within
    ``timeout`` seconds and at most ``max_bytes`` long, or none."""

    def __init__(
        self,
        timeout: float = FETCH_TIMEOUT_SECONDS,
        max_bytes: int = FETCH_MAX_BYTES,
        policy: FetchPolicy | None = None,
    ) -> None:
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.policy = policy or FetchPolicy()

    async def get(self, url: str) -> bytes:
        return await self._fetch("GET", url, None, {})

    async def post(self, url: str, body: bytes, content_type: str) -> bytes:
        return await self._fetch("POST", url, body, {"Content-Type": content_type})

    async def _fetch(
        self, method: str, url: str, body: bytes | None, headers: dict[str, str]
    ) -> bytes:
        try:
            return await self._ask(method, url, body, headers)
        except RevocationUnreachableError as exc:
            log.info("revocation data not fetched: %s", exc.message)
            raise

    async def _ask(
        self, method: str, url: str, body: bytes | None, headers: dict[str, str]
    ) -> bytes:
        refused = self.policy.refusal(url)  # by its host name alone: no HTTP client needed
        if refused is not None:
            raise RevocationUnreachableError(message=f"{url}: not allowed: {refused}")
        import httpx

        from certs.fetch_refused import FetchRefused
        from certs.fetch_transport import GuardedTransport

        # identity only: a compressed answer under the cap could inflate to gigabytes
        headers = {**headers, "Accept-Encoding": "identity"}
        try:
            # the deadline covers everything (connect, headers, body): asyncio cancels the
            # read in progress, which httpx's own per-read timeouts never do for a trickle
            async with asyncio.timeout(self.timeout):
                async with httpx.AsyncClient(
                    timeout=self.timeout,
                    transport=GuardedTransport(self.policy),
                    follow_redirects=True,
                    max_redirects=MAX_REDIRECTS,
                ) as client:
                    request = client.build_request(method, url, content=body, headers=headers)
                    response = await client.send(request, stream=True)
                    try:
                        response.raise_for_status()
                        return await self._read(url, response)
                    finally:
                        await response.aclose()
        except TimeoutError as exc:
            raise RevocationUnreachableError(
                message=f"{url}: no complete answer within {self.timeout:g} s"
            ) from exc
        except FetchRefused as exc:
            hop = "" if exc.url == httpx.URL(url) else f"redirected to {exc.url}: "
            raise RevocationUnreachableError(message=f"{url}: {hop}{exc}") from exc
        except httpx.HTTPError as exc:
            raise RevocationUnreachableError(message=f"{url}: {exc}") from exc
        except httpx.InvalidURL as exc:  # not an HTTPError
            raise RevocationUnreachableError(message=f"{url}: not a usable URL ({exc})") from exc

    async def _read(self, url: str, response: httpx.Response) -> bytes:
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            raise self._too_large(url)
        body = bytearray()
        async for chunk in response.aiter_raw():
            body += chunk
            if len(body) > self.max_bytes:
                raise self._too_large(url)
        return bytes(body)

    def _too_large(self, url: str) -> RevocationUnreachableError:
        return RevocationUnreachableError(
            message=f"{url}: the answer is larger than {self.max_bytes // _MB or 1} MB"
        )


class BudgetedSource:
    """The fetches of one verification: ``seconds`` for all of them together, and a URL that
    failed is not asked again (the same reason is given). ``failures`` keeps each reason."""

    def __init__(self, source: UrlSource, seconds: float) -> None:
        self.source = source
        self.seconds = seconds
        self.deadline = time.monotonic() + seconds
        self.failures: dict[str, str] = {}

    async def get(self, url: str) -> bytes:
        return await self._within(url, lambda: self.source.get(url))

    async def post(self, url: str, body: bytes, content_type: str) -> bytes:
        return await self._within(url, lambda: self.source.post(url, body, content_type))

    async def _within(self, url: str, fetch: Callable[[], Awaitable[bytes]]) -> bytes:
        if url not in self.failures:
            left = self.deadline - time.monotonic()
            try:
                if left <= 0:
                    raise TimeoutError
                async with asyncio.timeout(left):
                    return await fetch()
            except TimeoutError:
                self.failures[url] = (
                    f"{url}: not asked or not answered within the {self.seconds:g} s "
                    "given to revocation look-ups"
                )
            except KysoError as exc:
                self.failures[url] = exc.message
        raise RevocationUnreachableError(message=self.failures[url])


class PkiUrlSource:
    """Answers kyso's CRL and OCSP URLs in-process (``Pki``, ``SqlitePkiView``); others: fallback"""

    def __init__(
        self,
        pki: Pki | SqlitePkiView,
        fallback: UrlSource | None = None,
        revocation: RevocationBook | None = None,
        responder: OcspResponder | None = None,
    ) -> None:
        self.base = pki.options.public_url.rstrip("/")
        from certs.ocsp import OcspResponder

        if isinstance(pki, SqlitePkiView):
            revocation = revocation or pki
        elif revocation is None:
            from certs.revocation import Revocation  # the ORM

            revocation = Revocation(pki)
        self.revocation = revocation
        self.responder = responder or OcspResponder(pki, revocation)
        self.fallback = fallback

    def _own(self, url: str) -> str | None:
        return url[len(self.base) :] if url.startswith(self.base + "/") else None

    def _fallback(self, url: str) -> UrlSource:
        if self.fallback is None:
            raise RevocationUnreachableError(message=f"no source for {url}")
        return self.fallback

    async def get(self, url: str) -> bytes:
        path = self._own(url)
        match = _CRL_PATH.search(path) if path is not None else None
        if match is not None:
            return self.revocation.crl(match["ca"])
        return await self._fallback(url).get(url)

    async def post(self, url: str, body: bytes, content_type: str) -> bytes:
        path = self._own(url)
        if path is not None and _OCSP_PATH.search(path):
            return self.responder.respond(body)
        return await self._fallback(url).post(url, body, content_type)


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
