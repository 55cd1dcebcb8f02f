"""The archivist's digitisation desk: upload a scan, OCR it as a job, review, archive."""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from api.jobs.base import JSON, JobInfo
from api.wiring import Services
from archive.metadata import DocumentMeta, check_access_level
from common.errors import InputError, KysoError, NotFoundError
from common.ids import new_id

SCAN_ID = re.compile(r"^scan_[0-9a-z]{26}$")
ALLOWED = (".pdf", ".tif", ".tiff", ".jpg", ".jpeg", ".png")
#: per scan: the document it was archived as, per dossier code (JSON)
ARCHIVED = "archived.json"


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

    def receive(self, uploaded: Path, filename: str, owner: str) -> tuple[Scan, str]:
        """Take an uploaded file (moved, not copied) and start ``owner``'s OCR job."""
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
            return scan, self._start(scan, owner)
        except KysoError:  # the queue is down: the upload is refused, not kept half-accepted
            shutil.rmtree(folder, ignore_errors=True)
            raise

    def _start(self, scan: Scan, owner: str | None = None) -> str:
        # relative to the data dir, as the job reads them (api/jobs/kinds.py): with a relative
        # data dir (`make run`'s `var`) a path under it was taken as `var/var/...`
        data_dir = self.svc.settings.data_dir
        paths: JSON = {
            "source": str(scan.source.relative_to(data_dir)),
            "output": str(scan.output.relative_to(data_dir)),
        }
        job_id = self.svc.jobs.submit("ocr.digitise", paths, key=scan.id, owner=owner)
        (scan.folder / "job").write_text(job_id)
        return job_id

    def job(self, scan: Scan) -> JobInfo:
        """The scan's OCR job; started again only if the queue lost it (a restarted process)."""
        try:
            return self.svc.jobs.info((scan.folder / "job").read_text().strip())
        except (NotFoundError, FileNotFoundError):
            return self.svc.jobs.info(self._start(scan))

    def archive(self, scan: Scan, request: ArchiveRequest, actor: str) -> str:
        """The scan as the original, the searchable PDF/A as its OCR version.

        Idempotent: archiving a scan again into the same dossier (a retry after a lost answer,
        after a restart whose queue forgot the OCR job) answers the same document and adds no
        version; the archive itself deduplicates the original, and an OCR version is added
        only to a document that has none.
        """
        done = self._archived(scan, request.dossier_code)
        if done is not None:
            return done
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
        versions = archive.catalog.document(original.document_id).versions
        if not any(version.kind == "ocr" for version in versions):
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
        self._record_archived(scan, request.dossier_code, original.document_id)
        return original.document_id

    def _archived(self, scan: Scan, dossier_code: str) -> str | None:
        """The live document this scan was archived as in this dossier, if it was."""
        try:
            done = json.loads((scan.folder / ARCHIVED).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        document_id = done.get(dossier_code) if isinstance(done, dict) else None
        if not isinstance(document_id, str):
            return None
        try:
            record = self.svc.archive.catalog.document(document_id)
        except NotFoundError:
            return None
        return document_id if record.disposed_at is None else None

    @staticmethod
    def _record_archived(scan: Scan, dossier_code: str, document_id: str) -> None:
        path = scan.folder / ARCHIVED
        try:
            done = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            done = {}
        done[dossier_code] = document_id
        tmp = path.with_name(f".{ARCHIVED}.{new_id('')}")
        tmp.write_text(json.dumps(done, ensure_ascii=False), encoding="utf-8")
        tmp.replace(path)
