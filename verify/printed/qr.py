"""The code a result's QR names: ``{public_url}/v/{code}`` (made by
``onestop.codes.PublicUrls.landing``; verify/ reads it back and cannot import onestop/)."""

from __future__ import annotations

import re
from dataclasses import dataclass

_VERIFY_URL = re.compile(r"^(?:(https?://[^/?#\s]+))?(?:/[^?#\s]*)?/v/([A-Za-z0-9_-]{4,64})/?$")


@dataclass(frozen=True)
class QrTarget:
    code: str
    url: str
    #: the URL's scheme and host are not this service's public URL
    foreign: bool


def verify_target(text: str, public_url: str) -> QrTarget | None:
    """The code of a verification URL read from a QR code; None for any other content."""
    found = _VERIFY_URL.match(text.strip())
    if found is None:
        return None
    origin = found.group(1) or ""
    ours = public_url.rstrip("/")
    foreign = bool(origin) and not (text.strip().startswith(ours + "/v/"))
    return QrTarget(found.group(2), text.strip(), foreign)
