"""The session and CSRF cookies: their names, flags, and the CSRF token bound to the session.

- With an HTTPS public URL (``KYSO_PUBLIC_URL=https://...``) both cookies are ``Secure`` and
  named ``__Host-...``: a browser keeps such a cookie only when this very host set it over
  HTTPS with ``Path=/`` and no ``Domain``, so a sibling subdomain or someone on plain HTTP
  cannot plant one. ``Secure`` follows the configured URL, not the request's scheme, so a
  proxy that forgets ``X-Forwarded-Proto`` cannot make kyso drop it.
- A signed-in page's CSRF token is derived from the session secret (HMAC, the session as the
  key): a planted CSRF cookie matches nothing. Before sign-in (the login and verify forms) the
  token is a random double-submit cookie.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from typing import Literal

from starlette.requests import Request
from starlette.responses import Response

from api.settings import Settings

SESSION_COOKIE = "kyso_session"
CSRF_COOKIE = "kyso_csrf"
HOST_PREFIX = "__Host-"


def _settings(request: Request) -> Settings:
    found: Settings = request.app.state.settings
    return found


def cookie_name(settings: Settings, name: str) -> str:
    return HOST_PREFIX + name if settings.secure_cookies else name


def session_of(request: Request) -> str | None:
    """The page session the browser sent (the ``__Host-`` one only, when it is in use)."""
    return request.cookies.get(cookie_name(_settings(request), SESSION_COOKIE)) or None


def csrf_for_session(session: str) -> str:
    digest = hmac.new(session.encode(), b"kyso csrf token", hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def expected_csrf(request: Request) -> str | None:
    """The token a form or ``X-CSRF-Token`` must carry; None: none can be right."""
    session = session_of(request)
    if session is not None:
        return csrf_for_session(session)
    return request.cookies.get(cookie_name(_settings(request), CSRF_COOKIE)) or None


def token_for_page(request: Request) -> str:
    """The token to put in the forms of a page (a fresh one before sign-in)."""
    return expected_csrf(request) or secrets.token_urlsafe(24)


def csrf_ok(request: Request, sent: str | None) -> bool:
    expected = expected_csrf(request)
    if expected is None or sent is None:
        return False
    return hmac.compare_digest(sent.encode(), expected.encode())  # bytes: any text compares


def secure(request: Request) -> bool:
    return _settings(request).secure_cookies or request.url.scheme == "https"


def set_cookie(
    request: Request,
    response: Response,
    name: str,
    value: str,
    *,
    samesite: Literal["lax", "strict"],
) -> None:
    """Set one of kyso's own cookies (HttpOnly, Path=/, no Domain; Secure as above)."""
    response.set_cookie(
        cookie_name(_settings(request), name),
        value,
        httponly=True,
        samesite=samesite,
        secure=secure(request),
        path="/",
    )


def delete_cookie(request: Request, response: Response, name: str) -> None:
    response.delete_cookie(
        cookie_name(_settings(request), name),
        path="/",
        secure=secure(request),
        httponly=True,
        samesite="lax",
    )


def remember_csrf(request: Request, response: Response, token: str) -> None:
    """Before sign-in, the page's token goes in the double-submit cookie."""
    if session_of(request) is None:
        set_cookie(request, response, CSRF_COOKIE, token, samesite="strict")
