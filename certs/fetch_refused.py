"""The refusal of a fetch the policy does not allow (an httpx transport error, so that a
refused redirect ends the request as a failed connection would)."""

from __future__ import annotations

import httpx


class FetchRefused(httpx.TransportError):
    """The policy does not allow this request; nothing was sent. ``url`` is the request's
    (a redirect's target when a redirect was refused)."""

    def __init__(self, url: httpx.URL, reason: str) -> None:
        super().__init__(f"not allowed: {reason}")
        self.url = url
        self.reason = reason
