"""Free citizen certificates at the one-stop shop: request, officer approval, issuance.

The key is generated inside the key store (the citizen signs remotely, with PIN and one-time
code); one active certificate per CCCD unless the old one is revoked.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from certs.catalog import EnrolmentRow
from certs.errors import PkiConflictError, PkiNotFoundError
from certs.identity import mask_cccd, validate_cccd, validate_name, validate_phone
from certs.pki import Pki
from certs.records import IssuedCertificate, utc
from common.ids import new_id

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Enrolment:
    id: str
    full_name: str
    cccd_masked: str
    status: str  # pending | issued | rejected
    created_at: datetime
    decided_at: datetime | None
    officer: str | None
    serial: str | None
    reason: str | None
    owner: str | None = None

    @classmethod
    def from_row(cls, row: EnrolmentRow) -> Enrolment:
        return cls(
            id=row.id,
            full_name=row.full_name,
            cccd_masked=mask_cccd(row.cccd),
            status=row.status,
            created_at=utc(row.created_at),
            decided_at=utc(row.decided_at) if row.decided_at else None,
            officer=row.officer,
            serial=row.serial,
            reason=row.reason,
            owner=row.owner,
        )


class EnrolmentDesk:
    def __init__(self, pki: Pki) -> None:
        self.pki = pki

    def request(
        self, full_name: str, cccd: str, phone: str | None = None, owner: str | None = None
    ) -> Enrolment:
        full_name, cccd = validate_name(full_name), validate_cccd(cccd)
        phone = validate_phone(phone) if phone else None
        if self.pki.active_for_cccd(cccd) is not None:
            raise PkiConflictError(
                "certificate_active_exists", "this CCCD already has an active certificate"
            )
        with self.pki.session() as db:
            pending = db.scalars(
                select(EnrolmentRow).where(
                    EnrolmentRow.cccd == cccd, EnrolmentRow.status == "pending"
                )
            ).first()
            if pending is not None:
                raise PkiConflictError(
                    "enrolment_duplicate", f"a request for this CCCD is pending ({pending.id})"
                )
            row = EnrolmentRow(
                id=new_id("enr_").lower(),
                full_name=full_name,
                cccd=cccd,
                phone=phone,
                status="pending",
                created_at=self.pki.clock.now(),
                owner=owner,
            )
            db.add(row)
            db.commit()
            log.info("enrolment %s requested", row.id)
            return Enrolment.from_row(row)

    def _pending(self, enrolment_id: str) -> EnrolmentRow:
        with self.pki.session() as db:
            row = db.get(EnrolmentRow, enrolment_id)
        if row is None:
            raise PkiNotFoundError("enrolment_unknown", f"no enrolment {enrolment_id}")
        if row.status != "pending":
            raise PkiConflictError("enrolment_decided", f"enrolment is already {row.status}")
        return row

    def approve(self, enrolment_id: str, officer: str) -> tuple[Enrolment, IssuedCertificate]:
        """Issue the certificate (key generated in the key store) and close the request."""
        row = self._pending(enrolment_id)
        issued = self.pki.issue_citizen(row.full_name, row.cccd)
        with self.pki.session() as db:
            stored = db.get(EnrolmentRow, enrolment_id)
            assert stored is not None
            stored.status, stored.serial = "issued", issued.serial
            stored.officer, stored.decided_at = officer, self.pki.clock.now()
            db.commit()
            log.info("enrolment %s approved", enrolment_id)
            return Enrolment.from_row(stored), issued

    def reject(self, enrolment_id: str, officer: str, reason: str) -> Enrolment:
        self._pending(enrolment_id)
        with self.pki.session() as db:
            stored = db.get(EnrolmentRow, enrolment_id)
            assert stored is not None
            stored.status, stored.reason = "rejected", reason
            stored.officer, stored.decided_at = officer, self.pki.clock.now()
            db.commit()
            return Enrolment.from_row(stored)

    def get(self, enrolment_id: str) -> Enrolment:
        with self.pki.session() as db:
            row = db.get(EnrolmentRow, enrolment_id)
            if row is None:
                raise PkiNotFoundError("enrolment_unknown", f"no enrolment {enrolment_id}")
            return Enrolment.from_row(row)

    def list(self, status: str | None = None, owner: str | None = None) -> list[Enrolment]:
        with self.pki.session() as db:
            stmt = select(EnrolmentRow).order_by(EnrolmentRow.created_at)
            if status:
                stmt = stmt.where(EnrolmentRow.status == status)
            if owner:
                stmt = stmt.where(EnrolmentRow.owner == owner)
            return [Enrolment.from_row(r) for r in db.scalars(stmt)]
