"""Authenticating a peer agency's request: an HMAC-SHA256, with the secret the two agencies
share, over the sender, the receiver, the date, the path and the SHA-256 of the body.

Any change of the package (an attachment, the header, one byte) changes the body's digest, so
a tampered package is refused before it is parsed; a request is only taken within ``WINDOW``
of its date, and within it a replay is refused by what it carries (the message id and the
package digest are recorded once, a status once per code).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from onestop.exchange.errors import ExchangeAuthError

SCHEME = "kyso-exchange-v1"
WINDOW = timedelta(minutes=5)
#: the HTTP headers a request carries
FROM, TO, DATE, MAC = (
    "X-Kyso-Exchange-From",
    "X-Kyso-Exchange-To",
    "X-Kyso-Exchange-Date",
    "X-Kyso-Exchange-Mac",
)


@dataclass(frozen=True)
class Credentials:
    """Who sends and to whom, when: the parts of a request the MAC covers with its body."""

    sender: str
    receiver: str
    date: datetime
    path: str


def _mac(secret: bytes, creds: Credentials, body: bytes) -> str:
    text = "\n".join(
        (
            SCHEME,
            creds.sender,
            creds.receiver,
            creds.date.isoformat(),
            creds.path,
            hashlib.sha256(body).hexdigest(),
        )
    )
    return hmac.new(secret, text.encode(), hashlib.sha256).hexdigest()


def sign(secret: bytes, creds: Credentials, body: bytes) -> dict[str, str]:
    """The headers of a request from ``creds.sender`` to ``creds.receiver``."""
    return {
        FROM: creds.sender,
        TO: creds.receiver,
        DATE: creds.date.isoformat(),
        MAC: _mac(secret, creds, body),
    }


def read_credentials(headers: Mapping[str, str], path: str) -> tuple[Credentials, str]:
    """The credentials a request claims and its MAC (not yet checked); missing or bad ones
    are refused. Header names are matched whatever their case (HTTP/2 lowercases them)."""
    named = {key.lower(): value for key, value in headers.items()}
    try:
        moment = datetime.fromisoformat(named[DATE.lower()])
        sender, receiver, mac = named[FROM.lower()], named[TO.lower()], named[MAC.lower()]
    except (KeyError, ValueError):
        raise ExchangeAuthError("exchange_unauthenticated", "no valid exchange headers") from None
    if moment.tzinfo is None:
        raise ExchangeAuthError("exchange_unauthenticated", "the date has no offset")
    return Credentials(sender, receiver, moment, path), mac


def check(
    secret: bytes, creds: Credentials, body: bytes, mac: str, now: datetime, own_code: str
) -> None:
    """Refuse a request not for ``own_code``, out of the window, or whose MAC is not right."""
    if creds.receiver != own_code:
        raise ExchangeAuthError("exchange_wrong_receiver", f"this agency is {own_code}")
    if abs(now - creds.date) > WINDOW:
        raise ExchangeAuthError("exchange_stale_request", "the request's date is out of window")
    if not hmac.compare_digest(_mac(secret, creds, body), mac):
        raise ExchangeAuthError("exchange_bad_mac", "the request's MAC does not match its body")
