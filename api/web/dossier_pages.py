"""Pages of the one-stop-shop flow: remote-signing credential, dossiers, official inbox."""

from __future__ import annotations

import base64
import io
from typing import Annotated

import qrcode
from fastapi import APIRouter, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.accounts.service import Role, User
from api.credentials import enrol_credential, replace_credential_at_desk
from api.deps import ServicesDep, client_address
from api.dossiers import dossier_desk
from api.downloads import attachment
from api.uploads import read_pdf
from api.web.routes import MaybeUser, check_csrf, page
from api.wiring import Services
from common.errors import InputError, KysoError

router = APIRouter(include_in_schema=False)


def _login(target: str) -> RedirectResponse:
    return RedirectResponse(f"/login?next={target}", status_code=303)


def _qr_data_uri(text: str) -> str:
    out = io.BytesIO()
    qrcode.make(text).save(out)
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def _citizen_context(svc: Services, user: User) -> dict[str, object]:
    credentials = svc.remote_signing.credentials_list(user.username)
    enrolled = {svc.remote_signing.credentials_info(c).cert_serial for c in credentials}
    issued = [e for e in svc.enrolment.list("issued", owner=user.username)]
    return {
        "credentials": credentials,
        "pending_certs": [e.serial for e in issued if e.serial not in enrolled],
        "dossiers": dossier_desk(svc).list_for(user),
        "notices": svc.notifications.for_user(user.username, unread_only=True),
    }


@router.get("/dossiers", response_class=HTMLResponse)
def dossiers(request: Request, svc: ServicesDep, user: MaybeUser) -> Response:
    if user is None or user.role is not Role.CITIZEN:
        return _login("/dossiers")
    return page(request, "dossiers.html", user, context=_citizen_context(svc, user))


@router.post("/dossiers/credential", response_class=HTMLResponse)
def make_credential(
    request: Request,
    svc: ServicesDep,
    user: MaybeUser,
    serial: Annotated[str, Form(max_length=64)],
    pin: Annotated[str, Form(max_length=12)],
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    if user is None or user.role is not Role.CITIZEN:
        return _login("/dossiers")
    context = _citizen_context(svc, user)
    pending = context["pending_certs"]
    if not isinstance(pending, list) or serial not in pending:
        return page(request, "dossiers.html", user, 403, context, error="not your certificate")
    try:
        enrolled = enrol_credential(svc, user, serial, pin)
    except KysoError as exc:
        return page(request, "dossiers.html", user, 400, context, error=exc)
    return page(
        request,
        "dossiers.html",
        user,
        otpauth=enrolled.provisioning_uri,
        context=_citizen_context(svc, user),
        otpauth_qr=_qr_data_uri(enrolled.provisioning_uri),
    )


@router.post("/officer/credentials/{enrolment_id}/replace", response_class=HTMLResponse)
def desk_credential(
    request: Request,
    enrolment_id: str,
    svc: ServicesDep,
    user: MaybeUser,
    pin: Annotated[str, Form(max_length=12)],
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """The one-stop-shop desk replaces a citizen's remote-signing credential (lost phone or
    PIN, identity checked on the CCCD): the new QR code is shown for the citizen to scan."""
    check_csrf(request, csrf_token)
    if user is None or user.role not in (Role.OFFICIAL, Role.ADMIN):
        return _login("/officer/enrolments")
    items = svc.enrolment.list()
    try:
        serial = svc.enrolment.get(enrolment_id).serial
        if serial is None:
            raise InputError("certificate_not_usable", "this request has no certificate yet")
        done = replace_credential_at_desk(svc, user, serial, pin)
    except KysoError as exc:
        return page(request, "enrolments.html", user, 400, error=exc, items=items)
    qr = _qr_data_uri(done.provisioning_uri)
    return page(request, "enrolments.html", user, items=items, otpauth=True, otpauth_qr=qr)


@router.post("/dossiers", response_class=HTMLResponse)
async def submit(
    request: Request,
    svc: ServicesDep,
    user: MaybeUser,
    file: UploadFile,
    service: Annotated[str, Form(max_length=256)],
    agency: Annotated[str, Form(max_length=256)],
    credential_id: Annotated[str, Form(max_length=64)],
    pin: Annotated[str, Form(max_length=12)],
    otp: Annotated[str, Form(max_length=10)],
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    if user is None or user.role is not Role.CITIZEN:
        return _login("/dossiers")
    try:
        svc.rate_limiter.check("pin", client_address(request))
        pdf = await read_pdf(svc, file)
        desk = dossier_desk(svc)
        receipt = await desk.submit(user, service, agency, pdf, credential_id, pin, otp)
    except KysoError as exc:
        context = _citizen_context(svc, user)
        return page(request, "dossiers.html", user, 400, context, error=exc)
    return page(
        request, "dossiers.html", user, context=_citizen_context(svc, user), receipt=receipt
    )


@router.get("/officer/dossiers", response_class=HTMLResponse)
def inbox(request: Request, svc: ServicesDep, user: MaybeUser) -> Response:
    if user is None or user.role not in (Role.OFFICIAL, Role.ADMIN):
        return _login("/officer/dossiers")
    return page(request, "inbox.html", user, dossiers=dossier_desk(svc).list_for(user))


@router.post("/officer/dossiers/{code}/result", response_class=HTMLResponse)
async def return_result(
    request: Request,
    code: str,
    svc: ServicesDep,
    user: MaybeUser,
    file: UploadFile,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    if user is None or user.role not in (Role.OFFICIAL, Role.ADMIN):
        return _login("/officer/dossiers")
    desk = dossier_desk(svc)
    try:
        await desk.issue_result(code, user, await read_pdf(svc, file))
    except KysoError as exc:
        return page(
            request, "inbox.html", user, status=400, error=exc, dossiers=desk.list_for(user)
        )
    return RedirectResponse("/officer/dossiers", status_code=303)


@router.get("/dossiers/{code}/result.pdf", response_class=Response)
def download(code: str, svc: ServicesDep, user: MaybeUser) -> Response:
    if user is None:
        return _login("/dossiers")
    pdf = dossier_desk(svc).result_pdf(code, user)
    if pdf is None:
        return RedirectResponse("/dossiers", status_code=303)
    return attachment(pdf, f"{code}.pdf")
