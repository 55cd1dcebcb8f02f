"""The one-stop-shop desk: submit (citizen), inbox and list, return a result (official).

Each step finishes completely or leaves nothing behind: a refused approval or a failed
signature files nothing; a failed archive write records no dossier and no status change; the
audit entry and the citizen's notification come only after the change they report is stored.
Signing runs in the bounded PDF workers behind ``CitizenSigner``/``ResultSigner`` and the
archive (which verifies what it stores) is called from a thread: nothing here parses a PDF.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from archive.metadata import DocumentMeta
from archive.protocols import AuditLog
from common.clock import Clock
from onestop.access import Person, list_scope, may_return, may_see, public_view
from onestop.codes import PublicUrls, new_dossier_code
from onestop.errors import (
    DossierConflictError,
    DossierForbiddenError,
    DossierNotFoundError,
    DossierStateError,
    OnestopError,
)
from onestop.model import Dossier, PublicDossier, promised_date
from onestop.ports import (
    Box,
    CitizenSigner,
    DossierArchive,
    DossierRepository,
    Filed,
    Notifier,
    ResultSigner,
    SealCertificate,
)
from onestop.status import INITIAL, DossierStatus, DossierStep, next_status

#: the processing time promised on a receipt, in working days
PROCESSING_DAYS = 5


@dataclass(frozen=True)
class ReturnPlan:
    """A return that passed its checks: the dossier, its next status, who signs with what."""

    dossier: Dossier
    after: DossierStatus
    official: str
    official_serial: str
    seal_serial: str


def current_seal(seals: Iterable[SealCertificate], agency: str, now: datetime) -> str | None:
    """The newest seal certificate of ``agency`` that is good and not expired."""
    for seal in reversed(list(seals)):
        if seal.organization == agency and seal.status == "good" and seal.not_after > now:
            return seal.serial
    return None


def _unknown(code: str) -> DossierNotFoundError:
    return DossierNotFoundError("dossier_unknown", f"no dossier {code}")


class Desk:
    def __init__(
        self,
        *,
        dossiers: DossierRepository,
        citizen_signer: CitizenSigner,
        result_signer: ResultSigner,
        archive: DossierArchive,
        audit: AuditLog,
        notifier: Notifier,
        urls: PublicUrls,
        clock: Clock,
        processing_days: int = PROCESSING_DAYS,
    ) -> None:
        self.dossiers = dossiers
        self.citizen_signer = citizen_signer
        self.result_signer = result_signer
        self.archive = archive
        self.audit = audit
        self.notifier = notifier
        self.urls = urls
        self.clock = clock
        self.processing_days = processing_days

    async def submit(
        self,
        citizen: Person,
        service: str,
        agency: str,
        pdf: bytes,
        credential_id: str,
        pin: str,
        otp: str,
    ) -> Dossier:
        """Sign the submission remotely (PIN + one-time code), archive it, give a receipt."""
        if credential_id not in self.citizen_signer.credentials_of(citizen.username):
            raise DossierNotFoundError("credential_unknown", "no such credential of yours")
        signed = await self.citizen_signer.sign_submission(
            pdf, credential_id=credential_id, pin=pin, otp=otp, service=service
        )
        code = new_dossier_code()
        filed = await asyncio.to_thread(
            self.archive.file,
            signed,
            dossier_code=code,
            meta=DocumentMeta(title=f"Hồ sơ: {service}", access_level="restricted"),
            actor=citizen.username,
        )
        now = self.clock.now()
        dossier = Dossier(
            code=code,
            service=service,
            agency=agency,
            owner=citizen.username,
            status=INITIAL,
            submitted_at=now,
            promised_at=promised_date(now, self.processing_days),
            returned_at=None,
            submission_document=filed.document_id,
            submission_indication=filed.indication,
            result_document=None,
        )
        self.dossiers.add(dossier)
        self.audit.append(
            actor=citizen.username,
            action="dossier.submitted",
            subject=code,
            details={"service": service},
        )
        return dossier

    def get(self, code: str, person: Person) -> Dossier:
        """The whole dossier, for someone ``may_see`` allows; unknown to anyone else."""
        dossier = self.dossiers.get(code)
        if dossier is None or not may_see(person, dossier):
            raise _unknown(code)
        return dossier

    def public(self, code: str) -> PublicDossier:
        """The dossier's public face: anyone holding its code may see it."""
        dossier = self.dossiers.get(code)
        if dossier is None:
            raise _unknown(code)
        return public_view(dossier)

    def list_for(self, person: Person) -> list[Dossier]:
        """A citizen's dossiers, an official's inbox, all of them for an admin."""
        return self.dossiers.search(list_scope(person))

    def result_pdf(self, code: str, person: Person) -> bytes | None:
        """The returned result of a dossier the person may see; None until it is returned."""
        dossier = self.get(code, person)
        if dossier.result_document is None:
            return None
        return self.archive.read(dossier.result_document)

    async def issue_result(
        self, code: str, official: Person, pdf: bytes, *, stamp_box: Box | None = None
    ) -> Dossier:
        """The agency seal certifies the result, the official signs it (visible stamp, QR
        of the landing URL), the archive keeps it public, the dossier is returned.
        ``stamp_box``: where the official's stamp goes on the last page (a template's signer
        block); the default box otherwise."""
        plan = self.plan_return(code, official)
        filed = await self.sign_and_file(plan, pdf, stamp_box=stamp_box)
        returned = self.returned(plan, filed)
        if not self.dossiers.replace(plan.dossier, returned):
            # another official returned it meanwhile: theirs stands (this result stays filed
            # in the archive under the dossier's code, as every stored version does)
            raise self.lost_race(code)
        self.announce(plan, filed)
        return returned

    def plan_return(self, code: str, official: Person) -> ReturnPlan:
        """The checks of a return, before anything is signed: the official may return this
        dossier, its status allows it, a certificate and the agency's current seal exist."""
        dossier = self.get(code, official)
        if not may_return(official, dossier):
            raise DossierForbiddenError("forbidden", "only the agency's officials return results")
        after = next_status(dossier.status, DossierStep.RETURN_RESULT)
        official_serial = self.result_signer.official_certificate(official.username)
        if official_serial is None:
            raise DossierConflictError(
                "official_without_certificate", "no signing certificate on file"
            )
        seal_serial = current_seal(
            self.result_signer.seal_certificates(), dossier.agency, self.clock.now()
        )
        if seal_serial is None:
            raise DossierConflictError(
                "seal_missing", f"no valid seal certificate for {dossier.agency}"
            )
        return ReturnPlan(dossier, after, official.username, official_serial, seal_serial)

    async def sign_and_file(
        self,
        plan: ReturnPlan,
        pdf: bytes,
        *,
        stamp_box: Box | None = None,
        meta: DocumentMeta | None = None,
    ) -> Filed:
        """Seal, sign and archive (public) the result of a planned return; ``meta``: its
        archive record (Circular 02/2019 fields), a plain one by default."""
        result = await self.result_signer.sign_result(
            pdf,
            seal_serial=plan.seal_serial,
            official_serial=plan.official_serial,
            track_url=self.urls.landing(plan.dossier.code),
            stamp_box=stamp_box,
        )
        record = meta or DocumentMeta(title=f"Kết quả: {plan.dossier.service}")
        return await asyncio.to_thread(
            self.archive.file,
            result,
            dossier_code=plan.dossier.code,
            meta=dataclasses.replace(
                record, issuing_body=plan.dossier.agency, access_level="public"
            ),
            actor=plan.official,
        )

    def returned(self, plan: ReturnPlan, filed: Filed) -> Dossier:
        """The dossier as the return will store it."""
        return dataclasses.replace(
            plan.dossier,
            status=plan.after,
            result_document=filed.document_id,
            returned_at=self.clock.now(),
            handled_by=plan.official,
        )

    def announce(
        self, plan: ReturnPlan, filed: Filed, details: dict[str, str] | None = None
    ) -> None:
        """The audit entry and the citizen's notification, once the return is stored."""
        self.audit.append(
            actor=plan.official,
            action="dossier.returned",
            subject=plan.dossier.code,
            details={"document": filed.document_id, **(details or {})},
        )
        self.notifier.dossier_returned(plan.dossier.owner, plan.dossier.code, plan.dossier.service)

    def lost_race(self, code: str) -> OnestopError:
        return self._lost_race(code, DossierStep.RETURN_RESULT)

    def _lost_race(self, code: str, step: DossierStep) -> OnestopError:
        """Why a step whose write found the dossier changed is refused."""
        stored = self.dossiers.get(code)
        if stored is not None:
            try:
                next_status(stored.status, step)
            except DossierStateError as exc:
                return exc
        return DossierConflictError("dossier_changed", "the dossier changed meanwhile: try again")
