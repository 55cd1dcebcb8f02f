"""RFC 3161 time-stamps for pyHanko from any ``TimeStampSource`` (in-process TSA or HTTP)."""

from __future__ import annotations

from typing import Protocol

import httpx
from asn1crypto import tsp
from pyhanko.sign.timestamps import TimeStamper

from signing.errors import SigningBackendError


class TimeStampSource(Protocol):
    """Anything that answers a DER TimeStampReq with a DER TimeStampResp."""

    def respond(self, request_der: bytes) -> bytes: ...


class HttpTimeStampSource:
    """A remote TSA reached over HTTP (``application/timestamp-query``)."""

    def __init__(self, url: str, timeout: float = 10.0) -> None:
        self.url = url
        self.timeout = timeout

    def respond(self, request_der: bytes) -> bytes:
        try:
            response = httpx.post(
                self.url,
                content=request_der,
                headers={"Content-Type": "application/timestamp-query"},
                timeout=self.timeout,
            )
            response.raise_for_status()
        except httpx.HTTPError as exc:
            raise SigningBackendError("tsa_unreachable", f"time-stamp authority: {exc}") from exc
        return response.content


class SourceTimeStamper(TimeStamper):
    """pyHanko ``TimeStamper`` over a ``TimeStampSource``."""

    def __init__(self, source: TimeStampSource) -> None:
        super().__init__(include_nonce=True)  # type: ignore[no-untyped-call]
        self.source = source

    async def async_request_tsa_response(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
        der = self.source.respond(req.dump())
        try:
            return tsp.TimeStampResp.load(der)
        except ValueError as exc:
            raise SigningBackendError("tsa_bad_response", "unreadable time-stamp response") from exc
