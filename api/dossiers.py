"""The one-stop-shop desk (``onestop.desk.Desk``) on kyso's services: dossiers in SQL
(``api_dossier``), signing in the bounded PDF workers (api/pdf_tasks.py), the archive, its
audit log and the in-app notifications.

The uploaded PDF is never parsed here: counting its pages and signing it are PDF tasks run in
the workers, and so is the archive's verification of what it stores (``Services.archive``).
"""

from __future__ import annotations

import io
from collections.abc import Collection, Sequence

from sqlalchemy import Update, select, update
from sqlalchemy.orm import sessionmaker

from api.accounts.models import DossierRow
from api.verifier_pool import pdf_task
from api.wiring import Services
from archive.ingest import Archive
from archive.metadata import DocumentMeta
from certs.records import CertificateRecord, utc
from onestop.access import Scope
from onestop.codes import PublicUrls
from onestop.desk import Desk
from onestop.model import Dossier
from onestop.ports import Box, Filed
from onestop.status import parse_status

PDF = "application/pdf"


def _dossier(row: DossierRow) -> Dossier:
    return Dossier(
        code=row.code,
        service=row.service,
        agency=row.agency,
        owner=row.owner,
        status=parse_status(row.status),
        submitted_at=utc(row.submitted_at),
        promised_at=utc(row.promised_at),
        returned_at=utc(row.returned_at) if row.returned_at else None,
        submission_document=row.submission_document,
        submission_indication=row.submission_indication,
        result_document=row.result_document,
        handled_by=row.handled_by,
    )


def compare_and_set(before: Dossier, after: Dossier) -> Update:
    """``after`` over ``before`` if the stored status is still ``before``'s: one UPDATE, so two
    writers cannot both win (its rowcount says whether this one did)."""
    return (
        update(DossierRow)
        .where(DossierRow.code == before.code, DossierRow.status == before.status.value)
        .values(
            status=after.status.value,
            returned_at=after.returned_at,
            result_document=after.result_document,
            handled_by=after.handled_by,
        )
    )


class SqlDossiers:
    """``DossierRepository`` on the ``api_dossier`` table (SQLite or PostgreSQL)."""

    def __init__(self, sessions: sessionmaker) -> None:  # type: ignore[type-arg]
        self._sessions = sessions

    def add(self, dossier: Dossier) -> None:
        row = DossierRow(
            code=dossier.code,
            service=dossier.service,
            agency=dossier.agency,
            owner=dossier.owner,
            status=dossier.status.value,
            submitted_at=dossier.submitted_at,
            promised_at=dossier.promised_at,
            returned_at=dossier.returned_at,
            submission_document=dossier.submission_document,
            submission_indication=dossier.submission_indication,
            result_document=dossier.result_document,
            handled_by=dossier.handled_by,
        )
        with self._sessions() as db:
            db.add(row)
            db.commit()

    def get(self, code: str) -> Dossier | None:
        with self._sessions() as db:
            row = db.get(DossierRow, code)
            return _dossier(row) if row is not None else None

    def search(self, scope: Scope) -> list[Dossier]:
        if scope.empty:
            return []
        stmt = select(DossierRow).order_by(DossierRow.submitted_at.desc())
        if scope.owner is not None:
            stmt = stmt.where(DossierRow.owner == scope.owner)
        if scope.agency is not None:
            stmt = stmt.where(DossierRow.agency == scope.agency)
        with self._sessions() as db:
            return [_dossier(r) for r in db.scalars(stmt)]

    def replace(self, before: Dossier, after: Dossier) -> bool:
        with self._sessions() as db:
            changed = db.execute(compare_and_set(before, after)).rowcount
            db.commit()
        return bool(changed == 1)


class WorkerCitizenSigner:
    """Remote signing of a submission in a PDF worker (``sign_submission``)."""

    def __init__(self, services: Services) -> None:
        self._svc = services

    def credentials_of(self, username: str) -> Collection[str]:
        return self._svc.remote_signing.credentials_list(username)

    async def sign_submission(
        self, pdf: bytes, *, credential_id: str, pin: str, otp: str, service: str
    ) -> bytes:
        signed = await pdf_task(self._svc, "sign_submission", pdf, credential_id, pin, otp, service)
        assert isinstance(signed, bytes)
        return signed


class WorkerResultSigner:
    """Seal certification and the official's signature in a PDF worker (``sign_result``),
    whose signers are cached per certificate (``Services.signers``)."""

    def __init__(self, services: Services) -> None:
        self._svc = services

    def official_certificate(self, username: str) -> str | None:
        return self._svc.accounts.certificate_of(username)

    def seal_certificates(self) -> Sequence[CertificateRecord]:
        return self._svc.pki.certificates("seal")

    async def sign_result(
        self,
        pdf: bytes,
        *,
        seal_serial: str,
        official_serial: str,
        track_url: str,
        stamp_box: Box | None = None,
    ) -> bytes:
        result = await pdf_task(
            self._svc, "sign_result", pdf, seal_serial, official_serial, track_url, stamp_box
        )
        assert isinstance(result, bytes)
        return result


class ArchiveShelf:
    """``DossierArchive`` on kyso's archive: signed PDFs, verified as they are stored."""

    def __init__(self, archive: Archive) -> None:
        self._archive = archive

    def file(self, pdf: bytes, *, dossier_code: str, meta: DocumentMeta, actor: str) -> Filed:
        stored = self._archive.put(
            io.BytesIO(pdf),
            dossier_code=dossier_code,
            meta=meta,
            kind="signed",
            media_type=PDF,
            actor=actor,
        )
        summary = stored.version.signature
        return Filed(stored.document_id, summary.indication if summary else "NO_SIGNATURE")

    def read(self, document_id: str) -> bytes:
        _version, chunks = self._archive.read(document_id)
        return b"".join(chunks)


def dossier_desk(services: Services) -> Desk:
    """The desk on ``services`` (cheap: it holds the services' parts, nothing of its own)."""
    return Desk(
        dossiers=SqlDossiers(sessionmaker(services.engine, expire_on_commit=False)),
        citizen_signer=WorkerCitizenSigner(services),
        result_signer=WorkerResultSigner(services),
        archive=ArchiveShelf(services.archive),
        audit=services.catalog.audit_log,
        notifier=services.notifications,
        urls=PublicUrls(services.settings.public_url),
        clock=services.clock,
    )
