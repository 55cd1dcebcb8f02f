"""Who may read a job: the user who started it, and the roles that manage its kind.

Anyone else is told the job does not exist (as for someone else's dossier), so a job id
leaks nothing: not its kind, nor its result (OCR text suggestions, audit findings).
"""

from __future__ import annotations

from api.accounts.service import Role, User
from api.jobs.base import JobInfo, unknown_job

#: the roles that run and follow each kind of job (admins see every job)
MANAGERS: dict[str, frozenset[Role]] = {
    "archive.anchor": frozenset({Role.ARCHIVIST, Role.AUDITOR}),
    "archive.audit": frozenset({Role.ARCHIVIST, Role.AUDITOR}),
    "archive.lta_renew": frozenset({Role.ARCHIVIST}),
    "exchange.retry": frozenset({Role.OFFICIAL}),
    "ocr.digitise": frozenset({Role.ARCHIVIST}),
}


def may_read(user: User, job: JobInfo) -> bool:
    if user.role is Role.ADMIN or (job.owner is not None and job.owner == user.username):
        return True
    return user.role in MANAGERS.get(job.kind, frozenset())


def readable(user: User, job: JobInfo) -> JobInfo:
    """``job`` if ``user`` may read it; otherwise the job is unknown to them (404)."""
    if not may_read(user, job):
        raise unknown_job(job.id)
    return job
