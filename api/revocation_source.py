"""Revocation data for kyso's own certificates answered in-process (no HTTP to ourselves)."""

from __future__ import annotations

from urllib.parse import urlsplit

from certs.ocsp import OcspResponder
from certs.revocation import Revocation
from verify.fetch import HttpRevocationSource


class LocalRevocationSource:
    """``verify.options.RevocationSource`` answering this service's URLs from the PKI itself."""

    def __init__(self, public_url: str, revocation: Revocation, ocsp: OcspResponder) -> None:
        self._base = urlsplit(public_url.rstrip("/"))
        self._revocation = revocation
        self._ocsp = ocsp
        self._http = HttpRevocationSource()

    def _local_path(self, url: str) -> str | None:
        parts = urlsplit(url)
        if (parts.scheme, parts.netloc) != (self._base.scheme, self._base.netloc):
            return None
        return parts.path[len(self._base.path) :]

    def get(self, url: str) -> bytes:
        path = self._local_path(url)
        if path is not None and path.startswith("/pki/crl/") and path.endswith(".crl"):
            return self._revocation.crl(path.removeprefix("/pki/crl/").removesuffix(".crl"))
        return self._http.get(url)

    def post(self, url: str, body: bytes, content_type: str) -> bytes:
        if self._local_path(url) == "/pki/ocsp":
            return self._ocsp.respond(body)
        return self._http.post(url, body, content_type)
