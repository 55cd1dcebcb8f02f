"""PAdES signing (B-B, B-T, B-LT, B-LTA) with pyHanko's async API and a key-store signer.

One ``PadesSigner`` per signing key and process: the key is resolved once, the time-stamper
caches its size-estimate token, and the signature container size is estimated once per level
instead of once per document (pyHanko's default estimate signs a dummy container each time).
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass
from datetime import datetime
from io import BytesIO
from typing import IO, BinaryIO

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.fields import enumerate_sig_fields
from pyhanko.sign.general import SigningError as PyHankoSigningError
from pyhanko.sign.signers.pdf_byterange import PreparedByteRangeDigest
from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes
from pyhanko.sign.signers.pdf_signer import PdfTBSDocument, PreSignValidationStatus
from pyhanko.sign.timestamps import TimeStamper
from pyhanko_certvalidator.errors import InsufficientRevinfoError

from certs.keys import KeyStore
from common.clock import Clock, SystemClock
from signing.errors import SigningBackendError, SigningConflictError, SigningInputError
from signing.fonts import FontSet
from signing.options import Level, SignedDocument, SignOptions, StampKind
from signing.pdfinput import READ_ERRORS, field_spec, open_pdf, reading_input
from signing.revinfo import TrustMaterial
from signing.signer import KeyStoreSigner, SigningKey
from signing.stamps import style_for
from signing.timestamps import SourceTimeStamper, TimeStampSource


@dataclass(frozen=True)
class SigningContext:
    """What every signature needs besides the key; built once per process by ``api/``."""

    trust: TrustMaterial
    timestamps: TimeStampSource | None = None
    clock: Clock = dataclasses.field(default_factory=SystemClock)
    fonts: FontSet | None = None


@dataclass
class Prepared:
    """A document in its final pre-signing state: placeholder written, byte range hashed."""

    tbs: PdfTBSDocument
    byte_range: PreparedByteRangeDigest
    output: IO[bytes]
    field_name: str
    signing_time: datetime
    level: Level
    certified: bool


def signature_metadata(
    options: SignOptions, field_name: str, digest: str, context: SigningContext
) -> signers.PdfSignatureMetadata:
    level = options.level
    return signers.PdfSignatureMetadata(
        field_name=field_name,
        md_algorithm=digest,
        subfilter=fields.SigSeedSubFilter.PADES,
        certify=options.certify,
        docmdp_permissions=fields.MDPPerm.FILL_FORMS,
        reason=options.reason,
        location=options.location,
        contact_info=options.contact,
        embed_validation_info=level.long_term,
        use_pades_lta=level is Level.B_LTA,
        validation_context=(
            context.trust.validation_context(fetch=True) if level.long_term else None
        ),
        signer_key_usage={"non_repudiation"},
    )


async def prepare(
    signer: signers.Signer,
    digest: str,
    source: BinaryIO,
    output: BinaryIO,
    options: SignOptions,
    context: SigningContext,
    timestamper: TimeStamper | None,
    reserved: dict[Level, int] | None = None,
) -> Prepared:
    """Everything up to the signature value: field, appearance, placeholder, digest."""
    if options.level.timestamped and timestamper is None:
        raise SigningBackendError("tsa_unavailable", f"{options.level} needs a time-stamp source")
    writer: IncrementalPdfFileWriter = open_pdf(source)
    now = context.clock.now().replace(microsecond=0)
    stamp = options.stamp
    if stamp is not None:
        stamp = dataclasses.replace(stamp, signing_time=now)
    with reading_input("signed"):  # pyHanko resolves the document's objects as it goes
        if options.certify and next(
            iter(enumerate_sig_fields(writer.prev, filled_status=True)), None
        ):
            raise SigningConflictError(
                "signing_certify_signed", "only the first signature of a document can certify it"
            )
        field_name, spec = field_spec(writer, options, stamp)
        for extra in options.reserve:
            x1, y1, x2, y2 = (round(v) for v in extra.placement.box)
            box = (x1, y1, x2, y2)
            fields.append_signature_field(
                writer, fields.SigFieldSpec(extra.name, on_page=extra.placement.page - 1, box=box)
            )
    style = (
        style_for(stamp, context.fonts)
        if stamp is not None and stamp.kind is not StampKind.NONE
        else None
    )
    pdf_signer = signers.PdfSigner(
        signature_metadata(options, field_name, digest, context),
        signer,
        timestamper=timestamper if options.level.timestamped else None,
        stamp_style=style,
        new_field_spec=spec,
    )
    try:
        session = pdf_signer.init_signing_session(writer, existing_fields_only=spec is None)
        session.system_time = now
        validation: PreSignValidationStatus | None = await session.perform_presign_validation(
            writer
        )
        size = reserved.get(options.level) if reserved is not None else None
        if size is None:
            size = await session.estimate_signature_container_size(validation, tight=False)
            if reserved is not None:
                reserved[options.level] = size
        tbs = session.prepare_tbs_document(validation_info=validation, bytes_reserved=size)
        prepared_digest, out = tbs.digest_tbs_document(output=output)
    except PyHankoSigningError as exc:
        raise _translate(exc) from exc
    except InsufficientRevinfoError as exc:  # B-LT: the signer's or the TSA's chain
        raise _no_revinfo(exc) from exc
    except READ_ERRORS as exc:
        raise SigningInputError("pdf_broken", f"the PDF cannot be signed: {exc}") from exc
    return Prepared(tbs, prepared_digest, out, field_name, now, options.level, options.certify)


def _no_revinfo(exc: InsufficientRevinfoError) -> SigningBackendError:
    return SigningBackendError(
        "revocation_unavailable",
        f"{exc}: its OCSP responder and CRL did not answer or the fetch policy does not "
        "allow them (the log names each URL)",
    )


def _translate(exc: PyHankoSigningError) -> Exception:
    text = str(exc)
    if "certif" in text.lower() and ("docmdp" in text.lower() or "lock" in text.lower()):
        return SigningConflictError("signing_forbidden_by_docmdp", text)
    if "validated" in text:
        return SigningBackendError("signer_not_validated", text)
    return SigningConflictError("signing_refused", text)


async def finish(prepared: Prepared, serial: str, keep_bytes: bool = True) -> SignedDocument:
    """Sign the prepared digest, then write DSS and archive time-stamp for B-LT/B-LTA."""
    try:
        post = await prepared.tbs.perform_signature(
            document_digest=prepared.byte_range.document_digest,
            pdf_cms_signed_attrs=PdfCMSSignedAttributes(signing_time=prepared.signing_time),
        )
        await post.post_signature_processing(prepared.output)
    except PyHankoSigningError as exc:
        raise _translate(exc) from exc
    except InsufficientRevinfoError as exc:  # B-LTA: the archive time-stamp's chain
        raise _no_revinfo(exc) from exc
    return result(prepared, serial, keep_bytes)


def result(prepared: Prepared, serial: str, keep_bytes: bool) -> SignedDocument:
    out = prepared.output
    out.seek(0)
    digest = hashlib.sha256()
    chunks = []
    while chunk := out.read(1 << 20):
        digest.update(chunk)
        if keep_bytes:
            chunks.append(chunk)
    return SignedDocument(
        sha256=digest.hexdigest(),
        level=prepared.level,
        field_name=prepared.field_name,
        signer_serial=serial,
        signing_time=prepared.signing_time,
        certified=prepared.certified,
        pdf=b"".join(chunks) if keep_bytes else None,
    )


class PadesSigner:
    """Signs PDFs with one key held by a ``KeyStore`` (never exported)."""

    def __init__(self, store: KeyStore, key: SigningKey, context: SigningContext) -> None:
        self.key = key
        self.context = context
        self.signer = KeyStoreSigner(store, key)
        self.timestamper = (
            SourceTimeStamper(context.timestamps) if context.timestamps is not None else None
        )
        self._reserved: dict[Level, int] = {}

    async def sign(self, pdf: bytes, options: SignOptions) -> SignedDocument:
        return await self.sign_stream(BytesIO(pdf), BytesIO(), options)

    async def sign_stream(
        self, source: BinaryIO, output: BinaryIO, options: SignOptions, keep_bytes: bool = True
    ) -> SignedDocument:
        """Sign ``source`` into ``output`` (a file or buffer); ``source`` is never modified."""
        prepared = await prepare(
            self.signer,
            self.key.scheme.digest,
            source,
            output,
            options,
            self.context,
            self.timestamper,
            self._reserved,
        )
        return await finish(prepared, self.key.serial_hex, keep_bytes)
