"""What is done to an uploaded PDF: each task parses it, so each runs in a PDF worker process
(api/verifier_pool.py, api/pdf_worker.py), under that process's memory and CPU limits, never
on the API's event loop. A task takes its process's ``TaskContext`` and plain arguments
(they cross a pipe) and returns plain data or raises a ``KysoError``.
"""

from __future__ import annotations

import asyncio
import io
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from common.errors import InputError

if TYPE_CHECKING:
    from api.signers import Signing
    from certs.fetch_policy import FetchPolicy
    from certs.keys import KeyStore
    from certs.ocsp import OcspResponder
    from certs.pki import Pki
    from certs.revcache import RevocationCache
    from certs.revocation import Revocation
    from signing.remote import RemoteSigningService
    from verify.batchcache import BatchCache
    from verify.model import ValidationReport
    from verify.options import Limits, VerifyOptions


class PdfLimitError(InputError):
    """A PDF task went over its worker's limits (memory, CPU time) or its worker died twice;
    the message says which. Sent across the pipe like every error, as itself."""

    default_code = "resource_limit"


class PdfTaskCrash(RuntimeError):
    """A bug in a PDF task (its worker caught an exception that is not a kyso error)."""


OFFICIAL_FIELD = "ChuKyCanBo"
OFFICIAL_BOX = (215.0, 30.0, 575.0, 160.0)


@dataclass(frozen=True)
class TaskContext:
    """What the PDF tasks use, built once per process (a PDF worker, or the API process
    itself when ``KYSO_VERIFY_WORKERS=0``)."""

    max_pages: int
    pki: Pki
    keystore: KeyStore
    revocation: Revocation
    ocsp: OcspResponder
    remote_signing: RemoteSigningService
    signing: Signing
    #: other responders' OCSP/CRL answers kept by this process between verifications
    revocation_cache: RevocationCache
    #: signer path outcomes and signature checks kept between verifications
    batch_cache: BatchCache | None = None


@dataclass(frozen=True)
class VerifyConfig:
    """How to verify one document, decided by the API process and sent with the task
    (picklable): the trust anchors as they are now (DER; one added since start-up counts at
    once), the limits, whether to fetch revocation data and from where."""

    trust_anchors: tuple[bytes, ...]
    online: bool
    limits: Limits
    fetch_policy: FetchPolicy

    def options(self, context: TaskContext) -> VerifyOptions:
        """Options over ``context``'s PKI: kyso's own revocation data in-process, other
        URLs over HTTP where the fetch policy allows."""
        from asn1crypto import x509

        from certs.sources import HttpUrlSource, PkiUrlSource
        from verify.options import VerifyOptions

        limits = self.limits
        http = HttpUrlSource(
            limits.fetch_timeout_seconds, limits.fetch_max_bytes, self.fetch_policy
        )
        source = PkiUrlSource(context.pki, http, context.revocation, context.ocsp)
        return VerifyOptions(
            trust_roots=tuple(x509.Certificate.load(der) for der in self.trust_anchors),
            online=self.online,
            revocation_source=source,
            limits=limits,
            revocation_cache=context.revocation_cache,
            batch_cache=context.batch_cache,
        )


def verify(context: TaskContext, path: str, config: VerifyConfig) -> ValidationReport:
    from verify.engine import verify_pdf

    return verify_pdf(Path(path), config.options(context))


def page_count(pdf: bytes) -> int:
    import pikepdf

    try:
        with pikepdf.open(io.BytesIO(pdf)) as document:
            return len(document.pages)
    # PdfError, qpdf's QpdfRuntimeError, and ValueError for a number beyond 64 bits (fuzzing)
    except (pikepdf.PikepdfError, ValueError) as exc:
        raise InputError("pdf_unreadable", "the file is not a readable PDF") from exc


def pages(_context: TaskContext, pdf: bytes) -> int:
    return page_count(pdf)


def bounded_pages(context: TaskContext, pdf: bytes) -> int:
    """The page count, refused over ``KYSO_MAX_PAGES``: signing walks the page tree, and a
    6 MB file can hold 40,000 pages sharing one content stream."""
    count = page_count(pdf)
    limit = context.max_pages
    if count > limit:
        raise InputError(
            "resource_limit", f"the PDF has {count} pages; at most {limit} are accepted"
        )
    return count


def sign_submission(
    context: TaskContext, pdf: bytes, credential_id: str, pin: str, otp: str, service: str
) -> bytes:
    """A citizen's application signed remotely (PIN + one-time code) with a visible stamp."""
    from signing.batch import BatchItem, RemoteIdentity, sign_batch_remotely
    from signing.options import Level, SignOptions, StampKind
    from signing.stamps import content_for

    remote = context.remote_signing
    bounded_pages(context, pdf)  # a clear refusal before anything is approved
    info = remote.credentials_info(credential_id)
    identity = RemoteIdentity.from_pki(context.pki, credential_id, info.cert_serial)
    stamp = content_for(StampKind.CITIZEN, identity.certificate.subject)
    options = SignOptions(level=Level.B_T, stamp=stamp, reason=f"Nộp hồ sơ: {service}")
    item = BatchItem(pdf, options)
    signing = context.signing.context
    [signed] = asyncio.run(sign_batch_remotely(remote, identity, pin, otp, [item], signing))
    assert signed.pdf is not None
    return signed.pdf


def sign_result(
    context: TaskContext,
    pdf: bytes,
    seal_serial: str,
    official_serial: str,
    track_url: str,
    box: tuple[float, float, float, float] | None = None,
) -> bytes:
    """The agency seal certifies the result, the official signs it (visible stamp, QR) in
    ``box`` on the last page (a template's signer block), ``OFFICIAL_BOX`` by default."""
    return asyncio.run(_sign_result(context, pdf, seal_serial, official_serial, track_url, box))


async def _sign_result(
    context: TaskContext,
    pdf: bytes,
    seal_serial: str,
    official_serial: str,
    track_url: str,
    box: tuple[float, float, float, float] | None,
) -> bytes:
    from signing.options import Level, Placement, ReservedField, SignOptions, StampKind
    from signing.stamps import content_for

    last = bounded_pages(context, pdf)
    reserve = ReservedField(OFFICIAL_FIELD, Placement(last, box or OFFICIAL_BOX))
    # the process's signers, one per certificate (their caches kept from one result to the next)
    seal = context.signing.signer(seal_serial)
    certified = await seal.sign(
        pdf, SignOptions(level=Level.B_T, certify=True, reserve=(reserve,), reason="Đóng dấu")
    )
    assert certified.pdf is not None
    signer = context.signing.signer(official_serial)
    subject = signer.key.certificate.subject
    stamp = content_for(StampKind.OFFICIAL, subject, track_url)
    result = await signer.sign(
        certified.pdf, SignOptions(level=Level.B_LTA, field_name=OFFICIAL_FIELD, stamp=stamp)
    )
    assert result.pdf is not None
    return result.pdf
