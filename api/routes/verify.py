"""``POST /api/v1/verify``: the verification report of an uploaded PDF (public, rate-limited)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Query, Request, UploadFile
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from api.deps import ServicesDep, rate_limit
from api.uploads import discard, save_upload
from verify.engine import verify_pdf
from verify.serialize import report_dict

router = APIRouter(prefix="/api/v1", tags=["verify"])


@router.post("/verify", dependencies=[Depends(rate_limit("verify"))])
async def verify_upload(
    request: Request,
    svc: ServicesDep,
    file: Annotated[UploadFile, File(description="the signed PDF")],
    offline: Annotated[bool, Query(description="use only the document's own evidence")] = False,
) -> JSONResponse:
    """Validate every signature (ETSI EN 319 102-1 indications) and what changed after signing."""
    limit = svc.settings.max_upload_mb * 1024 * 1024
    path = await run_in_threadpool(save_upload, file, svc.settings.data_dir / "tmp", limit)
    try:
        report = await run_in_threadpool(verify_pdf, path, svc.verify_options(online=not offline))
    finally:
        discard(path)
    request.app.state.metrics.verifications.labels(report.indication.value).inc()
    return JSONResponse(report_dict(report))
