"""Upgrading signed PDFs to B-LTA in place, as new incremental revisions.

For every signature the DSS receives the certificates, OCSP responses and CRLs that prove
it valid now; then a document time-stamp seals the whole file (the archive time-stamp chain
of Law on Archives 33/2024: re-run it before the newest time-stamp certificate expires).
Earlier revisions are never rewritten, so every earlier signature stays valid.
"""

from __future__ import annotations

import hashlib
from io import BytesIO
from typing import BinaryIO

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.general import SigningError as PyHankoSigningError
from pyhanko.sign.signers.pdf_signer import PdfTimeStamper
from pyhanko.sign.validation.dss import async_add_validation_info

from common.ids import new_id
from signing.errors import SigningBackendError, SigningInputError
from signing.options import Level, SignedDocument
from signing.pades import SigningContext
from signing.pdfinput import open_pdf
from signing.timestamps import SourceTimeStamper


def _reader(data: bytes) -> PdfFileReader:
    return PdfFileReader(BytesIO(data), strict=False)


async def add_validation_data(data: bytes, context: SigningContext) -> bytes:
    """A new revision whose DSS proves every signature valid now (B-T -> B-LT)."""
    count = len(_reader(data).embedded_regular_signatures)
    if not count:
        raise SigningInputError("pdf_unsigned", "the PDF has no signature to extend")
    try:
        for index in range(count):
            signature = _reader(data).embedded_regular_signatures[index]
            buffer = BytesIO()
            await async_add_validation_info(
                signature,
                context.trust.validation_context(fetch=True),
                output=buffer,
                force_write=True,
            )
            data = buffer.getvalue()
    except PyHankoSigningError as exc:
        raise SigningBackendError("extend_failed", str(exc)) from exc
    except PdfError as exc:
        raise SigningInputError("pdf_broken", f"the PDF cannot be extended: {exc}") from exc
    return data


async def extend_to_lta(source: BinaryIO, context: SigningContext) -> SignedDocument:
    """Add validation data for every signature and a document time-stamp (B-LTA)."""
    if context.timestamps is None:
        raise SigningBackendError("tsa_unavailable", "B-LTA needs a time-stamp source")
    open_pdf(source)  # same input checks as signing: not a PDF, broken, encrypted
    source.seek(0)
    data = await add_validation_data(source.read(), context)
    timestamper = SourceTimeStamper(context.timestamps)
    field_name = f"kyso-lta-{new_id().lower()}"
    try:
        out = BytesIO()
        stamper = PdfTimeStamper(timestamper, field_name=field_name)
        current = _reader(data)
        if current.embedded_timestamp_signatures:
            await stamper.async_update_archival_timestamp_chain(
                current, context.trust.validation_context(fetch=True), in_place=False, output=out
            )
        else:  # first archive time-stamp
            await stamper.async_timestamp_pdf(
                IncrementalPdfFileWriter(BytesIO(data), strict=False),
                "sha256",
                context.trust.validation_context(fetch=True),
                output=out,
            )
    except PyHankoSigningError as exc:
        raise SigningBackendError("extend_failed", str(exc)) from exc
    except PdfError as exc:
        raise SigningInputError("pdf_broken", f"the PDF cannot be extended: {exc}") from exc
    result = out.getvalue()
    last = _reader(result).embedded_signatures[-1]
    return SignedDocument(
        sha256=hashlib.sha256(result).hexdigest(),
        level=Level.B_LTA,
        field_name=field_name,
        signer_serial=format(last.signer_cert.serial_number, "x"),
        signing_time=context.clock.now().replace(microsecond=0),
        pdf=result,
    )
