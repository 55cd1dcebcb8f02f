"""Running a printed-copy check for a web request: the upload streamed to disk, the check
off the event loop, at most ``SLOTS`` checks at once (each holds OCR processes)."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from fastapi import Request, UploadFile
from starlette.concurrency import run_in_threadpool

from api.printcheck.reader import ScanLimits
from api.printcheck.service import PrintCheck, Verifier, check_print
from api.uploads import discard, save_upload, upload_limit
from api.wiring import Services
from archive.metadata import VersionRecord
from verify.model import ValidationReport

#: checks running at once; the others wait their turn (OCR uses both cores of a small server)
SLOTS = 2


def _slots(request: Request) -> asyncio.Semaphore:
    state = request.app.state
    if getattr(state, "print_slots", None) is None:
        state.print_slots = asyncio.Semaphore(SLOTS)
    slots: asyncio.Semaphore = state.print_slots
    return slots


def _verifier(svc: Services) -> Verifier:
    def verify(pdf: bytes, version: VersionRecord) -> ValidationReport:
        """The archived original, as the QR landing page verifies it: in a PDF worker, the
        report cached (called from the check's thread)."""
        report = svc.report_cache.get(version.sha256)
        if report is None:
            folder = svc.settings.data_dir / "tmp"
            folder.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=folder, suffix=".pdf") as copy:
                copy.write(pdf)
                copy.flush()
                report = svc.verify_file(Path(copy.name))
            svc.report_cache.put(version.sha256, report)
        return report

    return verify


async def check_upload(
    request: Request, svc: Services, upload: UploadFile, code: str | None
) -> PrintCheck:
    """The check of an uploaded scan against the public original it (or ``code``) names."""
    limit = min(upload_limit(svc), ScanLimits.max_bytes)
    folder = svc.settings.data_dir / "tmp"
    path: Path = await run_in_threadpool(
        save_upload, upload, folder, limit, pdf_only=False, what="scan"
    )
    try:
        async with _slots(request):
            return await run_in_threadpool(
                check_print, svc, path, _verifier(svc), code=code or None, public_only=True
            )
    finally:
        discard(path)
