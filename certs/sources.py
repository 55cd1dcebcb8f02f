"""Revocation data by URL, shared by signing (B-LT embeds it) and verification: where the
bytes come from (``certs.fetching`` turns them into pyHanko's OCSP and CRL fetchers).

pyHanko asks its fetchers for OCSP responses and CRLs by the URLs in certificates; a
``UrlSource`` answers them: ``HttpUrlSource`` over HTTP (what a third party does) or
``PkiUrlSource`` straight from kyso's own PKI in-process for kyso's URLs (no web server
needed, no request to ourselves), other URLs going to a fallback. Only URLs the
``FetchPolicy`` allows are asked over HTTP (``certs.fetch_policy``: no loopback, private or
link-local address unless the operator trusts that host).

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
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Protocol

from certs.errors import RevocationUnreachableError
from certs.fetch_policy import FetchPolicy
from certs.pki_view import SqlitePkiView
from common.errors import KysoError

if TYPE_CHECKING:  # the PKI (SQLAlchemy's ORM, 0.5 s to import) only for kyso's own URLs
    import httpx  # and httpx (0.1 s) only when something is fetched over HTTP

    from certs.ocsp import OcspResponder
    from certs.pki import Pki
    from certs.pki_view import RevocationBook

log = logging.getLogger(__name__)
_CRL_PATH = re.compile(r"/pki/crl/(?P<ca>[A-Za-z0-9_-]+)\.crl$")
_OCSP_PATH = re.compile(r"/pki/ocsp/?$")
_MB = 1024 * 1024
#: a fetch's defaults: the whole answer within 10 s, at most 10 MB (a national CRL of
#: 100,000 entries is about 4 MB)
FETCH_TIMEOUT_SECONDS = 10.0
FETCH_MAX_BYTES = 10 * _MB
#: redirects followed by one fetch (each hop is checked against the fetch policy)
MAX_REDIRECTS = 3


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
