"""The one-stop-shop workflow: a citizen submits and signs a dossier, an official returns the
signed and seal-certified result. Orchestrates signing/, verify/ (through the archive's
verifier) and archive/; every step lands in the archive's hash-chained audit log.

The uploaded PDF is never parsed here: counting its pages and signing it are PDF tasks
(api/pdf_tasks.py) run in the bounded worker processes, and so is the archive's
verification of what it stores (``Services.archive``).
"""

from __future__ import annotations

import asyncio
import io
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from api.accounts.models import DossierRow
from api.accounts.service import Role, User
from api.audit import record
from api.verifier_pool import pdf_task
from api.wiring import Services
from archive.metadata import DocumentMeta
from certs.records import utc
from common.clock import VN_TZ
from common.errors import ConflictError, NotFoundError, PermissionDeniedError
from common.ids import short_code

PDF = "application/pdf"


@dataclass(frozen=True)
class Dossier:
    code: str
    service: str
    agency: str
    owner: str
    status: str
    submitted_at: datetime
    promised_at: datetime
    returned_at: datetime | None
    submission_document: str
    submission_indication: str
    result_document: str | None


def _dossier(row: DossierRow) -> Dossier:
    return Dossier(
        code=row.code,
        service=row.service,
        agency=row.agency,
        owner=row.owner,
        status=row.status,
        submitted_at=utc(row.submitted_at),
        promised_at=utc(row.promised_at),
        returned_at=utc(row.returned_at) if row.returned_at else None,
        submission_document=row.submission_document,
        submission_indication=row.submission_indication,
        result_document=row.result_document,
    )


def promised_date(start: datetime, working_days: int) -> datetime:
    """``working_days`` later in Vietnam, Saturdays and Sundays not counted."""
    day = start.astimezone(VN_TZ)
    left = working_days
    while left:
        day += timedelta(days=1)
        if day.weekday() < 5:
            left -= 1
    return day.replace(hour=17, minute=0, second=0, microsecond=0)


class DossierDesk:
    def __init__(self, services: Services, processing_days: int = 5) -> None:
        self.svc = services
        self.processing_days = processing_days
        self._sessions = sessionmaker(services.engine, expire_on_commit=False)

    async def submit(
        self,
        citizen: User,
        service: str,
        agency: str,
        pdf: bytes,
        credential_id: str,
        pin: str,
        otp: str,
    ) -> Dossier:
        """Sign the submission remotely (PIN + one-time code), archive it, give a receipt."""
        remote = self.svc.remote_signing
        if credential_id not in remote.credentials_list(citizen.username):
            raise NotFoundError("credential_unknown", "no such credential of yours")
        signed = await pdf_task(self.svc, "sign_submission", pdf, credential_id, pin, otp, service)
        assert isinstance(signed, bytes)
        code = "HS" + short_code(10)
        # the archive verifies what it stores (in a worker, waited for in a thread)
        stored = await asyncio.to_thread(
            self.svc.archive.put,
            io.BytesIO(signed),
            dossier_code=code,
            meta=DocumentMeta(title=f"Hồ sơ: {service}", access_level="restricted"),
            kind="signed",
            media_type=PDF,
            actor=citizen.username,
        )
        summary = stored.version.signature
        now = self.svc.clock.now()
        row = DossierRow(
            code=code,
            service=service,
            agency=agency,
            owner=citizen.username,
            status="submitted",
            submitted_at=now,
            promised_at=promised_date(now, self.processing_days),
            submission_document=stored.document_id,
            submission_indication=summary.indication if summary else "NO_SIGNATURE",
        )
        with self._sessions() as db:
            db.add(row)
            db.commit()
        record(self.svc, citizen.username, "dossier.submitted", code, service=service)
        return _dossier(row)

    def get(self, code: str, user: User | None) -> Dossier:
        with self._sessions() as db:
            row = db.get(DossierRow, code)
        if row is None:
            raise NotFoundError("dossier_unknown", f"no dossier {code}")
        if user is not None and not self._may_see(user, row):
            raise NotFoundError("dossier_unknown", f"no dossier {code}")
        return _dossier(row)

    def result_pdf(self, code: str, user: User) -> bytes | None:
        """The returned result of a dossier the user may see; None until it is returned."""
        dossier = self.get(code, user)
        if dossier.result_document is None:
            return None
        _version, chunks = self.svc.archive.read(dossier.result_document)
        return b"".join(chunks)

    @staticmethod
    def _may_see(user: User, row: DossierRow) -> bool:
        if user.role is Role.ADMIN:
            return True
        if user.role is Role.OFFICIAL:
            return user.agency == row.agency
        return user.role is Role.CITIZEN and user.username == row.owner

    def list_for(self, user: User) -> list[Dossier]:
        with self._sessions() as db:
            stmt = select(DossierRow).order_by(DossierRow.submitted_at.desc())
            if user.role is Role.CITIZEN:
                stmt = stmt.where(DossierRow.owner == user.username)
            elif user.role is Role.OFFICIAL:
                stmt = stmt.where(DossierRow.agency == user.agency)
            elif user.role is not Role.ADMIN:
                raise PermissionDeniedError("forbidden", "your role has no dossiers")
            return [_dossier(r) for r in db.scalars(stmt)]

    def _seal_serial(self, agency: str) -> str:
        now = self.svc.clock.now()
        for seal in reversed(self.svc.pki.certificates("seal")):
            if seal.organization == agency and seal.status == "good" and seal.not_after > now:
                return seal.serial
        raise ConflictError("seal_missing", f"no valid seal certificate for {agency}")

    async def issue_result(self, code: str, official: User, pdf: bytes) -> Dossier:
        """The agency seal certifies the result, the official signs it (visible stamp, QR)."""
        dossier = self.get(code, official)
        if dossier.status != "submitted":
            raise ConflictError("dossier_already_returned", "this dossier was already returned")
        official_serial = self.svc.accounts.certificate_of(official.username)
        if official_serial is None:
            raise ConflictError("official_without_certificate", "no signing certificate on file")
        seal_serial = self._seal_serial(dossier.agency)
        track_url = f"{self.svc.settings.public_url.rstrip('/')}/v/{code}"
        result = await pdf_task(
            self.svc, "sign_result", pdf, seal_serial, official_serial, track_url
        )
        assert isinstance(result, bytes)
        stored = await asyncio.to_thread(
            self.svc.archive.put,
            io.BytesIO(result),
            dossier_code=code,
            meta=DocumentMeta(
                title=f"Kết quả: {dossier.service}",
                issuing_body=dossier.agency,
                access_level="public",
            ),
            kind="signed",
            media_type=PDF,
            actor=official.username,
        )
        with self._sessions() as db:
            row = db.get(DossierRow, code)
            assert row is not None
            row.status, row.result_document = "returned", stored.document_id
            row.returned_at, row.handled_by = self.svc.clock.now(), official.username
            db.commit()
            returned = _dossier(row)
        record(self.svc, official.username, "dossier.returned", code, document=stored.document_id)
        self.svc.notifications.dossier_returned(dossier.owner, code, dossier.service)
        return returned
