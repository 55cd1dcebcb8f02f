"""verify/ and signing/ behind the archive's protocols (the archive knows neither): its
``Verifier``, ``Anchorer`` and ``LtaRenewer``. pyHanko loads when a document is renewed or an
anchor made, not when the services are built (every CLI command builds them)."""

from __future__ import annotations

import asyncio
import io
import tempfile
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from archive.errors import StoreUnavailableError
from archive.metadata import SignatureSummary
from common.clock import Clock
from signing.errors import SigningBackendError

if TYPE_CHECKING:
    from signing.pades import SigningContext
    from signing.timestamps import TimeStampSource
    from verify.model import ValidationReport


class ReportVerifier:
    """archive ``Verifier``: the verification report's verdict, as a catalog summary.

    The stored bytes are copied to a temporary file in ``folder`` (streamed) and handed to
    ``verify``: in the API, a PDF worker (``Services.verify_file``), never this process."""

    def __init__(self, verify: Callable[[Path], ValidationReport], folder: Path) -> None:
        self._verify = verify
        self._folder = folder

    def summarise(self, chunks: Iterator[bytes]) -> SignatureSummary | None:
        self._folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=self._folder, suffix=".pdf") as copy:
            for chunk in chunks:
                copy.write(chunk)
            copy.flush()
            report = self._verify(Path(copy.name))
        if not report.signatures:
            if any(f.code == "no_signatures" for f in report.findings):
                return None
            # no signature could be read or judged (a resource limit, no verdict in time, a
            # broken file): the report's own verdict, never "unsigned" for what may be signed
            return SignatureSummary(
                indication=report.indication.value,
                sub_indication=report.sub_indication.value if report.sub_indication else "",
            )
        first = report.signatures[0]
        signer = first.signer.name if first.signer else ""
        return SignatureSummary(
            indication=report.indication.value,
            sub_indication=report.sub_indication.value if report.sub_indication else "",
            signer=signer,
            signed_at=first.timestamped_signing_time or first.claimed_signing_time,
            level=first.pades_level or "",
        )


class TsaAnchorer:
    """archive ``Anchorer`` over a time-stamp source (kyso's own TSA in-process, or the
    external one of ``KYSO_TSA_URL``): the request built and the answer checked by the same
    RFC 3161 client as signing (``SourceTimeStamper``); a refusal is the archive's error."""

    def __init__(self, source: TimeStampSource) -> None:
        self._source = source

    def timestamp(self, digest: bytes) -> bytes:
        from signing.timestamps import SourceTimeStamper

        try:
            token = SourceTimeStamper(self._source).timestamp(digest, "sha256")
        except SigningBackendError as exc:
            raise StoreUnavailableError("archive_tsa_refused", exc.message) from exc
        return bytes(token.dump())


class ArchiveTimeStampRenewer:
    """archive ``LtaRenewer``: a fresh document time-stamp before the newest one weakens.

    Renewal is due when the newest document time-stamp's TSA certificate expires within
    ``horizon``, or when its imprint of the document or the TSA's signature uses a digest the
    verification policy forbids (verify/policy.py, Circular 15/2025/TT-BKHCN): such a
    time-stamp no longer proves anything.
    """

    def __init__(
        self,
        context: SigningContext,
        clock: Clock,
        horizon: timedelta,
        forbidden_digests: frozenset[str] | None = None,
    ) -> None:
        self._context = context
        self._clock = clock
        self._horizon = horizon
        if forbidden_digests is None:  # the verification policy's list (one list in kyso)
            from verify.policy import STRICT

            forbidden_digests = STRICT.algorithms.forbidden_digests
        self._forbidden = forbidden_digests

    def needs_renewal(self, chunks: Iterator[bytes]) -> bool:
        from pyhanko.pdf_utils.reader import PdfFileReader

        reader = PdfFileReader(io.BytesIO(b"".join(chunks)), strict=False)
        stamps = reader.embedded_timestamp_signatures
        if not stamps:
            return False  # not a B-LTA document: nothing of the archive's to renew
        newest = stamps[-1]
        digests = {newest.md_algorithm, newest.external_md_algorithm}
        if {d.lower().replace("-", "") for d in digests} & self._forbidden:
            return True
        expires = newest.signer_cert["tbs_certificate"]["validity"]["not_after"].native
        return bool(expires - self._clock.now() < self._horizon)

    def renew(self, chunks: Iterator[bytes]) -> bytes:
        from signing.extend import extend_to_lta

        signed = asyncio.run(extend_to_lta(io.BytesIO(b"".join(chunks)), self._context))
        assert signed.pdf is not None
        return signed.pdf
