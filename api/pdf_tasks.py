"""What is done to an uploaded PDF: each task parses it, so each runs in a PDF worker process
(api/verifier_pool.py, api/pdf_worker.py), under that process's memory and CPU limits, never
on the API's event loop. A task takes the worker's ``Services`` and plain arguments (they
cross a pipe) and returns plain data or raises a ``KysoError``.
"""

from __future__ import annotations

import asyncio
import io
from pathlib import Path
from typing import TYPE_CHECKING

from common.errors import InputError

if TYPE_CHECKING:
    from api.wiring import Services
    from verify.model import ValidationReport

OFFICIAL_FIELD = "ChuKyCanBo"
OFFICIAL_BOX = (215.0, 30.0, 575.0, 160.0)


def verify(services: Services, path: str, online: bool) -> ValidationReport:
    from verify.engine import verify_pdf

    # trust anchors are read for each document: one added since start-up counts at once
    return verify_pdf(Path(path), services.verify_options(online=online))


def page_count(pdf: bytes) -> int:
    import pikepdf

    try:
        with pikepdf.open(io.BytesIO(pdf)) as document:
            return len(document.pages)
    # PdfError, qpdf's QpdfRuntimeError, and ValueError for a number beyond 64 bits (fuzzing)
    except (pikepdf.PikepdfError, ValueError) as exc:
        raise InputError("pdf_unreadable", "the file is not a readable PDF") from exc


def bounded_pages(services: Services, pdf: bytes) -> int:
    """The page count, refused over ``KYSO_MAX_PAGES``: signing walks the page tree, and a
    6 MB file can hold 40,000 pages sharing one content stream."""
    count = page_count(pdf)
    limit = services.settings.max_pages
    if count > limit:
        raise InputError(
            "resource_limit", f"the PDF has {count} pages; at most {limit} are accepted"
        )
    return count


def sign_submission(
    services: Services, pdf: bytes, credential_id: str, pin: str, otp: str, service: str
) -> bytes:
    """A citizen's application signed remotely (PIN + one-time code) with a visible stamp."""
    from signing.batch import BatchItem, RemoteIdentity, sign_batch_remotely
    from signing.options import Level, SignOptions, StampKind
    from signing.stamps import content_for

    remote = services.remote_signing
    bounded_pages(services, pdf)  # a clear refusal before anything is approved
    info = remote.credentials_info(credential_id)
    identity = RemoteIdentity.from_pki(services.pki, credential_id, info.cert_serial)
    stamp = content_for(StampKind.CITIZEN, identity.certificate.subject)
    options = SignOptions(level=Level.B_T, stamp=stamp, reason=f"Nộp hồ sơ: {service}")
    item = BatchItem(pdf, options)
    [signed] = asyncio.run(
        sign_batch_remotely(remote, identity, pin, otp, [item], services.signing_context)
    )
    assert signed.pdf is not None
    return signed.pdf


def sign_result(
    services: Services, pdf: bytes, seal_serial: str, official_serial: str, track_url: str
) -> bytes:
    """The agency seal certifies the result, the official signs it (visible stamp, QR)."""
    return asyncio.run(_sign_result(services, pdf, seal_serial, official_serial, track_url))


async def _sign_result(
    services: Services, pdf: bytes, seal_serial: str, official_serial: str, track_url: str
) -> bytes:
    from signing.options import Level, Placement, ReservedField, SignOptions, StampKind
    from signing.stamps import content_for

    last = bounded_pages(services, pdf)
    reserve = ReservedField(OFFICIAL_FIELD, Placement(last, OFFICIAL_BOX))
    # the worker's signers, one per certificate (their caches kept from one result to the next)
    seal = services.signers.signer(seal_serial)
    certified = await seal.sign(
        pdf, SignOptions(level=Level.B_T, certify=True, reserve=(reserve,), reason="Đóng dấu")
    )
    assert certified.pdf is not None
    signer = services.signers.signer(official_serial)
    subject = signer.key.certificate.subject
    stamp = content_for(StampKind.OFFICIAL, subject, track_url)
    result = await signer.sign(
        certified.pdf, SignOptions(level=Level.B_LTA, field_name=OFFICIAL_FIELD, stamp=stamp)
    )
    assert result.pdf is not None
    return result.pdf
