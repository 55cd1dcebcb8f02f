"""``/api/v1/dossiers``: submit and sign (citizen), inbox and result (official), receipts."""

from __future__ import annotations

import io
from datetime import datetime
from typing import Annotated

import qrcode
from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel

from api.accounts.service import Role, User
from api.deps import CurrentUser, ServicesDep, rate_limit, require
from api.dossiers import dossier_desk
from api.downloads import attachment
from api.uploads import read_pdf
from api.wiring import Services
from common.errors import NotFoundError
from onestop.codes import PublicUrls
from onestop.model import Dossier

router = APIRouter(tags=["dossiers"])
Citizen = Annotated[User, Depends(require(Role.CITIZEN))]
Official = Annotated[User, Depends(require(Role.OFFICIAL))]


class DossierPublic(BaseModel):
    code: str
    service: str
    agency: str
    status: str
    submitted_at: datetime
    promised_at: datetime
    returned_at: datetime | None
    submission_indication: str
    result_document: str | None
    track_url: str


def dossier_public(svc: Services, dossier: Dossier) -> DossierPublic:
    return DossierPublic(
        code=dossier.code,
        service=dossier.service,
        agency=dossier.agency,
        status=dossier.status.value,
        submitted_at=dossier.submitted_at,
        promised_at=dossier.promised_at,
        returned_at=dossier.returned_at,
        submission_indication=dossier.submission_indication,
        result_document=dossier.result_document,
        track_url=PublicUrls(svc.settings.public_url).landing(dossier.code),
    )


@router.post("/api/v1/dossiers", status_code=201, dependencies=[Depends(rate_limit("pin"))])
async def submit(
    request: Request,
    svc: ServicesDep,
    citizen: Citizen,
    file: Annotated[UploadFile, File(description="the application (PDF)")],
    service: Annotated[str, Form(max_length=256)],
    agency: Annotated[str, Form(max_length=256)],
    credential_id: Annotated[str, Form(max_length=64)],
    pin: Annotated[str, Form(max_length=12)],
    otp: Annotated[str, Form(max_length=10)],
) -> DossierPublic:
    """Submit a dossier signed remotely with the citizen's key (PIN + one-time code)."""
    pdf = await read_pdf(svc, file)
    dossier = await dossier_desk(svc).submit(citizen, service, agency, pdf, credential_id, pin, otp)
    request.app.state.metrics.signatures.labels("citizen").inc()
    return dossier_public(svc, dossier)


@router.get("/api/v1/dossiers")
def list_dossiers(svc: ServicesDep, user: CurrentUser) -> list[DossierPublic]:
    """A citizen's own dossiers; an official's inbox (the agency's dossiers)."""
    return [dossier_public(svc, d) for d in dossier_desk(svc).list_for(user)]


@router.get("/api/v1/dossiers/{code}")
def get_dossier(code: str, svc: ServicesDep, user: CurrentUser) -> DossierPublic:
    return dossier_public(svc, dossier_desk(svc).get(code, user))


@router.post("/api/v1/dossiers/{code}/result")
async def return_result(
    request: Request,
    code: str,
    svc: ServicesDep,
    official: Official,
    file: Annotated[UploadFile, File(description="the result (PDF)")],
) -> DossierPublic:
    """Certify with the agency seal, sign with the official's stamp, archive, return."""
    pdf = await read_pdf(svc, file)
    returned = await dossier_desk(svc).issue_result(code, official, pdf)
    request.app.state.metrics.signatures.labels("seal").inc()
    request.app.state.metrics.signatures.labels("official").inc()
    return dossier_public(svc, returned)


@router.get("/api/v1/dossiers/{code}/result.pdf", response_class=Response)
def download_result(code: str, svc: ServicesDep, user: CurrentUser) -> Response:
    pdf = dossier_desk(svc).result_pdf(code, user)
    if pdf is None:
        raise NotFoundError("result_not_ready", "the result has not been returned yet")
    return attachment(pdf, f"{code}.pdf")


@router.get("/qr/{code}.png", response_class=Response, include_in_schema=False)
def qr_png(code: str, svc: ServicesDep) -> Response:
    """The QR code printed on receipts and results: the public look-up URL of ``code``."""
    if not code.isalnum() or len(code) > 40:
        raise NotFoundError("dossier_unknown", "no such code")
    image = qrcode.make(PublicUrls(svc.settings.public_url).landing(code))
    out = io.BytesIO()
    image.save(out)
    return Response(out.getvalue(), media_type="image/png")
