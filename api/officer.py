"""What a one-stop-shop officer decides about enrolments, as the API and the pages both do it:
the decision, its audit-log entry and the citizen's notification."""

from __future__ import annotations

from api.accounts.service import User
from api.audit import record
from api.wiring import Services
from certs.enrolment import Enrolment


def approve_enrolment(svc: Services, enrolment_id: str, officer: User) -> Enrolment:
    enrolment, issued = svc.enrolment.approve(enrolment_id, officer.username)
    record(svc, officer.username, "enrolment.approved", enrolment_id, serial=issued.serial)
    if enrolment.owner:
        svc.notifications.certificate_issued(enrolment.owner)
    return enrolment


def reject_enrolment(svc: Services, enrolment_id: str, officer: User, reason: str) -> Enrolment:
    enrolment = svc.enrolment.reject(enrolment_id, officer.username, reason)
    record(svc, officer.username, "enrolment.rejected", enrolment_id)
    return enrolment
