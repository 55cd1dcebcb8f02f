"""In-memory twins of the desk's protocols: each records what was asked of it and can be
told to fail, so the tests see what the desk did and what it left behind."""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from archive.metadata import DocumentMeta
from common.clock import FrozenClock
from common.errors import AuthenticationError, ExternalServiceError
from onestop.access import Scope
from onestop.codes import PublicUrls
from onestop.desk import Desk
from onestop.model import Dossier
from onestop.ports import Filed

AGENCY = "UBND Quận Hoàn Kiếm"
OTHER_AGENCY = "UBND Quận Ba Đình"
PUBLIC_URL = "https://dichvucong.example.vn/"


@dataclass(frozen=True)
class Account:
    """A ``Person``: what ``api.accounts.service.User`` gives the desk."""

    username: str
    role: str
    agency: str | None = None


CITIZEN = Account("citizen1", "citizen")
OTHER_CITIZEN = Account("citizen2", "citizen")
OFFICIAL = Account("official1", "official", AGENCY)
OTHER_OFFICIAL = Account("official2", "official", OTHER_AGENCY)
ADMIN = Account("admin1", "admin")
ARCHIVIST = Account("archivist1", "archivist")


class MemoryDossiers:
    def __init__(self) -> None:
        self.rows: dict[str, Dossier] = {}
        #: a dossier another official returns between the desk's read and its write
        self.meanwhile: Dossier | None = None

    def add(self, dossier: Dossier) -> None:
        assert dossier.code not in self.rows
        self.rows[dossier.code] = dossier

    def get(self, code: str) -> Dossier | None:
        return self.rows.get(code)

    def search(self, scope: Scope) -> list[Dossier]:
        found = [d for d in self.rows.values() if scope.holds(d)]
        return sorted(found, key=lambda d: d.submitted_at, reverse=True)

    def replace(self, before: Dossier, after: Dossier) -> bool:
        if self.meanwhile is not None:
            self.rows[self.meanwhile.code], self.meanwhile = self.meanwhile, None
        if self.rows[before.code].status != before.status:
            return False
        self.rows[before.code] = after
        return True


@dataclass
class FakeCitizenSigner:
    credentials: dict[str, list[str]] = field(default_factory=lambda: {"citizen1": ["cred-1"]})
    refuse: bool = False
    calls: list[tuple[bytes, str, str]] = field(default_factory=list)

    def credentials_of(self, username: str) -> Collection[str]:
        return self.credentials.get(username, [])

    async def sign_submission(
        self, pdf: bytes, *, credential_id: str, pin: str, otp: str, service: str
    ) -> bytes:
        self.calls.append((pdf, credential_id, service))
        if self.refuse:
            raise AuthenticationError("authorization_failed", "wrong PIN or one-time code")
        return b"signed-by-citizen:" + pdf


@dataclass(frozen=True)
class Seal:
    serial: str
    organization: str | None
    status: str
    not_after: datetime


@dataclass
class FakeResultSigner:
    officials: dict[str, str] = field(default_factory=lambda: {"official1": "off-1"})
    seals: list[Seal] = field(
        default_factory=lambda: [Seal("seal-1", AGENCY, "good", datetime(2030, 1, 1, tzinfo=UTC))]
    )
    fail: bool = False
    calls: list[dict[str, object]] = field(default_factory=list)

    def official_certificate(self, username: str) -> str | None:
        return self.officials.get(username)

    def seal_certificates(self) -> Sequence[Seal]:
        return self.seals

    async def sign_result(
        self,
        pdf: bytes,
        *,
        seal_serial: str,
        official_serial: str,
        track_url: str,
        stamp_box: tuple[float, float, float, float] | None = None,
    ) -> bytes:
        self.calls.append(
            {
                "seal": seal_serial,
                "official": official_serial,
                "track_url": track_url,
                "stamp_box": stamp_box,
            }
        )
        if self.fail:
            raise ExternalServiceError("signing_backend_unavailable", "the key store is down")
        return f"sealed:{seal_serial}+signed:{official_serial}:".encode() + pdf


@dataclass
class MemoryArchive:
    documents: dict[str, tuple[bytes, str, DocumentMeta, str]] = field(default_factory=dict)
    fail: bool = False
    indication: str = "TOTAL_PASSED"

    def file(self, pdf: bytes, *, dossier_code: str, meta: DocumentMeta, actor: str) -> Filed:
        if self.fail:
            raise ExternalServiceError("storage_unavailable", "the object store is down")
        document_id = f"d{len(self.documents) + 1}"
        self.documents[document_id] = (pdf, dossier_code, meta, actor)
        return Filed(document_id, self.indication)

    def read(self, document_id: str) -> bytes:
        return self.documents[document_id][0]


@dataclass
class MemoryAudit:
    entries: list[tuple[str, str, str, dict[str, object]]] = field(default_factory=list)

    def append(
        self,
        *,
        actor: str,
        action: str,
        subject: str,
        details: Mapping[str, object] | None = None,
    ) -> int:
        self.entries.append((actor, action, subject, dict(details or {})))
        return len(self.entries)


@dataclass
class MemoryNotifier:
    sent: list[tuple[str, str, str]] = field(default_factory=list)

    def dossier_returned(self, owner: str, code: str, service: str) -> None:
        self.sent.append((owner, code, service))


@dataclass
class Office:
    """A desk and its fakes."""

    dossiers: MemoryDossiers = field(default_factory=MemoryDossiers)
    citizen_signer: FakeCitizenSigner = field(default_factory=FakeCitizenSigner)
    result_signer: FakeResultSigner = field(default_factory=FakeResultSigner)
    archive: MemoryArchive = field(default_factory=MemoryArchive)
    audit: MemoryAudit = field(default_factory=MemoryAudit)
    notifier: MemoryNotifier = field(default_factory=MemoryNotifier)
    # Friday 20 November 2026, 10:00 in Hanoi
    clock: FrozenClock = field(
        default_factory=lambda: FrozenClock(datetime(2026, 11, 20, 3, 0, tzinfo=UTC))
    )

    @property
    def desk(self) -> Desk:
        return Desk(
            dossiers=self.dossiers,
            citizen_signer=self.citizen_signer,
            result_signer=self.result_signer,
            archive=self.archive,
            audit=self.audit,
            notifier=self.notifier,
            urls=PublicUrls(PUBLIC_URL),
            clock=self.clock,
        )

    async def submitted(self, service: str = "Cấp giấy phép xây dựng") -> Dossier:
        dossier = await self.desk.submit(
            CITIZEN, service, AGENCY, b"%PDF-don", "cred-1", "123456", "654321"
        )
        self.clock.advance(timedelta(hours=1))
        return dossier


def a_dossier(code: str = "HS0000000001", **changes: object) -> Dossier:
    from onestop.status import DossierStatus

    dossier = Dossier(
        code=code,
        service="Cấp giấy phép xây dựng",
        agency=AGENCY,
        owner="citizen1",
        status=DossierStatus.SUBMITTED,
        submitted_at=datetime(2026, 11, 20, 3, 0, tzinfo=UTC),
        promised_at=datetime(2026, 11, 27, 10, 0, tzinfo=UTC),
        returned_at=None,
        submission_document="d1",
        submission_indication="TOTAL_PASSED",
        result_document=None,
    )
    return dataclasses.replace(dossier, **changes)  # type: ignore[arg-type]
