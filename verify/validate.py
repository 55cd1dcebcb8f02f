"""One signature through pyHanko's validator, mapped to ETSI EN 319 102-1 indications.

The certificate path is validated at the validation time (now or ``--at``) with revocation
data from the document (DSS) and, when allowed, online. When that fails only because the
certificate was revoked or expired *later*, the signature is re-validated at the time its
time-stamp proves it existed (past signature validation, EN 319 102-1 clause 5.6.2.4):
revoked after that time passes, revoked before fails with REVOKED.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from asn1crypto import crl, ocsp, x509
from pyhanko.sign.validation import async_validate_pdf_signature, async_validate_pdf_timestamp
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko.sign.validation.status import (
    DocumentTimestampStatus,
    PdfSignatureStatus,
    TimestampSignatureStatus,
)
from pyhanko_certvalidator import ValidationContext

from certs.fetching import SourceCrlFetcher, SourceFetcherBackend, SourceOcspFetcher
from verify import batchcache
from verify.boundary import (
    GUARDED_DIFF_POLICY,
    READ_ERRORS,
    VALIDATION_ERRORS,
    Unreadable,
    well_formed,
)
from verify.options import RevocationSource, VerifyOptions

#: pyHanko / certvalidator trust problems we report as "revoked or expired, try a POE"
_PAST_FIXABLE = {"REVOKED_NO_POE", "OUT_OF_BOUNDS_NO_POE", "EXPIRED", "NOT_YET_VALID"}


@dataclass
class Embedded:
    """Revocation data and certificates found in the document (DSS)."""

    certs: list[x509.Certificate] = field(default_factory=list)
    ocsps: list[ocsp.OCSPResponse] = field(default_factory=list)
    crls: list[crl.CertificateList] = field(default_factory=list)


@dataclass
class Fetched:
    ocsp: SourceOcspFetcher | None = None
    crl: SourceCrlFetcher | None = None

    def unreachable(self) -> list[str]:
        """Each responder asked for this signature that gave nothing usable, and why."""
        found = {**(self.ocsp.unreachable if self.ocsp else {})}
        found.update(self.crl.unreachable if self.crl else {})
        return list(found.values())


@dataclass
class Outcome:
    """What pyHanko said, and what we derived from it (before policy)."""

    status: PdfSignatureStatus
    #: (finding code, parameters) pairs
    problems: list[tuple[str, dict[str, str]]]
    validation_time: datetime
    poe_time: datetime | None
    fetched: Fetched
    past_validated: bool = False


def _context(
    options: VerifyOptions,
    embedded: Embedded,
    source: RevocationSource | None,
    moment: datetime,
    *,
    retroactive: bool,
    fetched: Fetched,
    signer: x509.Certificate | None = None,
) -> ValidationContext:
    backend = None
    if options.online and source is not None:
        backend = SourceFetcherBackend(source, options.revocation_cache)
        fetched.ocsp, fetched.crl = backend.ocsp, backend.crl
    return build_context(
        options, moment, embedded.certs, revinfo=embedded, revocation_mode="require",
        retroactive=retroactive, backend=backend, signer=signer,
    )  # fmt: skip


def build_context(
    options: VerifyOptions,
    moment: datetime | None,
    certs: list[x509.Certificate],
    *,
    revinfo: Embedded | None = None,
    revocation_mode: str = "soft-fail",
    retroactive: bool = False,
    backend: SourceFetcherBackend | None = None,
    weak_hashes: bool = True,
    signer: x509.Certificate | None = None,
) -> ValidationContext:
    """The one place a ValidationContext is made: trust roots and extra certificates from the
    options, ``certs`` and revocation data from the document. certvalidator reads the CRLs'
    dates here: one that does not parse makes the signature unreadable (found by fuzzing).

    With a ``batch_cache`` every context checks signatures through it; the context of a
    signature's validation at "now" (``signer`` given) may also take the signer's path
    outcome from it (``verify.batchcache``)."""
    extra: dict[str, object] = {}
    if revinfo is not None:
        extra.update(crls=list(revinfo.crls), ocsps=list(revinfo.ocsps))
    weak = sorted(options.policy.algorithms.forbidden_digests) if weak_hashes else []
    if weak_hashes:
        extra["weak_hash_algos"] = set(weak)
    if backend is not None:
        extra.update(allow_fetching=True, fetcher_backend=backend)
    cache = options.batch_cache
    others = [*options.other_certs, *certs]
    kwargs: dict[str, object] = dict(
        trust_roots=list(options.trust_roots), other_certs=others, moment=moment,
        revocation_mode=revocation_mode, retroactive_revinfo=retroactive, **extra,
    )  # fmt: skip
    try:
        if cache is None:
            return ValidationContext(**kwargs)  # type: ignore[arg-type]
        if signer is None:
            return ValidationContext(signature_validator=cache.signatures, **kwargs)  # type: ignore[arg-type]
        held = [*revinfo.ocsps, *revinfo.crls] if revinfo is not None else []
        inputs = batchcache.context_inputs(
            options.trust_roots, others, held, moment if options.at is not None else None,
            f"{revocation_mode}|{retroactive}|{weak}|{backend is not None}",
        )  # fmt: skip
        fetchers = (backend.ocsp, backend.crl) if backend is not None else None
        return batchcache.CachingContext(
            cache=cache, signer=signer, inputs=inputs, fetchers=fetchers,
            shared=options.revocation_cache, revinfo=held, **kwargs,
        )  # fmt: skip
    except READ_ERRORS as exc:
        raise Unreadable(f"revocation data: {type(exc).__name__}") from exc


async def document_timestamp(
    emb: EmbeddedPdfSignature, options: VerifyOptions, embedded: Embedded
) -> tuple[datetime, bool, bool]:
    """(time, trusted, intact) of a document time-stamp (PAdES B-LTA), revocation soft-fail."""
    context = build_context(options, options.at, embedded.certs, revinfo=embedded)
    status = await _run_timestamp(emb, context)
    intact = bool(status.intact and status.valid)
    if intact and not status.trusted:
        # Revocation data for the TSA is stale (validation in the future, offline): accept the
        # path itself. Known limit: a TSA revoked later is then not noticed (docs/verify.md).
        bare = build_context(options, options.at, embedded.certs, weak_hashes=False)
        status = await _run_timestamp(emb, bare)
    return status.timestamp, intact and bool(status.trusted), intact


async def _run_timestamp(
    emb: EmbeddedPdfSignature, context: ValidationContext
) -> DocumentTimestampStatus:
    try:
        return await async_validate_pdf_timestamp(emb, context, skip_diff=True)
    except VALIDATION_ERRORS as exc:
        raise Unreadable(type(exc).__name__) from exc


async def _run(
    sig: EmbeddedPdfSignature, context: ValidationContext, skip_diff: bool
) -> PdfSignatureStatus:
    """pyHanko's validation. Its difference analysis runs guarded: a later revision it cannot
    read does not make the signature unreadable (``boundary.Unanalysed``)."""
    try:
        status = await async_validate_pdf_signature(
            sig, context, diff_policy=GUARDED_DIFF_POLICY, skip_diff=skip_diff
        )
    except VALIDATION_ERRORS as exc:
        raise Unreadable(type(exc).__name__) from exc
    ts = status.timestamp_validity
    if ts is not None and not well_formed(ts.signing_cert):
        raise Unreadable("the time-stamp's certificate does not parse")
    return status


def _trust_name(status: PdfSignatureStatus) -> str:
    indic = status.trust_problem_indic
    return (
        str(indic).rsplit(".", 1)[-1] if indic is not None else "CERTIFICATE_CHAIN_GENERAL_FAILURE"
    )


def usable_timestamp(status: PdfSignatureStatus) -> TimestampSignatureStatus | None:
    ts = status.timestamp_validity
    if ts is not None and ts.intact and ts.valid:
        return ts
    return None


def _outside_validity(sig: EmbeddedPdfSignature, moment: datetime) -> bool:
    for cert in (sig.signer_cert, *sig.other_embedded_certs):
        validity = cert["tbs_certificate"]["validity"]
        if not validity["not_before"].native <= moment <= validity["not_after"].native:
            return True
    return False


def anchored(sig: EmbeddedPdfSignature, options: VerifyOptions) -> bool:
    """Does the signer's certificate lead (by issuer names) to a trusted root at all?"""
    return anchored_cert(sig.signer_cert, sig.other_embedded_certs, options)


def anchored_cert(
    cert: x509.Certificate, extra: list[x509.Certificate], options: VerifyOptions
) -> bool:
    """Does ``cert`` lead (by issuer name and key identifier) to a trusted root at all?"""

    def key(c: x509.Certificate) -> tuple[bytes, bytes | None]:
        return c.subject.dump(), c.key_identifier

    def parent_key(c: x509.Certificate) -> tuple[bytes, bytes | None]:
        return c.issuer.dump(), c.authority_key_identifier

    trusted = {key(root) for root in options.trust_roots}
    known = {key(c): c for c in (*extra, *options.other_certs)}
    for _ in range(10):
        if parent_key(cert) in trusted or key(cert) in trusted:
            return True
        parent = known.get(parent_key(cert))
        if parent is None or parent is cert:
            return False
        cert = parent
    return False


def _trust_problems(name: str, status: PdfSignatureStatus) -> list[tuple[str, dict[str, str]]]:
    details = status.revocation_details
    if name in ("REVOKED_NO_POE", "REVOKED", "REVOKED_CA_NO_POE") and details is not None:
        return [("certificate_revoked_no_poe", {"when": details.revocation_date.isoformat()})]
    if name in ("OUT_OF_BOUNDS_NO_POE", "EXPIRED", "NOT_YET_VALID", "OUT_OF_BOUNDS_NOT_REVOKED"):
        return [("certificate_expired", {})]
    if name in ("NO_CERTIFICATE_CHAIN_FOUND",):
        return [("chain_untrusted", {"detail": "no path to a trust anchor"})]
    if name in ("TRY_LATER", "REVOCATION_OUT_OF_BOUNDS_NO_POE"):
        return [("revocation_unavailable", {"detail": name})]
    return [("chain_invalid", {"detail": name})]


async def validate_signature(
    sig: EmbeddedPdfSignature,
    options: VerifyOptions,
    embedded: Embedded,
    source: RevocationSource | None,
    now: datetime,
    *,
    skip_diff: bool,
    archived: bool = False,
) -> Outcome:
    # "now" is taken per signature: revocation answers fetched during a long verification
    # (many signatures) must not be dated after the validation time
    moment = options.at or max(now, datetime.now(UTC))
    fetched = Fetched()
    context = _context(
        options, embedded, source, moment, retroactive=options.at is None, fetched=fetched,
        signer=sig.signer_cert,
    )  # fmt: skip
    status = await _run(sig, context, skip_diff)
    problems: list[tuple[str, dict[str, str]]] = []
    if not status.intact:
        problems.append(("hash_mismatch", {}))
    elif not status.valid:
        problems.append(("signature_crypto_invalid", {}))
    ts = usable_timestamp(status)
    # A time-stamp not trusted today is a proof of existence only when a trusted archive
    # (document) time-stamp covers it and its TSA chains to a trust anchor (PAdES B-LTA,
    # EN 319 102-1 5.6.3): the archive stamp proves it existed while it was valid.
    by_archive = (
        ts is not None
        and not ts.trusted
        and archived
        and anchored_cert(ts.signing_cert, [*sig.other_embedded_certs, *embedded.certs], options)
    )
    poe = ts if ts is not None and (ts.trusted or by_archive) else None
    outcome = Outcome(status, problems, moment, poe.timestamp if poe else None, fetched)
    if status.intact and status.valid and not status.trusted:
        outcome = await _past_or_fail(sig, options, embedded, source, outcome, skip_diff)
    _name_responders(outcome)
    raw = status.timestamp_validity
    if raw is not None and poe is None:
        outcome.problems.append(("timestamp_invalid", {}))
    elif by_archive and poe is not None:
        outcome.problems.append(("archive_timestamp_poe", {"when": poe.timestamp.isoformat()}))
    return outcome


_NO_PATH_CANDIDATES = {"CERTIFICATE_CHAIN_GENERAL_FAILURE", "CHAIN_CONSTRAINTS_FAILURE"}
_NO_REVINFO = "no OCSP response or CRL for the certificate path"


def _name_responders(outcome: Outcome) -> None:
    """A TRY_LATER finding says which responders did not answer, and how."""
    unreachable = outcome.fetched.unreachable()
    if not unreachable:
        return
    for index, (code, params) in enumerate(outcome.problems):
        if code == "revocation_unavailable":
            detail = f"{params.get('detail', '')}; not answered: {'; '.join(unreachable)}"
            outcome.problems[index] = (code, {**params, "detail": detail})


async def _only_revinfo_missing(
    sig: EmbeddedPdfSignature, options: VerifyOptions, embedded: Embedded, moment: datetime
) -> bool:
    """Would the path validate if revocation were not required? (then: TRY_LATER)"""
    context = build_context(options, moment, embedded.certs)
    status = await _run(sig, context, skip_diff=True)
    return bool(status.trusted)


async def _past_or_fail(
    sig: EmbeddedPdfSignature,
    options: VerifyOptions,
    embedded: Embedded,
    source: RevocationSource | None,
    outcome: Outcome,
    skip_diff: bool,
) -> Outcome:
    status = outcome.status
    name = _trust_name(status)
    if name == "CERTIFICATE_CHAIN_GENERAL_FAILURE" and _outside_validity(
        sig, outcome.validation_time
    ):
        name = "OUT_OF_BOUNDS_NO_POE"
    poe = outcome.poe_time
    if poe is not None and poe > outcome.validation_time:
        poe = None  # a proof of existence after the validation time proves nothing
    if name in _NO_PATH_CANDIDATES and not anchored(sig, options):
        # no path leads to a trust anchor at all (pyHanko says CHAIN_CONSTRAINTS_FAILURE for a
        # self-signed certificate that is not one)
        name = "NO_CERTIFICATE_CHAIN_FOUND"
    if name not in _PAST_FIXABLE or poe is None:
        if name == "CERTIFICATE_CHAIN_GENERAL_FAILURE" and await _only_revinfo_missing(
            sig, options, embedded, outcome.validation_time
        ):
            outcome.problems.append(("revocation_unavailable", {"detail": _NO_REVINFO}))
            return outcome
        outcome.problems.extend(_trust_problems(name, status))
        return outcome
    # the revocation data gathered at the current time is what the past is judged by
    fetched = outcome.fetched
    known = Embedded(
        certs=embedded.certs,
        ocsps=[*embedded.ocsps, *(fetched.ocsp.fetched_responses() if fetched.ocsp else ())],
        crls=[*embedded.crls, *(fetched.crl.fetched_crls() if fetched.crl else ())],
    )
    context = _context(options, known, None, poe, retroactive=True, fetched=Fetched())
    past = await _run(sig, context, skip_diff)
    if past.trusted:
        return Outcome(past, outcome.problems, poe, poe, fetched, past_validated=True)
    details = past.revocation_details or status.revocation_details
    if details is not None and not details.ca_revoked and details.revocation_date > poe:
        # The current-time check authenticated the revocation (date and signer of the
        # OCSP response / CRL); it happened after the proof of existence. What remains is
        # the path itself at that time.
        context = build_context(options, poe, embedded.certs)
        past = await _run(sig, context, skip_diff)
        if past.trusted:
            return Outcome(past, outcome.problems, poe, poe, fetched, past_validated=True)
    if details is not None and details.revocation_date <= poe:
        outcome.problems.append(
            ("certificate_revoked", {"when": details.revocation_date.isoformat()})
        )
        return outcome
    outcome.problems.extend(_trust_problems(_trust_name(past), past))
    return outcome
