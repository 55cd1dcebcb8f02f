"""Uploaded files: streamed to a temporary file on disk, never held whole in memory."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from fastapi import UploadFile

from common.errors import InputError

PDF_MAGIC = b"%PDF-"


def save_upload(upload: UploadFile, folder: Path, max_bytes: int) -> Path:
    """Copy an upload to ``folder`` in chunks; refuses what is not a PDF or is too large."""
    folder.mkdir(parents=True, exist_ok=True)
    handle = tempfile.NamedTemporaryFile(dir=folder, suffix=".pdf", delete=False)  # noqa: SIM115
    path = Path(handle.name)
    size = 0
    try:
        with handle:
            head = upload.file.read(1024)
            if PDF_MAGIC not in head:
                raise InputError("not_a_pdf", "the file is not a PDF")
            handle.write(head)
            size = len(head)
            while chunk := upload.file.read(1024 * 1024):
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


def cleanup_folder(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
