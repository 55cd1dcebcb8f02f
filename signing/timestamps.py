"""RFC 3161 time-stamps from any ``TimeStampSource``: kyso's own TSA in-process
(``certs.tsa.TimeStampAuthority``) or an external one over HTTP (``HttpTimeStampSource``).

``SourceTimeStamper`` is pyHanko's ``TimeStamper`` over a source (pyHanko builds the request
and checks the answer's status and nonce); its ``timestamp`` is the same for callers without
an event loop (the archive's audit-log anchoring).
"""

from __future__ import annotations

import asyncio
from typing import Protocol

import httpx
from asn1crypto import cms, core, tsp
from pyhanko.sign.timestamps import TimeStamper, TimestampRequestError
from pyhanko.sign.timestamps.common_utils import handle_tsp_response

from certs.tsa import TimeStampAuthority
from signing.errors import SigningBackendError

QUERY = "application/timestamp-query"
REPLY = "application/timestamp-reply"
#: a TimeStampResp is a few kilobytes; anything far larger is not one
MAX_REPLY = 256 * 1024


class TimeStampSource(Protocol):
    """Anything that answers a DER TimeStampReq with a DER TimeStampResp."""

    def respond(self, request_der: bytes) -> bytes: ...


class HttpTimeStampSource:
    """An RFC 3161 TSA reached over HTTP (RFC 3161 section 3.4: a POST of
    ``application/timestamp-query``, answered with ``application/timestamp-reply``); no
    redirects are followed."""

    def __init__(self, url: str, timeout: float = 10.0) -> None:
        self.url = url
        self.timeout = timeout

    def respond(self, request_der: bytes) -> bytes:
        headers = {"Content-Type": QUERY, "Accept": REPLY}
        try:
            with (
                httpx.Client(timeout=self.timeout, follow_redirects=False) as client,
                client.stream("POST", self.url, content=request_der, headers=headers) as answer,
            ):
                answer.raise_for_status()
                kind = answer.headers.get("content-type", "").split(";")[0].strip()
                if kind != REPLY:
                    raise SigningBackendError(
                        "tsa_bad_response", f"the time-stamp authority answered {kind or 'nothing'}"
                    )
                body = b""
                for chunk in answer.iter_bytes():
                    body += chunk
                    if len(body) > MAX_REPLY:
                        raise SigningBackendError("tsa_bad_response", "time-stamp answer too large")
        except httpx.HTTPStatusError as exc:
            code = exc.response.status_code
            raise SigningBackendError("tsa_bad_response", f"the TSA answered HTTP {code}") from exc
        except httpx.HTTPError as exc:
            raise SigningBackendError("tsa_unreachable", f"time-stamp authority: {exc}") from exc
        return body


class _Answer(core.Sequence):  # type: ignore[misc]
    """A TimeStampResp whose token may be absent, as RFC 3161 has it when the TSA refuses
    (asn1crypto's ``TimeStampResp`` requires one)."""

    _fields = [  # noqa: RUF012 - asn1crypto schema
        ("status", tsp.PKIStatusInfo),
        ("time_stamp_token", cms.ContentInfo, {"optional": True}),
    ]


def _load(der: bytes, *, deep: bool = True) -> tsp.TimeStampResp:
    """The answer; a refusal is ``tsa_refused`` with the TSA's reasons. ``deep``: parsed
    fully now (an unreadable part is ``tsa_bad_response`` here, not an error inside pyHanko),
    on a copy of its own: asn1crypto objects whose ``.native`` was read re-encode their whole
    tree on every ``dump()``, which pyHanko calls many times per signature (seconds a B-T
    signature); the object returned is parsed afresh from the same bytes."""
    try:
        status = _Answer.load(der, strict=True)["status"]
        if status["status"].native not in ("granted", "granted_with_mods"):
            texts = "; ".join(status["status_string"].native or [])
            failures = ", ".join(sorted(status["fail_info"].native or []))
            raise SigningBackendError("tsa_refused", f"the TSA refused: {texts} ({failures})")
        if deep:
            tsp.TimeStampResp.load(der).native  # noqa: B018 - parse every part now
    except (ValueError, TypeError) as exc:
        raise SigningBackendError("tsa_bad_response", "unreadable time-stamp response") from exc
    return tsp.TimeStampResp.load(der)


class SourceTimeStamper(TimeStamper):
    """pyHanko ``TimeStamper`` over a ``TimeStampSource`` (asked from a worker thread: an HTTP
    TSA never blocks the event loop)."""

    def __init__(self, source: TimeStampSource) -> None:
        super().__init__(include_nonce=True)  # type: ignore[no-untyped-call]
        self.source = source
        # kyso's own TSA answers in this process: its bytes are not foreign input
        self._deep = not isinstance(source, TimeStampAuthority)

    async def async_request_tsa_response(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
        return _load(await asyncio.to_thread(self.source.respond, req.dump()), deep=self._deep)

    async def async_timestamp(self, message_digest: bytes, md_algorithm: str) -> cms.ContentInfo:
        try:
            token: cms.ContentInfo = await super().async_timestamp(message_digest, md_algorithm)
        except TimestampRequestError as exc:
            raise SigningBackendError("tsa_refused", str(exc)) from exc
        return token

    def timestamp(self, message_digest: bytes, md_algorithm: str = "sha256") -> cms.ContentInfo:
        """The token for ``message_digest``, without an event loop: the request pyHanko
        builds, the same checks of the answer."""
        nonce, request = self.request_cms(message_digest, md_algorithm)  # type: ignore[no-untyped-call]
        try:
            token: cms.ContentInfo = handle_tsp_response(
                _load(self.source.respond(request.dump()), deep=self._deep), nonce
            )
        except TimestampRequestError as exc:
            raise SigningBackendError("tsa_refused", str(exc)) from exc
        return token
