"""``POST /api/v1/verify``: the verification report of an uploaded PDF (public, rate-limited)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Query, Request, UploadFile
from fastapi.responses import JSONResponse

from api.deps import ServicesDep, rate_limit
from api.uploads import verify_upload
from verify.serialize import report_dict

router = APIRouter(prefix="/api/v1", tags=["verify"])


@router.post("/verify", dependencies=[Depends(rate_limit("verify"))])
async def verify_document(
    request: Request,
    svc: ServicesDep,
    file: Annotated[UploadFile, File(description="the signed PDF")],
    offline: Annotated[bool, Query(description="use only the document's own evidence")] = False,
) -> JSONResponse:
    """Validate every signature (ETSI EN 319 102-1 indications) and what changed after signing."""
    report = await verify_upload(request, svc, file, online=not offline)
    return JSONResponse(report_dict(report))
