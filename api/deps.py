"""Request dependencies: the services' pieces, the current user, role checks, CSRF and rate
limits. A route asks for the pieces it uses (``AccountsDep``, ``PkiDep`` ...), not the whole
``Services``, where that is all it needs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, TypeVar

from fastapi import Depends, Request

from api.accounts.notifications import Notifications
from api.accounts.service import Accounts, Role, User
from api.jobs.base import JobQueue
from api.ratelimit import Limiter
from api.web.cookies import CSRF_COOKIE as CSRF_COOKIE
from api.web.cookies import SESSION_COOKIE as SESSION_COOKIE
from api.web.cookies import csrf_ok, session_of
from api.wiring import Services
from certs.enrolment import EnrolmentDesk
from certs.ocsp import OcspResponder
from certs.pki import Pki
from certs.revocation import Revocation
from certs.tsa import TimeStampAuthority
from common.errors import AuthenticationError, PermissionDeniedError

CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
T = TypeVar("T")


def services(request: Request) -> Services:
    found: Services = request.app.state.services
    return found


ServicesDep = Annotated[Services, Depends(services)]


def _piece(part: Callable[[Services], T]) -> Callable[[Services], T]:
    """A dependency giving one piece of the request's ``Services``."""

    def dependency(svc: ServicesDep) -> T:
        return part(svc)

    return dependency


AccountsDep = Annotated[Accounts, Depends(_piece(lambda svc: svc.accounts))]
NotificationsDep = Annotated[Notifications, Depends(_piece(lambda svc: svc.notifications))]
JobsDep = Annotated[JobQueue, Depends(_piece(lambda svc: svc.jobs))]
PkiDep = Annotated[Pki, Depends(_piece(lambda svc: svc.pki))]
RevocationDep = Annotated[Revocation, Depends(_piece(lambda svc: svc.revocation))]
OcspDep = Annotated[OcspResponder, Depends(_piece(lambda svc: svc.ocsp))]
TsaDep = Annotated[TimeStampAuthority, Depends(_piece(lambda svc: svc.tsa))]
EnrolmentDep = Annotated[EnrolmentDesk, Depends(_piece(lambda svc: svc.enrolment))]
LimiterDep = Annotated[Limiter, Depends(_piece(lambda svc: svc.rate_limiter))]


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


async def optional_user(request: Request, accounts: AccountsDep) -> User | None:
    token = _bearer(request)
    if token is not None:
        return accounts.resolve(token)
    session = session_of(request)
    if session is None:
        return None
    user = accounts.resolve(session)
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


def rate_limit(scope: str) -> Callable[[Request, Limiter], None]:
    def check(request: Request, limiter: LimiterDep) -> None:
        limiter.check(scope, client_address(request))

    return check
