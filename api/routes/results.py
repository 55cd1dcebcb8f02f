"""``/api/v1/templates`` and results from templates: preview (no number taken) and issue
(numbered by the agency's register, sealed, signed, archived, the dossier returned)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from api.accounts.service import Role, User
from api.deps import ServicesDep, require
from api.results import result_desk
from api.routes.dossiers import DossierPublic, dossier_public
from common.clock import VN_TZ
from common.errors import InputError
from onestop.numbering import RegisterKey
from onestop.templates.spec import TEMPLATES, ResultTemplate

router = APIRouter(tags=["results"])
Official = Annotated[User, Depends(require(Role.OFFICIAL))]


class TemplateFieldPublic(BaseModel):
    name: str
    label: str
    default: str
    required: bool
    multiline: bool
    max_length: int


class TemplatePublic(BaseModel):
    name: str
    title: str
    doc_type: str
    description: str
    fields: list[TemplateFieldPublic]


class ResultFromTemplate(BaseModel):
    template: str = Field(max_length=32, examples=["decision"])
    #: the fields the official types (GET /api/v1/templates lists them); others take defaults
    fields: dict[Annotated[str, Field(max_length=40)], Annotated[str, Field(max_length=6000)]] = (
        Field(default_factory=dict, max_length=30)
    )


class ResultIssued(DossierPublic):
    notation: str
    number: int


class RegisterEntryPublic(BaseModel):
    number: int
    state: str
    dossier_code: str | None
    document_id: str | None
    issued_at: datetime | None


def _template(spec: ResultTemplate) -> TemplatePublic:
    return TemplatePublic(
        name=spec.name,
        title=spec.title,
        doc_type=spec.doc_type,
        description=spec.description,
        fields=[
            TemplateFieldPublic(
                name=f.name,
                label=f.label,
                default=f.default,
                required=f.required,
                multiline=f.multiline,
                max_length=f.max_length,
            )
            for f in spec.fields
        ],
    )


@router.get("/api/v1/templates")
def list_templates(official: Official) -> list[TemplatePublic]:
    """The result templates (Decree 30/2020 layouts) and the fields each takes."""
    return [_template(t) for t in TEMPLATES.values()]


@router.post(
    "/api/v1/dossiers/{code}/result/preview",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
async def preview_result(
    code: str, body: ResultFromTemplate, svc: ServicesDep, official: Official
) -> Response:
    """The result as the template renders it now, unsigned and without a number."""
    rendered = await result_desk(svc).preview(code, official, body.template, body.fields)
    return Response(
        rendered.pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{code}-preview.pdf"'},
    )


@router.post("/api/v1/dossiers/{code}/result/from-template")
async def issue_from_template(
    request: Request, code: str, body: ResultFromTemplate, svc: ServicesDep, official: Official
) -> ResultIssued:
    """Number the result in the agency's register, render, seal, sign, archive, return."""
    issued = await result_desk(svc).issue(code, official, body.template, body.fields)
    request.app.state.metrics.signatures.labels("seal").inc()
    request.app.state.metrics.signatures.labels("official").inc()
    public = dossier_public(svc, issued.dossier)
    return ResultIssued(**public.model_dump(), notation=issued.notation, number=issued.number)


@router.get("/api/v1/registers/{doc_type}")
def register_entries(
    doc_type: str,
    svc: ServicesDep,
    official: Official,
    year: Annotated[int | None, Query(ge=2000, le=2200)] = None,
) -> list[RegisterEntryPublic]:
    """The official's agency's register of ``doc_type`` (QĐ, GCN, GXN, CV) for ``year``."""
    if official.agency is None:
        raise InputError("agency_missing", "this account belongs to no agency")
    if doc_type not in {t.doc_type for t in TEMPLATES.values()}:
        raise InputError("register_unknown", "the registers are QĐ, GCN, GXN and CV")
    key = RegisterKey(official.agency, doc_type, year or svc.clock.now().astimezone(VN_TZ).year)
    return [
        RegisterEntryPublic(
            number=e.number,
            state=e.state,
            dossier_code=e.dossier_code,
            document_id=e.document_id,
            issued_at=e.issued_at,
        )
        for e in result_desk(svc).register.entries(key)
    ]
