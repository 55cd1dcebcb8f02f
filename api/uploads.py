"""Uploaded files: streamed to a temporary file on disk, never held whole in memory."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from fastapi import Request, UploadFile
from starlette.concurrency import run_in_threadpool

from common.errors import InputError

if TYPE_CHECKING:
    from api.wiring import Services
    from verify.model import ValidationReport

PDF_MAGIC = b"%PDF-"
CHUNK = 1024 * 1024


def save_upload(
    upload: UploadFile, folder: Path, max_bytes: int, *, pdf_only: bool = True, what: str = "upload"
) -> Path:
    """Copy an upload to ``folder`` in chunks; refuses an empty file, one over ``max_bytes``
    and, with ``pdf_only``, one that is not a PDF. Nothing is left behind on refusal."""
    folder.mkdir(parents=True, exist_ok=True)
    handle = tempfile.NamedTemporaryFile(dir=folder, delete=False)  # noqa: SIM115
    path = Path(handle.name)
    try:
        with handle:
            head = upload.file.read(1024)
            if pdf_only and PDF_MAGIC not in head:
                raise InputError("not_a_pdf", "the file is not a PDF")
            if not head:
                raise InputError(f"{what}_empty", "the file is empty")
            handle.write(head)
            size = len(head)
            while chunk := upload.file.read(CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise InputError("upload_too_large", f"the limit is {max_bytes} bytes")
                handle.write(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path


def discard(path: Path) -> None:
    path.unlink(missing_ok=True)


def upload_limit(svc: Services) -> int:
    return svc.settings.max_upload_mb * 1024 * 1024


async def read_pdf(svc: Services, upload: UploadFile) -> bytes:
    """A bounded PDF upload as bytes (for documents that are signed in memory anyway)."""
    path = await run_in_threadpool(
        save_upload, upload, svc.settings.data_dir / "tmp", upload_limit(svc)
    )
    try:
        return path.read_bytes()
    finally:
        discard(path)


async def verify_upload(
    request: Request, svc: Services, upload: UploadFile, *, online: bool = True
) -> ValidationReport:
    """Verify an uploaded PDF (streamed to disk first; checked in a PDF worker, see
    api/verifier_pool.py) and count the verdict in the metrics."""
    path = await run_in_threadpool(
        save_upload, upload, svc.settings.data_dir / "tmp", upload_limit(svc)
    )
    try:
        report = await run_in_threadpool(svc.verify_file, path, online=online)
    finally:
        discard(path)
    request.app.state.metrics.verifications.labels(report.indication.value).inc()
    return report


async def verify_bytes(svc: Services, data: bytes) -> ValidationReport:
    """Verify a PDF held in memory (an archived document) in a PDF worker."""
    folder = svc.settings.data_dir / "tmp"

    def verify() -> ValidationReport:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, suffix=".pdf") as copy:
            copy.write(data)
            copy.flush()
            return svc.verify_file(Path(copy.name))

    return await run_in_threadpool(verify)
