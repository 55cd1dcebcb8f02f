"""Archive keeping pages: fixity audits, disposal proposals and their second approval."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.accounts.service import Role, User
from api.deps import ServicesDep
from api.web.routes import MaybeUser, check_csrf, page
from api.wiring import Services
from archive import retention
from common.errors import KysoError

router = APIRouter(include_in_schema=False)
KEEPERS = (Role.ARCHIVIST, Role.AUDITOR, Role.ADMIN)


def _context(svc: Services) -> dict[str, object]:
    catalog = svc.archive.catalog
    return {"audits": catalog.fixity_runs(20), "proposals": catalog.proposals(50)}


def _keeper(user: User | None) -> bool:
    return user is not None and user.role in KEEPERS


@router.get("/archive/keeping", response_class=HTMLResponse)
def keeping(request: Request, svc: ServicesDep, user: MaybeUser) -> Response:
    if not _keeper(user):
        return RedirectResponse("/login?next=/archive/keeping", status_code=303)
    return page(request, "keeping.html", user, context=_context(svc))


@router.post("/archive/keeping/{action}", response_class=HTMLResponse)
def act(
    request: Request,
    action: str,
    svc: ServicesDep,
    user: MaybeUser,
    document_id: Annotated[str, Form(max_length=64)] = "",
    reason: Annotated[str, Form(max_length=1000)] = "",
    proposal_id: Annotated[str, Form(max_length=64)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    if user is None or not _keeper(user):
        return RedirectResponse("/login?next=/archive/keeping", status_code=303)
    try:
        if action == "audit":
            svc.jobs.submit("archive.audit", {"sample": 1.0, "resume": False}, owner=user.username)
        elif action == "propose" and user.role is not Role.AUDITOR:
            retention.propose(svc.archive, document_id, reason=reason, actor=user.username)
        elif action == "approve":
            retention.approve(svc.archive, proposal_id, actor=user.username)
        else:
            return page(request, "keeping.html", user, 403, _context(svc), error="forbidden")
    except KysoError as exc:
        return page(request, "keeping.html", user, 400, _context(svc), error=exc)
    return RedirectResponse("/archive/keeping", status_code=303)
