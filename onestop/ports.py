"""The small protocols the desk works through; ``api/dossiers.py`` has the real ones (SQL,
PDF workers, the archive), ``tests/onestop`` in-memory ones."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from archive.metadata import DocumentMeta
from onestop.access import Scope
from onestop.model import Dossier


class DossierRepository(Protocol):
    def add(self, dossier: Dossier) -> None:
        """Store a new dossier (its code is new)."""
        ...

    def get(self, code: str) -> Dossier | None: ...

    def search(self, scope: Scope) -> list[Dossier]:
        """The dossiers ``scope`` holds, the newest submission first."""
        ...

    def replace(self, before: Dossier, after: Dossier) -> bool:
        """Store ``after`` over ``before`` if the stored status is still ``before``'s (so two
        officials returning one dossier at once cannot both win); False when it was not."""
        ...


class CitizenSigner(Protocol):
    """Remote signing of a citizen's application (key on the server, PIN + one-time code)."""

    def credentials_of(self, username: str) -> Collection[str]: ...

    async def sign_submission(
        self, pdf: bytes, *, credential_id: str, pin: str, otp: str, service: str
    ) -> bytes: ...


class SealCertificate(Protocol):
    """What the desk reads of a seal certificate (``certs.records.CertificateRecord`` is one)."""

    @property
    def serial(self) -> str: ...

    @property
    def organization(self) -> str | None: ...

    @property
    def status(self) -> str: ...

    @property
    def not_after(self) -> datetime: ...


#: a box on a page in PDF points: x1, y1, x2, y2 (origin bottom left)
Box = tuple[float, float, float, float]


class ResultSigner(Protocol):
    """The agency's seal certifies a result and the official signs it (visible stamp, QR)."""

    def official_certificate(self, username: str) -> str | None:
        """The serial of the official's signing certificate on file."""
        ...

    def seal_certificates(self) -> Sequence[SealCertificate]:
        """Every seal certificate, oldest first."""
        ...

    async def sign_result(
        self,
        pdf: bytes,
        *,
        seal_serial: str,
        official_serial: str,
        track_url: str,
        stamp_box: Box | None = None,
    ) -> bytes:
        """``stamp_box``: where the official's stamp goes on the last page (None: the
        default box at the bottom of the page)."""
        ...


@dataclass(frozen=True)
class Filed:
    """A PDF the archive took: its document id and what its verification said."""

    document_id: str
    #: the archive's verdict on its signatures (an ETSI indication), or NO_SIGNATURE
    indication: str


class DossierArchive(Protocol):
    """The archive, for the dossiers' PDFs. Blocking: the desk calls it from a thread."""

    def file(self, pdf: bytes, *, dossier_code: str, meta: DocumentMeta, actor: str) -> Filed:
        """Store a signed PDF completely or not at all (it raises then)."""
        ...

    def read(self, document_id: str) -> bytes: ...


class Notifier(Protocol):
    def dossier_returned(self, owner: str, code: str, service: str) -> None:
        """Tell the citizen the result is ready (a link to the landing page)."""
        ...
