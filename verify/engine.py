"""The verifier: reads the PDF once, checks every signature, applies the policy.

``verify_pdf`` (sync) and ``verify_pdf_async`` return the same ``ValidationReport`` for the
CLI, the API and the archive. Hostile input never raises: it gives a report whose finding
says why (``pdf_unreadable``, ``pdf_encrypted``, ``resource_limit``).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path

from asn1crypto import crl, ocsp
from asn1crypto.core import Asn1Value
from cryptography.exceptions import UnsupportedAlgorithm
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.fields import enumerate_sig_fields
from pyhanko.sign.general import UnacceptableSignerError
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko.sign.validation.errors import NoDSSFoundError, SignatureValidationError
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature

from certs.fetching import HttpUrlSource
from common.hashing import sha256_bytes
from verify import active, logmask
from verify.assemble import Problem, assemble_document, assemble_signature
from verify.errors import VerificationInputError
from verify.model import DocumentInfo, SignatureReport, ValidationReport
from verify.options import VerifyOptions
from verify.structure import check_byte_range, revision_ends, signature_value_empty
from verify.validate import Embedded, Outcome, document_timestamp, validate_signature

log = logging.getLogger(__name__)

#: what a malformed PDF makes pyHanko (and asn1crypto under it) raise. Found by fuzzing:
#: pyHanko checks some object types with ``assert`` (a catalog that is not a dictionary),
#: calls methods on others unchecked (a DSS entry that is a dictionary, not a stream) and
#: reads numbers with ``Decimal`` (``decimal.InvalidOperation`` is an ``ArithmeticError``)
PARSE_ERRORS = (
    PdfError, ValueError, KeyError, TypeError, IndexError, RecursionError,
    AssertionError, AttributeError, ArithmeticError,
    UnsupportedAlgorithm,  # a signer key of an unknown type (found by fuzzing)
)  # fmt: skip


@dataclass
class _Signature:
    name: str
    embedded: EmbeddedPdfSignature | None
    problems: list[Problem]
    is_timestamp: bool
    #: for document time-stamps: (time, trusted)
    stamp: tuple[datetime, bool] | None = None


def read_input(source: bytes | Path, options: VerifyOptions) -> bytes:
    if isinstance(source, bytes):
        data = source
    else:
        try:
            size = source.stat().st_size
        except OSError as exc:
            raise VerificationInputError("verify_file_missing", f"{source}: {exc}") from exc
        if size > options.limits.max_bytes:
            raise VerificationInputError("verify_too_large", f"{size} bytes is too large")
        data = source.read_bytes()
    if len(data) > options.limits.max_bytes:
        raise VerificationInputError("verify_too_large", f"{len(data)} bytes is too large")
    return data


def _well_formed(value: Asn1Value) -> bool:
    """Does ``value`` parse to the end? asn1crypto parses lazily: a broken entry would only
    fail later, while the report is written (found by fuzzing)."""
    try:
        value.native  # noqa: B018 - parses the whole structure
    except PARSE_ERRORS:
        log.info("embedded %s unreadable: ignored", type(value).__name__)
        return False
    return True


def _embedded_material(reader: PdfFileReader) -> Embedded:
    """The DSS's certificates, OCSP responses and CRLs. Certificates and OCSP responses that
    do not parse are left out (evidence that cannot be read is no evidence: validation goes
    on without it). CRLs are not parsed ahead: a national CRL of 50,000 entries takes 2 s;
    one that breaks later makes its signature unreadable (``_report``)."""
    try:
        dss = DocumentSecurityStore.read_dss(reader)
    except NoDSSFoundError:
        return Embedded()
    out = Embedded(certs=[cert for cert in dss.load_certs() if _well_formed(cert)])
    for ref in dss.ocsps:
        response = ocsp.OCSPResponse.load(ref.get_object().data)
        if _well_formed(response):
            out.ocsps.append(response)
    for ref in dss.crls:
        out.crls.append(crl.CertificateList.load(ref.get_object().data))
    return out


def _signatures(reader: PdfFileReader, data: bytes, ends: list[int]) -> list[_Signature]:
    found: list[_Signature] = []
    for name, value, field_ref in enumerate_sig_fields(reader, filled_status=True):
        sig_obj = value.get_object()
        if not isinstance(sig_obj, generic.DictionaryObject):
            problem = Problem("signature_value_malformed", detail="not a dictionary")
            found.append(_Signature(name, None, [problem], False))
            continue
        is_ts = str(sig_obj.get("/Type", "")) == "/DocTimeStamp"
        contents = sig_obj.get("/Contents")
        raw = getattr(contents, "original_bytes", b"")
        if signature_value_empty(raw):
            found.append(_Signature(name, None, [Problem("signature_value_missing")], is_ts))
            continue
        try:
            embedded = EmbeddedPdfSignature(reader, field_ref, name)
        except PARSE_ERRORS as exc:
            problem = Problem("signature_value_malformed", detail=type(exc).__name__)
            found.append(_Signature(name, None, [problem], is_ts))
            continue
        try:
            byte_range = [int(v) for v in embedded.byte_range]
        except (TypeError, ValueError):
            problem = Problem("byte_range_invalid", detail="it must be four integers")
            found.append(_Signature(name, None, [problem], is_ts))
            continue
        problems = [
            Problem(p.code, detail=p.detail)
            for p in check_byte_range(data, byte_range, embedded.pkcs7_content, ends)
        ]
        found.append(_Signature(name, embedded, problems, is_ts))
    found.sort(key=lambda s: s.embedded.signed_revision if s.embedded else -1)
    return found


def _unreadable(data: bytes, code: str, detail: str, options: VerifyOptions) -> ValidationReport:
    info = DocumentInfo(sha256_bytes(data), len(data), False, 0, 0)
    return assemble_document(info, [], [Problem(code, detail=detail)], options, utc_now())


async def _check_document_timestamps(
    signatures: list[_Signature], options: VerifyOptions, embedded: Embedded, now: datetime
) -> list[Problem]:
    """Validate each document time-stamp once (kept on the ``_Signature``), report problems."""
    problems: list[Problem] = []
    for sig in signatures:
        if not sig.is_timestamp:
            continue
        problems.extend(sig.problems)
        if sig.embedded is None or sig.problems:
            continue
        try:
            moment, trusted, intact = await document_timestamp(sig.embedded, options, embedded)
        except (SignatureValidationError, *PARSE_ERRORS) as exc:
            moment, trusted, intact = now, False, False
            log.info("document time-stamp unreadable: %s", type(exc).__name__)
        sig.stamp = (moment, trusted)
        if not intact:
            problems.append(Problem("timestamp_invalid", detail=sig.name))
    return problems


def _archived(emb: EmbeddedPdfSignature, signatures: list[_Signature]) -> bool:
    """Is there a trusted document time-stamp in a later revision than ``emb``?"""
    return any(
        s.stamp is not None
        and s.stamp[1]
        and s.embedded is not None
        and s.embedded.signed_revision > emb.signed_revision
        for s in signatures
    )


def _unreadable_signature(sig: _Signature, exc: Exception) -> Problem:
    """Why pyHanko could not validate a signature whose structure looked sane."""
    assert sig.embedded is not None
    try:
        sig.embedded.signer_cert  # noqa: B018 - raises when the CMS names no usable certificate
    except (SignatureValidationError, *PARSE_ERRORS):
        return Problem("signing_certificate_missing", field=sig.name)
    return Problem("signature_unreadable", detail=type(exc).__name__, field=sig.name)


async def _report(
    data: bytes,
    reader: PdfFileReader,
    sig: _Signature,
    outcome: Outcome | None,
    signatures: list[_Signature],
    embedded: Embedded,
    options: VerifyOptions,
) -> SignatureReport:
    """The signature's report; one whose details do not parse (a certificate's dates, say:
    asn1crypto reads them only now) is reported as unreadable (found by fuzzing)."""
    try:
        return await assemble_signature(
            data, reader, sig.name, sig.embedded, outcome, sig.problems, signatures,
            embedded, options,
        )  # fmt: skip
    except PARSE_ERRORS as exc:
        problem = Problem("signature_unreadable", detail=type(exc).__name__, field=sig.name)
        return await assemble_signature(
            data, reader, sig.name, None, None, [*sig.problems, problem], signatures,
            embedded, options,
        )  # fmt: skip


def utc_now() -> datetime:
    return datetime.now(UTC)


async def verify_pdf_async(source: bytes | Path, options: VerifyOptions) -> ValidationReport:
    """Validate every signature of a PDF (bytes or a path) and say what changed after each."""
    logmask.install()
    data = read_input(source, options)
    if not data.lstrip()[:5].startswith(b"%PDF-") and b"%PDF-" not in data[:1024]:
        return _unreadable(data, "pdf_unreadable", "no %PDF header", options)
    try:
        reader = PdfFileReader(BytesIO(data), strict=False)
        if reader.encrypted:
            return _unreadable(data, "pdf_encrypted", "", options)
        ends = revision_ends(data)
        signatures = _signatures(reader, data, ends)
        embedded = _embedded_material(reader)
        pages = int(reader.root["/Pages"].get("/Count", 0))
    except PARSE_ERRORS as exc:
        return _unreadable(data, "pdf_unreadable", type(exc).__name__, options)
    now = utc_now()
    source_ = options.revocation_source or (HttpUrlSource() if options.online else None)
    info = DocumentInfo(sha256_bytes(data), len(data), True, reader.xrefs.total_revisions, pages)
    reports = []
    doc_problems: list[Problem] = []
    tail = len(data) - (ends[-1] if ends else 0)
    if ends and data[ends[-1] :].strip(b"\x00\t\n\r\f ") and tail > 0:
        doc_problems.append(Problem("trailing_data", detail=str(tail)))
    regular = [s for s in signatures if not s.is_timestamp]
    if not regular:
        doc_problems.append(Problem("no_signatures"))
    doc_problems += await _check_document_timestamps(signatures, options, embedded, now)
    # active content (JavaScript, launch, links, attachments): reported, never run or followed
    items = await asyncio.to_thread(active.scan_bytes, data)
    doc_problems += [Problem(code, detail=detail) for code, detail in active.summarise(items)]
    for sig in regular:
        outcome = None
        if sig.embedded is not None and not sig.problems:
            try:
                outcome = await validate_signature(
                    sig.embedded,
                    options,
                    embedded,
                    source_,
                    now,
                    skip_diff=False,
                    archived=_archived(sig.embedded, signatures),
                )
            except (SignatureValidationError, UnacceptableSignerError, *PARSE_ERRORS) as exc:
                sig.problems.append(_unreadable_signature(sig, exc))
        reports.append(await _report(data, reader, sig, outcome, signatures, embedded, options))
    return assemble_document(info, reports, doc_problems, options, now)


def verify_pdf(source: bytes | Path, options: VerifyOptions) -> ValidationReport:
    """Synchronous facade of ``verify_pdf_async`` (not for use inside a running event loop)."""
    return asyncio.run(verify_pdf_async(source, options))
