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
from asn1crypto.core import Void
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.fields import enumerate_sig_fields
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko.sign.validation.errors import NoDSSFoundError
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature

from certs.sources import BudgetedSource, HttpUrlSource
from common.hashing import sha256_bytes
from verify import active, batchcache, certmemo, fastread, logmask
from verify.assemble import assemble_document, assemble_signature
from verify.boundary import READ_ERRORS, VALIDATION_ERRORS, Unreadable, well_formed
from verify.der import NotDer, check_der
from verify.errors import VerificationInputError
from verify.model import DocumentInfo, ValidationReport
from verify.options import VerifyOptions
from verify.problem import Problem
from verify.signed import SignatureField
from verify.structure import check_byte_range, revision_ends, signature_value_empty
from verify.validate import Embedded, document_timestamp, validate_signature

log = logging.getLogger(__name__)


@dataclass
class _Signature:
    name: str
    embedded: EmbeddedPdfSignature | None
    problems: list[Problem]
    is_timestamp: bool
    #: the signed revision (pyHanko's count, from 0); -1 when the signature is unreadable
    revision: int = -1
    #: for document time-stamps: (time, trusted)
    stamp: tuple[datetime, bool] | None = None

    def record(self) -> SignatureField:
        """What other modules see of it (frozen)."""
        return SignatureField(
            self.name, self.embedded, self.is_timestamp, self.revision, self.stamp
        )


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


def _read_dss(reader: PdfFileReader) -> Embedded:
    """The DSS's certificates, OCSP responses and CRLs as loaded (library calls only)."""
    try:
        dss = DocumentSecurityStore.read_dss(reader)
    except NoDSSFoundError:
        return Embedded()
    return Embedded(
        certs=list(dss.load_certs()),
        ocsps=[ocsp.OCSPResponse.load(ref.get_object().data) for ref in dss.ocsps],
        crls=[crl.CertificateList.load(ref.get_object().data) for ref in dss.crls],
    )


def _usable(loaded: Embedded) -> Embedded:
    """Certificates and OCSP responses that do not parse are left out (evidence that cannot
    be read is no evidence: validation goes on without it). CRLs are not parsed ahead: a
    national CRL of 50,000 entries takes 2 s; one that breaks during validation makes its
    signature unreadable."""
    return Embedded(
        certs=[cert for cert in loaded.certs if well_formed(cert)],
        ocsps=[response for response in loaded.ocsps if well_formed(response)],
        crls=loaded.crls,
    )


@dataclass
class _Field:
    """A filled signature field as pyHanko reads it: everything kyso's checks need."""

    name: str
    is_timestamp: bool
    raw_contents: bytes
    embedded: EmbeddedPdfSignature | None = None
    revision: int = -1
    byte_range: list[int] | None = None
    #: the signed attributes exactly as encoded in the CMS (None when there are none)
    signed_attrs: bytes | None = None
    #: (signature algorithm, key algorithm), asn1crypto's names
    mechanism: tuple[str, str] = ("", "")
    problem: Problem | None = None


def _read_field(reader: PdfFileReader, name: str, value: generic.IndirectObject,
                field_ref: generic.DictionaryObject) -> _Field:  # fmt: skip
    """Library calls only (each under READ_ERRORS); kyso's checks run on the result."""
    try:
        sig_obj = value.get_object()  # type: ignore[no-untyped-call]
        is_dict = isinstance(sig_obj, generic.DictionaryObject)
        is_ts = is_dict and str(sig_obj.get("/Type", "")) == "/DocTimeStamp"
        raw = getattr(sig_obj.get("/Contents"), "original_bytes", b"") if is_dict else b""
    except READ_ERRORS as exc:
        is_dict, detail = False, type(exc).__name__
    else:
        detail = "not a dictionary"
    if not is_dict:
        problem = Problem("signature_value_malformed", detail=detail)
        return _Field(name, False, b"", problem=problem)
    if signature_value_empty(raw):
        return _Field(name, is_ts, raw, problem=Problem("signature_value_missing"))
    try:
        embedded = EmbeddedPdfSignature(reader, field_ref, name)
    except READ_ERRORS as exc:
        problem = Problem("signature_value_malformed", detail=type(exc).__name__)
        return _Field(name, is_ts, raw, problem=problem)
    try:
        byte_range = [int(v) for v in embedded.byte_range]
    except (TypeError, ValueError):
        problem = Problem("byte_range_invalid", detail="it must be four integers")
        return _Field(name, is_ts, raw, problem=problem)
    try:
        signer_cert = embedded.signer_cert
    except VALIDATION_ERRORS:
        return _Field(name, is_ts, raw, problem=Problem("signing_certificate_missing", field=name))
    try:
        revision = embedded.signed_revision
        mechanism = (embedded.signer_info["signature_algorithm"].signature_algo,
                     signer_cert.public_key.algorithm)  # fmt: skip
        contents = embedded.pkcs7_content
        attrs = embedded.signer_info["signed_attrs"]
        signed_attrs = None if isinstance(attrs, Void) else bytes(attrs.dump())
        certs = [signer_cert, *embedded.other_embedded_certs]
        _probe(embedded)
    except READ_ERRORS as exc:
        problem = Problem("signature_unreadable", detail=type(exc).__name__, field=name)
        return _Field(name, is_ts, raw, problem=problem)
    if not all(well_formed(c) for c in certs):
        detail = "a certificate in the signature does not parse"
        return _Field(name, is_ts, raw, problem=Problem("signature_unreadable", detail=detail,
                                                        field=name))  # fmt: skip
    return _Field(name, is_ts, contents, embedded, revision, byte_range, signed_attrs, mechanism)


def _probe(emb: EmbeddedPdfSignature) -> None:
    """Read what the report will show, so that a broken part fails here, at the boundary,
    and not in kyso's code later (asn1crypto and pyHanko parse lazily)."""
    emb.md_algorithm  # noqa: B018
    emb.signer_info["signature_algorithm"]["algorithm"].native  # noqa: B018
    emb.docmdp_level  # noqa: B018
    emb.fieldmdp  # noqa: B018
    emb.self_reported_timestamp  # noqa: B018
    emb.sig_object.get("/SubFilter")


#: the key types each signature algorithm works with (RFC 5754, RFC 4056, RFC 8419)
_KEYS_FOR = {
    "rsassa_pkcs1v15": {"rsa", "rsassa_pss"}, "rsassa_pss": {"rsa", "rsassa_pss"},
    "ecdsa": {"ec"}, "dsa": {"dsa"}, "ed25519": {"ed25519"}, "ed448": {"ed448"},
}  # fmt: skip


def _fits(signature_algorithm: str, key_algorithm: str) -> bool:
    """Does the SignerInfo's signature algorithm work with the signer's key at all? (A
    producer naming RSA for an ECDSA signature: pyhanko-certvalidator asserted the type.)"""
    return key_algorithm in _KEYS_FOR.get(signature_algorithm, set())


def _signatures(fields: list[_Field], data: bytes, ends: list[int]) -> list[_Signature]:
    found: list[_Signature] = []
    for item in fields:
        problems = [item.problem] if item.problem is not None else []
        embedded = item.embedded
        if item.byte_range is not None and embedded is not None:
            problems += [
                Problem(p.code, detail=p.detail)
                for p in check_byte_range(data, item.byte_range, item.raw_contents, ends)
            ]
        if not problems and not _fits(*item.mechanism):
            problems.append(Problem("signature_algorithm_mismatch", detail=" / ".join(
                item.mechanism)))  # fmt: skip
        if item.signed_attrs is not None and not problems:
            try:
                check_der(item.signed_attrs, as_set_of=True)
            except NotDer as exc:
                problems.append(Problem("signed_attributes_not_der", detail=str(exc)))
        found.append(_Signature(item.name, embedded, problems, item.is_timestamp, item.revision))
    found.sort(key=lambda s: s.revision)
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
        except Unreadable as exc:
            moment, trusted, intact = now, False, False
            log.info("document time-stamp unreadable: %s", exc.reason)
        sig.stamp = (moment, trusted)
        if not intact:
            problems.append(Problem("timestamp_invalid", detail=sig.name))
    return problems


def _archived(sig: _Signature, signatures: list[_Signature]) -> bool:
    """Is there a trusted document time-stamp in a later revision than ``sig``?"""
    return any(
        s.stamp is not None and s.stamp[1] and s.embedded is not None and s.revision > sig.revision
        for s in signatures
    )


def _revocation_source(options: VerifyOptions) -> BudgetedSource | None:
    """Where this verification fetches OCSP/CRLs: within one budget for all its fetches."""
    if not options.online:
        return None
    limits = options.limits
    source = options.revocation_source or HttpUrlSource(
        limits.fetch_timeout_seconds, limits.fetch_max_bytes
    )
    return BudgetedSource(source, limits.revocation_budget_seconds)


def utc_now() -> datetime:
    return datetime.now(UTC)


async def verify_pdf_async(source: bytes | Path, options: VerifyOptions) -> ValidationReport:
    """Validate every signature of a PDF (bytes or a path) and say what changed after each."""
    logmask.install()
    fastread.install()
    batchcache.install()
    certmemo.install()
    kept = options.batch_cache
    with certmemo.active(kept.certificates if kept is not None else None):
        return await _verify(source, options)


async def _verify(source: bytes | Path, options: VerifyOptions) -> ValidationReport:
    data = read_input(source, options)
    if not data.lstrip()[:5].startswith(b"%PDF-") and b"%PDF-" not in data[:1024]:
        return _unreadable(data, "pdf_unreadable", "no %PDF header", options)
    try:  # library calls only: kyso's checks run on what they return
        reader = PdfFileReader(BytesIO(data), strict=False)
        encrypted = reader.encrypted
        if not encrypted:
            entries = list(enumerate_sig_fields(reader, filled_status=True))
            loaded = _read_dss(reader)
            pages = int(reader.root["/Pages"].get("/Count", 0))
            revisions = reader.xrefs.total_revisions
    except READ_ERRORS as exc:
        return _unreadable(data, "pdf_unreadable", type(exc).__name__, options)
    if encrypted:
        return _unreadable(data, "pdf_encrypted", "", options)
    # the name as a plain str: pyHanko's string keeps a reference into the parsed PDF, which
    # the report would carry (and a batch pickle through its pipe: 23 of a report's 28 KB)
    fields = [_read_field(reader, str(name), value, ref) for name, value, ref in entries]
    embedded = _usable(loaded)
    ends = revision_ends(data)
    signatures = _signatures(fields, data, ends)
    now = utc_now()
    source_ = _revocation_source(options)
    info = DocumentInfo(sha256_bytes(data), len(data), True, revisions, pages)
    reports = []
    doc_problems: list[Problem] = []
    tail = len(data) - (ends[-1] if ends else 0)
    if ends and data[ends[-1] :].strip(b"\x00\t\n\r\f ") and tail > 0:
        doc_problems.append(Problem("trailing_data", detail=str(tail)))
    regular = [s for s in signatures if not s.is_timestamp]
    if not regular:
        doc_problems.append(Problem("no_signatures"))
    doc_problems += await _check_document_timestamps(signatures, options, embedded, now)
    records = tuple(s.record() for s in signatures)  # every stamp known: frozen from here
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
                    archived=_archived(sig, signatures),
                )
            except Unreadable as exc:
                sig.problems.append(Problem("signature_unreadable", detail=exc.reason,
                                            field=sig.name))  # fmt: skip
        report = await assemble_signature(
            data, reader, sig.name, sig.embedded, outcome, sig.problems, records, embedded,
            options,
        )  # fmt: skip
        reports.append(report)
    return assemble_document(info, reports, doc_problems, options, now)


def verify_pdf(source: bytes | Path, options: VerifyOptions) -> ValidationReport:
    """Synchronous facade of ``verify_pdf_async`` (not for use inside a running event loop)."""
    return asyncio.run(verify_pdf_async(source, options))
