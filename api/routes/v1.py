"""``/api/v1``: accounts, enrolment, certificates and jobs."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from api.accounts.service import Role, User
from api.audit import record
from api.deps import (
    AccountsDep,
    CurrentUser,
    EnrolmentDep,
    JobsDep,
    NotificationsDep,
    PkiDep,
    ServicesDep,
    rate_limit,
    require,
)
from api.jobs.access import readable
from api.jobs.base import JSON, JobInfo
from api.officer import approve_enrolment, reject_enrolment
from api.schemas import (
    AuditCreate,
    CertificatePublic,
    EnrolmentCreate,
    EnrolmentDecision,
    EnrolmentPublic,
    JobPublic,
    RevocationCreate,
    TokenCreate,
    TokenPublic,
    UserCreate,
    UserPublic,
)
from api.web.cookies import session_of
from certs.records import CertificateRecord
from common.errors import InputError

router = APIRouter(prefix="/api/v1")
Officer = Annotated[User, Depends(require(Role.OFFICIAL))]
Admin = Annotated[User, Depends(require())]
Archivist = Annotated[User, Depends(require(Role.ARCHIVIST, Role.AUDITOR))]


@router.post(
    "/auth/token",
    tags=["auth"],
    dependencies=[Depends(rate_limit("login"))],
)
async def login(body: TokenCreate, accounts: AccountsDep) -> TokenPublic:
    user = await run_in_threadpool(accounts.authenticate, body.username, body.password)
    return TokenPublic(access_token=accounts.issue_token(user, "api"))


@router.get("/me", tags=["auth"])
def me(user: CurrentUser) -> UserPublic:
    return UserPublic(**asdict(user))


@router.post("/users", tags=["auth"], status_code=201)
async def create_user(body: UserCreate, accounts: AccountsDep, _admin: Admin) -> UserPublic:
    try:
        role = Role(body.role)
    except ValueError as exc:
        raise InputError("role_invalid", f"role must be one of {[r.value for r in Role]}") from exc
    user = await run_in_threadpool(
        accounts.create_user, body.username, body.password, role, body.full_name, body.agency
    )
    return UserPublic(**asdict(user))


@router.post("/enrolments", tags=["pki"], status_code=201)
def request_enrolment(
    body: EnrolmentCreate, desk: EnrolmentDep, user: CurrentUser
) -> EnrolmentPublic:
    """A citizen (or the officer at the desk) asks for a free signing certificate."""
    owner = user.username if user.role is Role.CITIZEN else None
    enrolment = desk.request(body.full_name, body.cccd, body.phone, owner)
    return EnrolmentPublic(**asdict(enrolment))


@router.get("/enrolments", tags=["pki"])
def list_enrolments(
    desk: EnrolmentDep, _officer: Officer, status: str | None = None
) -> list[EnrolmentPublic]:
    return [EnrolmentPublic(**asdict(e)) for e in desk.list(status)]


@router.post("/enrolments/{enrolment_id}/approve", tags=["pki"])
def approve(enrolment_id: str, svc: ServicesDep, officer: Officer) -> EnrolmentPublic:
    return EnrolmentPublic(**asdict(approve_enrolment(svc, enrolment_id, officer)))


@router.post("/enrolments/{enrolment_id}/reject", tags=["pki"])
def reject(
    enrolment_id: str, body: EnrolmentDecision, svc: ServicesDep, officer: Officer
) -> EnrolmentPublic:
    enrolment = reject_enrolment(svc, enrolment_id, officer, body.reason or "")
    return EnrolmentPublic(**asdict(enrolment))


def _certificate(record: CertificateRecord) -> CertificatePublic:
    return CertificatePublic(
        **{name: getattr(record, name) for name in CertificatePublic.model_fields}
    )


@router.get("/certificates/{serial}", tags=["pki"])
def get_certificate(serial: str, pki: PkiDep) -> CertificatePublic:
    """Public: anyone may look a certificate up (it is public data)."""
    return _certificate(pki.get(serial))


@router.post("/certificates/{serial}/revoke", tags=["pki"])
def revoke_certificate(
    serial: str, body: RevocationCreate, svc: ServicesDep, officer: Officer
) -> CertificatePublic:
    revoked = svc.revocation.revoke(serial, body.reason)
    record(svc, officer.username, "certificate.revoked", revoked.serial, reason=body.reason)
    return _certificate(revoked)


def _job(job: JobInfo) -> JobPublic:
    return JobPublic(
        id=job.id,
        kind=job.kind,
        status=job.status,
        done=job.done,
        total=job.total,
        result=job.result,
        error=job.error,
    )


@router.post("/archive/audits", tags=["archive"], status_code=202)
def start_audit(body: AuditCreate, jobs: JobsDep, user: Archivist) -> JobPublic:
    payload: JSON = {"sample": body.sample, "resume": body.resume}
    job_id = jobs.submit("archive.audit", payload, owner=user.username)
    return _job(jobs.info(job_id))


@router.get("/jobs/{job_id}", tags=["jobs"])
def get_job(job_id: str, jobs: JobsDep, user: CurrentUser) -> JobPublic:
    """A job its owner, or a role that manages its kind, follows; unknown to anyone else."""
    return _job(readable(user, jobs.info(job_id)))


class NotificationPublic(BaseModel):
    id: str
    text: str
    link: str | None
    created_at: datetime
    read: bool


@router.get("/notifications", tags=["auth"])
def notifications(notes: NotificationsDep, user: CurrentUser) -> list[NotificationPublic]:
    return [NotificationPublic(**asdict(n)) for n in notes.for_user(user.username)]


@router.post("/notifications/{notification_id}/read", tags=["auth"], status_code=204)
def mark_read(notification_id: str, notes: NotificationsDep, user: CurrentUser) -> Response:
    notes.mark_read(user.username, notification_id)
    return Response(status_code=204)


@router.post("/auth/logout", tags=["auth"], status_code=204)
def logout(request: Request, accounts: AccountsDep, _user: CurrentUser) -> Response:
    """Revoke the bearer token (or page session) this request was made with."""
    token = request.headers.get("authorization", "").partition(" ")[2].strip()
    token = token or session_of(request) or ""
    accounts.revoke_token(token)
    return Response(status_code=204)
