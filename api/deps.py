"""Request dependencies: services, the current user, role checks, CSRF and rate limits."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request

from api.accounts.service import Role, User
from api.web.cookies import CSRF_COOKIE as CSRF_COOKIE
from api.web.cookies import SESSION_COOKIE as SESSION_COOKIE
from api.web.cookies import csrf_ok, session_of
from api.wiring import Services
from common.errors import AuthenticationError, PermissionDeniedError

CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def services(request: Request) -> Services:
    found: Services = request.app.state.services
    return found


ServicesDep = Annotated[Services, Depends(services)]


def client_address(request: Request) -> str:
    """The client's address: the connecting one, or the one a trusted proxy forwarded
    (``KYSO_TRUSTED_PROXIES``; ``kyso serve`` tells uvicorn)."""
    return request.client.host if request.client else "unknown"


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


async def _csrf_ok(request: Request) -> bool:
    """A cookie session's unsafe request carries the session's CSRF token (header or form)."""
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get("csrf_token")
        sent = value if isinstance(value, str) else None
    return csrf_ok(request, sent)


async def optional_user(request: Request, svc: ServicesDep) -> User | None:
    token = _bearer(request)
    if token is not None:
        return svc.accounts.resolve(token)
    session = session_of(request)
    if session is None:
        return None
    user = svc.accounts.resolve(session)
    if request.method not in SAFE_METHODS and not await _csrf_ok(request):
        raise PermissionDeniedError("csrf_failed", "missing or wrong CSRF token")
    return user


async def current_user(user: Annotated[User | None, Depends(optional_user)]) -> User:
    if user is None:
        raise AuthenticationError("unauthenticated", "sign in or send a bearer token")
    return user


CurrentUser = Annotated[User, Depends(current_user)]


def require(*roles: Role) -> Callable[[User], User]:
    """A dependency that lets only ``roles`` (and admins) through."""
    allowed = {*roles, Role.ADMIN}

    def check(user: CurrentUser) -> User:
        if user.role not in allowed:
            raise PermissionDeniedError("forbidden", "your role may not do this")
        return user

    return check


def rate_limit(scope: str) -> Callable[[Request, Services], None]:
    def check(request: Request, svc: ServicesDep) -> None:
        svc.rate_limiter.check(scope, client_address(request))

    return check
