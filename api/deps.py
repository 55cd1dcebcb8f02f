"""Request dependencies: the services' pieces, the current user, role checks, CSRF and rate
limits. A route asks for the pieces it uses (``AccountsDep``, ``PkiDep`` ...), not the whole
``Services``, where that is all it needs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

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


def services(request: Request) -> Services:
    found: Services = request.app.state.services
    return found


ServicesDep = Annotated[Services, Depends(services)]


def _accounts(svc: ServicesDep) -> Accounts:
    return svc.accounts


def _notifications(svc: ServicesDep) -> Notifications:
    return svc.notifications


def _jobs(svc: ServicesDep) -> JobQueue:
    return svc.jobs


def _pki(svc: ServicesDep) -> Pki:
    return svc.pki


def _revocation(svc: ServicesDep) -> Revocation:
    return svc.revocation


def _ocsp(svc: ServicesDep) -> OcspResponder:
    return svc.ocsp


def _tsa(svc: ServicesDep) -> TimeStampAuthority:
    return svc.tsa


def _enrolment(svc: ServicesDep) -> EnrolmentDesk:
    return svc.enrolment


def _rate_limiter(svc: ServicesDep) -> Limiter:
    return svc.rate_limiter


AccountsDep = Annotated[Accounts, Depends(_accounts)]
NotificationsDep = Annotated[Notifications, Depends(_notifications)]
JobsDep = Annotated[JobQueue, Depends(_jobs)]
PkiDep = Annotated[Pki, Depends(_pki)]
RevocationDep = Annotated[Revocation, Depends(_revocation)]
OcspDep = Annotated[OcspResponder, Depends(_ocsp)]
TsaDep = Annotated[TimeStampAuthority, Depends(_tsa)]
EnrolmentDep = Annotated[EnrolmentDesk, Depends(_enrolment)]
LimiterDep = Annotated[Limiter, Depends(_rate_limiter)]


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
