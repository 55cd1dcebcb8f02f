"""BagIt transfer packages over HTTP (RFC 8493), for archivists: a dossier's bag as a zip, and a
zipped bag imported. The bag is the one ``kyso archive export``/``import`` write and read
(archive/bagit.py); the zip around it is archive/bag_zip.py's."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, UploadFile
from fastapi.responses import FileResponse
from pydantic import BaseModel
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool

from api.audit import record
from api.deps import ServicesDep
from api.downloads import SANDBOX_CSP, content_disposition
from api.routes.archivist import Archivist
from api.uploads import discard, save_upload, upload_limit
from api.wiring import Services
from archive import bagit
from archive.bag_zip import UnpackLimits, pack_bag, top_folder, unpack_bag

router = APIRouter(prefix="/api/v1/archive", tags=["archive"])
#: a bag may unpack to this many times the upload limit (tag manifests compress well;
#: documents hardly do): more is refused as ``archive_bag_too_large`` before unpacking
UNPACKED_PER_UPLOADED = 4


class BagImported(BaseModel):
    dossier_code: str
    documents: int
    files: int
    bytes: int
    document_ids: list[str]


def _work_dir(svc: Services) -> tempfile.TemporaryDirectory[str]:
    folder = svc.settings.data_dir / "tmp"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return tempfile.TemporaryDirectory(dir=folder, prefix="bag-")


def _zipped_bag(svc: Services, code: str, actor: str) -> Path:
    """The dossier's bag, zipped into a temporary file (the caller removes it)."""
    with _work_dir(svc) as work:
        folder = Path(work) / "bag"
        bagit.export_dossier(svc.archive, code, folder)
        handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - kept after the function
            dir=svc.settings.data_dir / "tmp", prefix="bag-", suffix=".zip", delete=False
        )
        try:
            with handle:
                pack_bag(folder, handle, top_folder(code))
        except BaseException:
            discard(Path(handle.name))
            raise
    record(svc, actor, "archive.bag_exported", code)
    return Path(handle.name)


def _imported(svc: Services, upload: Path, actor: str) -> bagit.BagReport:
    limits = UnpackLimits(max_bytes=upload_limit(svc) * UNPACKED_PER_UPLOADED)
    with _work_dir(svc) as work:
        bag = unpack_bag(upload, Path(work), limits)
        return bagit.import_bag(svc.archive, bag, actor=actor)


@router.get(
    "/dossiers/{code}/bag",
    response_class=FileResponse,
    responses={200: {"content": {"application/zip": {}}}},
)
async def export_bag(code: str, svc: ServicesDep, user: Archivist) -> FileResponse:
    """The dossier as a BagIt bag (every live document, every version, kyso-metadata.json),
    zipped under one folder named after the dossier code."""
    path = await run_in_threadpool(_zipped_bag, svc, code, user.username)
    headers = {
        "Content-Disposition": content_disposition(f"{top_folder(code)}.zip", "bag.zip"),
        "Content-Security-Policy": SANDBOX_CSP,
    }
    removed = BackgroundTask(discard, path)
    return FileResponse(path, media_type="application/zip", headers=headers, background=removed)


@router.post("/bags", status_code=201)
async def import_bag(
    svc: ServicesDep,
    user: Archivist,
    file: Annotated[UploadFile, File(description="a BagIt bag, zipped (the bag or its folder)")],
) -> BagImported:
    """Import a zipped bag: unpacked with the zip checks, then every checksum and file of
    the bag checked before anything is stored; on any refusal nothing is kept."""
    folder = svc.settings.data_dir / "tmp"
    upload = await run_in_threadpool(
        save_upload, file, folder, upload_limit(svc), pdf_only=False, what="bag"
    )
    try:
        report = await run_in_threadpool(_imported, svc, upload, user.username)
    finally:
        discard(upload)
    return BagImported(
        dossier_code=report.dossier_code,
        documents=report.documents,
        files=report.files,
        bytes=report.bytes,
        document_ids=list(report.document_ids),
    )
