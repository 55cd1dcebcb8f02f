"""The archivist's pages: search, scan upload, OCR progress, review and archiving."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from api.accounts.service import Role, User
from api.archivist import ArchiveRequest, ScanDesk
from api.deps import ServicesDep
from api.routes.archivist import clearance_for, save_scan
from api.web.routes import MaybeUser, check_csrf, page
from archive.metadata import SearchFilters
from archive.search import search
from common.errors import KysoError

router = APIRouter(include_in_schema=False)


def _archivist(user: User | None) -> bool:
    return user is not None and user.role in (Role.ARCHIVIST, Role.ADMIN)


@router.get("/archive", response_class=HTMLResponse)
def archive_home(request: Request, svc: ServicesDep, user: MaybeUser, q: str = "") -> Response:
    filters = SearchFilters(clearance=clearance_for(user))
    hits = search(svc.archive.catalog, q[:200], filters) if q else ()
    return page(request, "archive.html", user, q=q, hits=hits, can_upload=_archivist(user))


@router.post("/archive/scans", response_class=HTMLResponse)
async def upload(
    request: Request,
    svc: ServicesDep,
    user: MaybeUser,
    file: UploadFile,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    if user is None or not _archivist(user):
        return RedirectResponse("/login?next=/archive", status_code=303)
    limit = svc.settings.max_upload_mb * 1024 * 1024
    try:
        scan_id, _job = await run_in_threadpool(save_scan, ScanDesk(svc), file, limit, user)
    except KysoError as exc:
        return page(request, "archive.html", user, status=400, error=exc, can_upload=True)
    return RedirectResponse(f"/archive/scans/{scan_id}", status_code=303)


@router.get("/archive/scans/{scan_id}", response_class=HTMLResponse)
def review(request: Request, scan_id: str, svc: ServicesDep, user: MaybeUser) -> Response:
    if not _archivist(user):
        return RedirectResponse("/login?next=/archive", status_code=303)
    desk = ScanDesk(svc)
    job = desk.job(desk.scan(scan_id))
    result = job.result or {}
    return page(
        request,
        "scan.html",
        user,
        scan_id=scan_id,
        job=job,
        pages=result.get("page_details", []),
        suggested=result.get("metadata", {}),
    )


@router.post("/archive/scans/{scan_id}/archive", response_class=HTMLResponse)
def archive_scan(
    request: Request,
    scan_id: str,
    svc: ServicesDep,
    user: MaybeUser,
    dossier_code: Annotated[str, Form(min_length=1, max_length=64)],
    title: Annotated[str, Form(min_length=1, max_length=500)],
    number_notation: Annotated[str, Form(max_length=64)] = "",
    document_type: Annotated[str, Form(max_length=64)] = "",
    issuing_body: Annotated[str, Form(max_length=256)] = "",
    issue_date: Annotated[str, Form(max_length=10)] = "",
    access_level: Annotated[str, Form(max_length=16)] = "internal",
    paper_code: Annotated[str, Form(max_length=64)] = "",
    physical_condition: Annotated[str, Form(max_length=256)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    if not _archivist(user) or user is None:
        return RedirectResponse("/login?next=/archive", status_code=303)
    desk = ScanDesk(svc)
    try:
        issued = date.fromisoformat(issue_date) if issue_date else None
        request_data = ArchiveRequest(
            dossier_code, title, number_notation, document_type, issuing_body, issued,
            None, access_level, paper_code, physical_condition,
        )  # fmt: skip
        document_id = desk.archive(desk.scan(scan_id), request_data, user.username)
    except (KysoError, ValueError) as exc:
        error = exc if isinstance(exc, KysoError) else str(exc)
        return page(request, "archive.html", user, status=400, error=error, can_upload=True)
    return page(request, "archive.html", user, archived=document_id, can_upload=True)
