"""Request size limits and security headers, as ASGI middleware."""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (
        b"content-security-policy",
        b"default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
        b"frame-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    ),
]


class TooLarge(Exception):
    pass


#: after the limit, up to this much more of the body is read and dropped before the 413 goes
#: out, so a client still sending the tail of a slightly-too-large body reads the answer
#: instead of a reset connection
DRAIN_BYTES = 1024 * 1024


class BodyLimitMiddleware:
    """Refuses bodies over ``max_bytes`` (by Content-Length, and by counting when chunked).

    A chunked body is counted as it is read: the read that crosses the limit raises
    ``TooLarge`` into the app. Whatever the app answers then (FastAPI turns any exception
    while parsing a form or JSON body into a 400) is replaced by the 413.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers", []))
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await _too_large(send, self.max_bytes)
            return
        seen = 0
        over = False  # the body went over the limit
        started = False  # the app's response went out
        refused = False  # the 413 went out instead
        more = True  # the client has more body to send

        async def counting_receive() -> Message:
            nonlocal seen, over, more
            if over:
                raise TooLarge
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                more = bool(message.get("more_body", False))
                if seen > self.max_bytes:
                    over = True
                    raise TooLarge
            return message

        async def refuse() -> None:
            nonlocal refused, more
            refused = True
            drained = 0
            while more and drained < DRAIN_BYTES:
                message = await receive()
                if message["type"] != "http.request":
                    break
                drained += len(message.get("body", b""))
                more = bool(message.get("more_body", False))
            await _too_large(send, self.max_bytes)

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if refused:
                return  # the rest of the app's answer to a body it could not read
            if over and not started:
                await refuse()
                return
            if message["type"] == "http.response.start":
                started = True
                headers = list(message.get("headers", []))
                # a response that set its own policy keeps it (downloads: a sandbox CSP)
                present = {name.lower() for name, _value in headers}
                message["headers"] = headers + [h for h in SECURITY_HEADERS if h[0] not in present]
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except TooLarge:
            if not started and not refused:
                await refuse()


async def _too_large(send: Send, limit: int) -> None:
    body = json.dumps(
        {"error": {"code": "upload_too_large", "message": f"the limit is {limit} bytes"}}
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [(b"content-type", b"application/json"), *SECURITY_HEADERS],
        }
    )
    await send({"type": "http.response.body", "body": body})
