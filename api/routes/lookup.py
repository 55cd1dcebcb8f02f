"""Third-party look-ups: by SHA-256 (`/api/v1/verify/hash`) and by QR code (`/v/{code}`).

What is shown follows the document's access level: the metadata of a public document, only
"issued: yes" for the others.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from api.accounts.service import User
from api.deps import ServicesDep, optional_user, rate_limit
from api.dossiers import dossier_desk
from api.uploads import verify_bytes
from api.web.routes import page
from archive.errors import ArchiveError
from archive.metadata import DocumentRecord, VersionRecord
from common.errors import NotFoundError
from onestop.codes import is_dossier_code
from verify.render import render_html

router = APIRouter()
ISSUED_KINDS = ("signed", "lta")


class HashQuery(BaseModel):
    sha256: str = Field(pattern=r"^[0-9a-fA-F]{64}$")


class HashAnswer(BaseModel):
    issued: bool
    document_id: str | None = None
    title: str | None = None
    number: str | None = None
    issuing_body: str | None = None
    kind: str | None = None
    stored_at: str | None = None


@dataclass(frozen=True)
class Found:
    document: DocumentRecord
    version: VersionRecord

    @property
    def public(self) -> bool:
        return self.document.access_level == "public"


def _by_hash(svc: ServicesDep, sha256: str) -> Found | None:
    version = svc.archive.catalog.version_with_sha(sha256.lower())
    if version is None or version.kind not in ISSUED_KINDS:
        return None
    document = svc.archive.catalog.document(version.document_id)
    return None if document.disposed_at else Found(document, version)


@router.post("/api/v1/verify/hash", tags=["verify"], dependencies=[Depends(rate_limit("verify"))])
def verify_hash(body: HashQuery, svc: ServicesDep) -> HashAnswer:
    """Was a document with this SHA-256 issued (signed and archived) by this agency?"""
    found = _by_hash(svc, body.sha256)
    if found is None:
        return HashAnswer(issued=False)
    answer = HashAnswer(
        issued=True,
        document_id=found.document.id,
        kind=found.version.kind,
        stored_at=found.version.created_at.isoformat(),
    )
    if found.public:
        meta = found.document.meta
        answer.title, answer.number = meta.title, meta.number_notation or None
        answer.issuing_body = meta.issuing_body or None
    return answer


@router.get("/v/{code}", response_class=HTMLResponse, include_in_schema=False)
async def qr_landing(
    request: Request,
    code: str,
    svc: ServicesDep,
    user: Annotated[User | None, Depends(optional_user)],
) -> HTMLResponse:
    """Where the QR code printed on a receipt or result leads.

    Public by design, signed in or not: a dossier code shows the dossier's public face
    (``onestop.access``: progress, no personal data) and, once returned, the result; a
    document id shows the archived document and its verdict, if the document is public.
    """
    dossier = None
    if is_dossier_code(code):
        try:
            dossier = dossier_desk(svc).public(code)
        except NotFoundError:
            return page(request, "landing.html", user, status=404, document=None)
        if dossier.result_document is None:
            return page(request, "landing.html", user, document=None, dossier=dossier)
        code = dossier.result_document
    try:
        document = svc.archive.catalog.document(code)
        version, chunks = svc.archive.read(code)
    except ArchiveError:
        return page(request, "landing.html", user, status=404, document=None)
    if document.access_level != "public":
        return page(request, "landing.html", user, document=None, restricted=True)
    report = svc.report_cache.get(version.sha256)
    if report is None:
        data = b"".join(chunks)
        report = await verify_bytes(svc, data)  # in a PDF worker
        svc.report_cache.put(version.sha256, report)
    return page(
        request,
        "landing.html",
        user,
        document=document,
        version=version,
        dossier=dossier,
        indication=report.indication.value,
        report_html=render_html(report, request.query_params.get("lang", "vi")),
    )
