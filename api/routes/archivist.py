"""``/api/v1/archive``: scans to OCR, review, archiving, and search by access level."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, File, Query, UploadFile
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from api.accounts.service import Role, User
from api.archivist import ArchiveRequest, ScanDesk
from api.deps import ServicesDep, optional_user, require
from api.uploads import save_upload
from archive import retention
from archive.metadata import AccessLevel, DossierMeta, SearchFilters
from archive.search import search

router = APIRouter(prefix="/api/v1/archive", tags=["archive"])
Archivist = Annotated[User, Depends(require(Role.ARCHIVIST))]
CLEARANCE: dict[Role, AccessLevel] = {
    Role.ARCHIVIST: "secret",
    Role.ADMIN: "secret",
    Role.AUDITOR: "restricted",
    Role.OFFICIAL: "internal",
}


def clearance_for(user: User | None) -> AccessLevel:
    """The highest access level a caller may see (anonymous callers and citizens: public)."""
    return CLEARANCE.get(user.role, "public") if user else "public"


class ScanStarted(BaseModel):
    scan_id: str
    job_id: str


class ScanState(BaseModel):
    scan_id: str
    status: str
    done: int
    total: int
    result: dict[str, object] | None
    error: str | None


class ArchiveCreate(BaseModel):
    dossier_code: str = Field(min_length=1, max_length=64)
    title: str = Field(min_length=1, max_length=500)
    number_notation: str = Field(default="", max_length=64)
    document_type: str = Field(default="", max_length=64)
    issuing_body: str = Field(default="", max_length=256)
    issue_date: date | None = None
    retention: str | None = Field(default=None, max_length=16)
    access_level: str = "internal"
    paper_code: str = Field(default="", max_length=64)
    physical_condition: str = Field(default="", max_length=256)


class Archived(BaseModel):
    document_id: str


class Hit(BaseModel):
    document_id: str
    dossier_code: str
    title: str
    document_type: str
    issue_date: date | None
    access_level: str


def save_scan(desk: ScanDesk, upload: UploadFile, max_bytes: int, owner: User) -> tuple[str, str]:
    """Stream an upload to disk (bounded), then hand it to the desk."""
    path = save_upload(upload, desk.root, max_bytes, pdf_only=False, what="scan")
    scan, job = desk.receive(path, upload.filename or "scan", owner.username)
    return scan.id, job


@router.post("/scans", status_code=202)
async def upload_scan(
    svc: ServicesDep,
    user: Archivist,
    file: Annotated[UploadFile, File(description="a scan: PDF, TIFF, JPEG or PNG")],
) -> ScanStarted:
    """Start digitising a scan (OCR to searchable PDF/A) as a background job."""
    desk = ScanDesk(svc)
    limit = svc.settings.max_upload_mb * 1024 * 1024
    scan_id, job_id = await run_in_threadpool(save_scan, desk, file, limit, user)
    return ScanStarted(scan_id=scan_id, job_id=job_id)


@router.get("/scans/{scan_id}")
def scan_state(scan_id: str, svc: ServicesDep, _user: Archivist) -> ScanState:
    """Progress of the OCR job; once done, pages to review and suggested metadata."""
    desk = ScanDesk(svc)
    job = desk.job(desk.scan(scan_id))
    return ScanState(
        scan_id=scan_id,
        status=job.status,
        done=job.done,
        total=job.total,
        result=job.result,
        error=job.error,
    )


@router.post("/scans/{scan_id}/archive", status_code=201)
def archive_scan(scan_id: str, body: ArchiveCreate, svc: ServicesDep, user: Archivist) -> Archived:
    desk = ScanDesk(svc)
    document_id = desk.archive(
        desk.scan(scan_id), ArchiveRequest(**body.model_dump()), user.username
    )
    return Archived(document_id=document_id)


@router.get("/search")
def search_archive(
    svc: ServicesDep,
    user: Annotated[User | None, Depends(optional_user)],
    q: Annotated[str, Query(max_length=200)] = "",
    dossier: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> list[Hit]:
    """Diacritic-insensitive search; what each caller sees follows its clearance."""
    filters = SearchFilters(dossier_code=dossier, clearance=clearance_for(user), limit=limit)
    return [Hit(**asdict(hit)) for hit in search(svc.archive.catalog, q, filters)]


class AuditRun(BaseModel):
    id: str
    started_at: datetime
    finished_at: datetime | None
    sample: float
    checked: int
    problems: list[dict[str, object]]


class DisposalCreate(BaseModel):
    document_id: str = Field(max_length=64)
    reason: str = Field(min_length=3, max_length=1000)


class DisposalPublic(BaseModel):
    id: str
    document_id: str
    reason: str
    proposed_by: str
    proposed_at: datetime
    state: str
    approved_by: str | None
    approved_at: datetime | None


Keeper = Annotated[User, Depends(require(Role.ARCHIVIST, Role.AUDITOR))]


@router.get("/audits")
def audit_runs(svc: ServicesDep, _user: Keeper) -> list[AuditRun]:
    """Fixity audit reports, newest first (start one with POST /api/v1/archive/audits)."""
    return [
        AuditRun(
            id=run.id,
            started_at=run.started_at,
            finished_at=run.finished_at,
            sample=run.sample,
            checked=run.checked,
            problems=[asdict(problem) for problem in run.problems],
        )
        for run in svc.archive.catalog.fixity_runs(50)
    ]


@router.post("/disposals", status_code=201)
def propose_disposal(body: DisposalCreate, svc: ServicesDep, user: Archivist) -> DisposalPublic:
    """Propose disposing of a document whose retention has ended (a second person approves)."""
    proposal = retention.propose(
        svc.archive, body.document_id, reason=body.reason, actor=user.username
    )
    return DisposalPublic(**asdict(proposal))


@router.post("/disposals/{proposal_id}/approve")
def approve_disposal(proposal_id: str, svc: ServicesDep, user: Keeper) -> DisposalPublic:
    proposal = retention.approve(svc.archive, proposal_id, actor=user.username)
    return DisposalPublic(**asdict(proposal))


class DossierCreate(BaseModel):
    """A dossier with the Circular 05/2025/TT-BNV fields (the fonds is created if new)."""

    code: str = Field(min_length=1, max_length=100)
    title: str = Field(min_length=1, max_length=500)
    fonds_code: str = Field(default="", max_length=100)
    retention: str = Field(default="permanent", max_length=16)
    access_level: str = "internal"
    language: str = Field(default="vi", max_length=16)
    start_date: date | None = None
    end_date: date | None = None
    keywords: list[str] = Field(default_factory=list, max_length=50)
    document_count: int | None = Field(default=None, ge=0)
    sheet_count: int | None = Field(default=None, ge=0)
    page_count: int | None = Field(default=None, ge=0)
    physical_condition: str = Field(default="", max_length=256)
    reliability: str = Field(default="", max_length=64)
    paper_original_code: str = Field(default="", max_length=100)


@router.post("/dossiers", status_code=201)
def create_dossier(body: DossierCreate, svc: ServicesDep, user: Archivist) -> DossierCreate:
    data = body.model_dump()
    data["keywords"] = tuple(data["keywords"])
    meta = DossierMeta(**data)
    svc.archive.catalog.create_dossier(meta, actor=user.username)
    return body


@router.get("/dossiers/{code}")
def get_dossier(code: str, svc: ServicesDep, _user: Keeper) -> DossierCreate:
    meta = svc.archive.catalog.dossier(code)
    return DossierCreate(**{**asdict(meta), "keywords": list(meta.keywords)})
