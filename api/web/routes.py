"""The pages: verification (anyone), sign-in, citizen enrolment, officer approvals."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool

from api.accounts.service import Role, User
from api.deps import ServicesDep, client_address, optional_user
from api.errors import status_for
from api.officer import approve_enrolment, reject_enrolment
from api.uploads import verify_upload
from api.web.cookies import (
    SESSION_COOKIE,
    csrf_ok,
    delete_cookie,
    remember_csrf,
    secure,
    session_of,
    set_cookie,
    token_for_page,
)
from api.web.error_texts import error_text
from api.web.i18n import texts
from common.errors import KysoError, PermissionDeniedError
from onestop.codes import landing_path
from verify.render import render_html

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
templates.env.globals["landing_path"] = landing_path  # a dossier's public page, /v/{code}
MaybeUser = Annotated[User | None, Depends(optional_user)]


def _lang(request: Request) -> str:
    chosen = request.query_params.get("lang") or request.cookies.get("kyso_lang") or "vi"
    return chosen if chosen in ("vi", "en") else "vi"


def page(
    request: Request,
    name: str,
    user: User | None,
    status: int = 200,
    context: dict[str, object] | None = None,
    **extra: object,
) -> HTMLResponse:
    lang = _lang(request)
    csrf = token_for_page(request)
    t = texts(lang)
    if isinstance(error := extra.get("error"), KysoError):
        extra["error"] = error_text(error, lang)
    response = templates.TemplateResponse(
        request,
        name,
        {
            "lang": lang,
            "t": t,
            "user": user,
            "csrf": csrf,
            "title": t["site"],
            **(context or {}),
            **extra,
        },
        status_code=status,
    )
    remember_csrf(request, response, csrf)
    response.set_cookie("kyso_lang", lang, samesite="lax", secure=secure(request))
    return response


def check_csrf(request: Request, sent: str) -> None:
    if not csrf_ok(request, sent):
        raise PermissionDeniedError("csrf_failed", "missing or wrong CSRF token")


@router.get("/", response_class=HTMLResponse)
def home(request: Request, user: MaybeUser) -> HTMLResponse:
    return page(request, "home.html", user)


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, user: MaybeUser, next: str = "/") -> HTMLResponse:
    return page(request, "login.html", user, next=next if next.startswith("/") else "/")


@router.post("/login", response_class=HTMLResponse)
async def login(
    request: Request,
    svc: ServicesDep,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=256)],
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    check_csrf(request, csrf_token)
    try:
        svc.rate_limiter.check("login", client_address(request))
        user = await run_in_threadpool(svc.accounts.authenticate, username, password)
    except KysoError as exc:
        return page(request, "login.html", None, status=401, error=exc, next=next)
    target = next if next.startswith("/") and not next.startswith("//") else "/"
    response = RedirectResponse(target, status_code=303)
    session = svc.accounts.issue_token(user, "session")
    set_cookie(request, response, SESSION_COOKIE, session, samesite="lax")
    return response


@router.post("/logout")
def logout(request: Request, svc: ServicesDep, csrf_token: Annotated[str, Form()] = "") -> Response:
    check_csrf(request, csrf_token)
    session = session_of(request)
    if session:
        svc.accounts.revoke_token(session)
    response = RedirectResponse("/", status_code=303)
    delete_cookie(request, response, SESSION_COOKIE)
    return response


@router.get("/verify", response_class=HTMLResponse)
def verify_form(request: Request, user: MaybeUser) -> HTMLResponse:
    return page(request, "verify.html", user)


@router.post("/verify", response_class=HTMLResponse)
async def verify_page_upload(
    request: Request,
    svc: ServicesDep,
    user: MaybeUser,
    file: UploadFile,
    csrf_token: Annotated[str, Form()] = "",
) -> HTMLResponse:
    check_csrf(request, csrf_token)
    try:
        svc.rate_limiter.check("verify", client_address(request))
        report = await verify_upload(request, svc, file)
    except KysoError as exc:
        return page(request, "verify.html", user, status=status_for(exc), error=exc)
    lang = _lang(request)
    return page(
        request,
        "verify_result.html",
        user,
        indication=report.indication.value,
        report_html=render_html(report, lang),
    )


@router.get("/enrol", response_class=HTMLResponse)
def enrol_form(request: Request, user: MaybeUser) -> Response:
    if user is None:
        return RedirectResponse("/login?next=/enrol", status_code=303)
    return page(request, "enrol.html", user)


@router.post("/enrol", response_class=HTMLResponse)
def enrol(
    request: Request,
    svc: ServicesDep,
    user: MaybeUser,
    full_name: Annotated[str, Form(max_length=128)],
    cccd: Annotated[str, Form(max_length=12)],
    phone: Annotated[str, Form(max_length=16)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    if user is None:
        return RedirectResponse("/login?next=/enrol", status_code=303)
    try:
        done = svc.enrolment.request(full_name, cccd, phone or None, user.username)
    except KysoError as exc:
        return page(request, "enrol.html", user, status=400, error=exc)
    return page(request, "enrol.html", user, done=done)


def _officer(user: User | None) -> User | None:
    return user if user is not None and user.role in (Role.OFFICIAL, Role.ADMIN) else None


@router.get("/officer/enrolments", response_class=HTMLResponse)
def enrolments(request: Request, svc: ServicesDep, user: MaybeUser) -> Response:
    if _officer(user) is None:
        return RedirectResponse("/login?next=/officer/enrolments", status_code=303)
    return page(request, "enrolments.html", user, items=svc.enrolment.list())


@router.post("/officer/enrolments/{enrolment_id}/{decision}")
def decide(
    request: Request,
    enrolment_id: str,
    decision: str,
    svc: ServicesDep,
    user: MaybeUser,
    csrf_token: Annotated[str, Form()] = "",
    reason: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    check_csrf(request, csrf_token)
    officer = _officer(user)
    if officer is None:
        raise PermissionDeniedError("forbidden", "only officials decide enrolments")
    if decision == "approve":
        approve_enrolment(svc, enrolment_id, officer)
    elif decision == "reject":
        reject_enrolment(svc, enrolment_id, officer, reason)
    else:
        raise PermissionDeniedError("forbidden", "unknown decision")
    return RedirectResponse("/officer/enrolments", status_code=303)
