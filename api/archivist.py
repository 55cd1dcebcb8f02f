"""The archivist's digitisation desk: upload a scan, OCR it as a job, review, archive."""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from api.jobs.base import JobInfo
from api.wiring import Services
from archive.metadata import DocumentMeta, check_access_level
from common.errors import InputError, KysoError, NotFoundError
from common.ids import new_id

SCAN_ID = re.compile(r"^scan_[0-9a-z]{26}$")
ALLOWED = (".pdf", ".tif", ".tiff", ".jpg", ".jpeg", ".png")


@dataclass(frozen=True)
class Scan:
    id: str
    folder: Path

    @property
    def source(self) -> Path:
        found = [p for p in self.folder.iterdir() if p.name.startswith("source")]
        if not found:
            raise NotFoundError("scan_unknown", "no such scan")
        return found[0]

    @property
    def output(self) -> Path:
        return self.folder / "ocr.pdf"


@dataclass(frozen=True)
class ArchiveRequest:
    dossier_code: str
    title: str
    number_notation: str = ""
    document_type: str = ""
    issuing_body: str = ""
    issue_date: date | None = None
    retention: str | None = None
    access_level: str = "internal"
    paper_code: str = ""
    physical_condition: str = ""


class ScanDesk:
    def __init__(self, services: Services) -> None:
        self.svc = services
        self.root = services.settings.data_dir / "scans"

    def scan(self, scan_id: str) -> Scan:
        if not SCAN_ID.match(scan_id) or not (self.root / scan_id).is_dir():
            raise NotFoundError("scan_unknown", "no such scan")
        return Scan(scan_id, self.root / scan_id)

    def receive(self, uploaded: Path, filename: str) -> tuple[Scan, str]:
        """Take an uploaded file (moved, not copied) and start its OCR job."""
        suffix = Path(filename).suffix.lower()
        if suffix not in ALLOWED:
            raise InputError("scan_type_unsupported", f"send one of {', '.join(ALLOWED)}")
        scan_id = new_id("scan_").lower()
        folder = self.root / scan_id
        folder.mkdir(parents=True)
        source = folder / f"source{suffix}"
        uploaded.replace(source)
        scan = Scan(scan_id, folder)
        try:
            return scan, self._start(scan)
        except KysoError:  # the queue is down: the upload is refused, not kept half-accepted
            shutil.rmtree(folder, ignore_errors=True)
            raise

    def _start(self, scan: Scan) -> str:
        job_id = self.svc.jobs.submit(
            "ocr.digitise", {"source": str(scan.source), "output": str(scan.output)}, key=scan.id
        )
        (scan.folder / "job").write_text(job_id)
        return job_id

    def job(self, scan: Scan) -> JobInfo:
        """The scan's OCR job; started again only if the queue lost it (a restarted process)."""
        try:
            return self.svc.jobs.info((scan.folder / "job").read_text().strip())
        except (NotFoundError, FileNotFoundError):
            return self.svc.jobs.info(self._start(scan))

    def archive(self, scan: Scan, request: ArchiveRequest, actor: str) -> str:
        """The scan as the original, the searchable PDF/A as its OCR version."""
        job = self.job(scan)
        if job.status != "succeeded":
            raise InputError("scan_not_ready", "the OCR job has not finished")
        meta = DocumentMeta(
            title=request.title,
            number_notation=request.number_notation,
            document_type=request.document_type,
            issuing_body=request.issuing_body,
            issue_date=request.issue_date,
            retention=request.retention,
            access_level=check_access_level(request.access_level),
            physical_condition=request.physical_condition,
            archive_code=request.paper_code,
        )
        media = (
            "application/pdf" if scan.source.suffix == ".pdf" else "image/" + scan.source.suffix[1:]
        )
        archive = self.svc.archive
        with scan.source.open("rb") as stream:
            original = archive.put(
                stream, dossier_code=request.dossier_code, meta=meta, media_type=media, actor=actor
            )
        text_file = scan.output.with_suffix(".txt")
        text = text_file.read_text(encoding="utf-8") if text_file.exists() else ""
        with scan.output.open("rb") as stream:
            archive.put(
                stream,
                dossier_code=request.dossier_code,
                document_id=original.document_id,
                kind="ocr",
                media_type="application/pdf",
                extra_text=text,
                actor=actor,
            )
        return original.document_id
