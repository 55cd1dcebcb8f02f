"""``POST /api/v1/verify/print``: does the scan of a printed result match its archived original?"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile

from api.deps import ServicesDep, rate_limit
from api.printcheck.runner import check_upload
from api.printcheck.schemas import PrintCheckPublic, print_check_public

router = APIRouter(prefix="/api/v1", tags=["verify"])


@router.post("/verify/print", dependencies=[Depends(rate_limit("verify"))])
async def verify_printed_copy(
    request: Request,
    svc: ServicesDep,
    file: Annotated[UploadFile, File(description="scan or photo of the paper (PDF, PNG, JPEG)")],
    code: Annotated[str | None, Form(max_length=64, pattern=r"^[A-Za-z0-9_-]*$")] = None,
    pictures: Annotated[bool, Query(description="include the pages with changes drawn")] = False,
) -> PrintCheckPublic:
    """Read the paper's QR code (or use ``code``), verify the archived original's signatures,
    OCR the paper and compare it word by word with the original's text, page by page."""
    check = await check_upload(request, svc, file, code)
    return print_check_public(check, pictures=pictures)
