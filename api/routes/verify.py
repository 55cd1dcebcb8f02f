"""``POST /api/v1/verify``: the verification report of an uploaded PDF (public, rate-limited).

``?format=json`` (default) answers kyso's JSON report; ``?format=etsi`` the ETSI TS 119 102-2
validation report (XML, ``application/xml``) of the same verification.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, File, Query, Request, UploadFile
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from api.deps import ServicesDep, rate_limit
from api.uploads import verify_upload
from verify.etsi import etsi_xml
from verify.serialize import report_dict

router = APIRouter(prefix="/api/v1", tags=["verify"])

_XML = {"application/xml": {"schema": {"type": "string"}}}


@router.post(
    "/verify",
    dependencies=[Depends(rate_limit("verify"))],
    responses={200: {"content": _XML, "description": "the report (JSON, or ETSI XML)"}},
)
async def verify_document(
    request: Request,
    svc: ServicesDep,
    file: Annotated[UploadFile, File(description="the signed PDF")],
    offline: Annotated[bool, Query(description="use only the document's own evidence")] = False,
    report_format: Annotated[
        Literal["json", "etsi"],
        Query(alias="format", description="json: kyso's report; etsi: ETSI TS 119 102-2 XML"),
    ] = "json",
) -> Response:
    """Validate every signature (ETSI EN 319 102-1 indications) and what changed after signing."""
    report = await verify_upload(request, svc, file, online=not offline)
    if report_format == "etsi":
        # xsdata serialising is CPU work (milliseconds a signature): off the event loop
        return Response(await run_in_threadpool(etsi_xml, report), media_type="application/xml")
    return JSONResponse(report_dict(report))
