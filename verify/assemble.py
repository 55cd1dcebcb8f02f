"""From raw problems to findings and ETSI indications, under the policy in force."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import TYPE_CHECKING

from asn1crypto.core import Void
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature

from verify import details
from verify.changes import analyse_changes
from verify.findings import CHECKS, make
from verify.model import (
    ChangeKind,
    ChangesAfterSigning,
    Coverage,
    DocumentInfo,
    Finding,
    Indication,
    Severity,
    SignatureIdentity,
    SignatureReport,
    SubIndication,
    TimeStampInfo,
    ValidationReport,
    worst,
)
from verify.options import VerifyOptions
from verify.problem import Problem as Problem  # re-exported: verify.isolate imports it here
from verify.structure import revision_ends, revision_number
from verify.validate import Embedded, Outcome

if TYPE_CHECKING:
    from collections.abc import Sequence

    from verify.signed import SignatureField


def judge(
    problems: list[Problem], options: VerifyOptions
) -> tuple[Indication, SubIndication | None, tuple[Finding, ...]]:
    findings: list[Finding] = []
    failures: list[tuple[Indication, SubIndication | None]] = []
    seen: set[tuple[str, str]] = set()
    for problem in problems:
        if (problem.code, problem.detail) in seen:
            continue
        seen.add((problem.code, problem.detail))
        severity = options.policy.severity(problem.code)
        if severity is Severity.IGNORE:
            continue
        findings.append(
            make(
                problem.code, severity, pages=problem.pages, objects=problem.objects,
                regions=problem.regions, detail=problem.detail, when=problem.when,
                field=problem.field,
            )
        )  # fmt: skip
        if severity is Severity.FAIL:
            check = CHECKS[problem.code]
            failures.append((check.indication, check.sub_indication))
    if not failures:
        return Indication.TOTAL_PASSED, None, tuple(findings)
    verdict = worst([ind for ind, _ in failures])
    sub = next(sub for ind, sub in failures if ind is verdict)
    return verdict, sub, tuple(findings)


def _algorithm_problems(emb: EmbeddedPdfSignature, options: VerifyOptions) -> list[Problem]:
    rules = options.policy.algorithms
    out = []
    digest = emb.md_algorithm.lower().replace("-", "")
    if digest in rules.forbidden_digests:
        out.append(Problem("weak_digest", detail=emb.md_algorithm.upper()))
    key = emb.signer_cert.public_key
    bits = int(key.bit_size)
    if (key.algorithm == "rsa" and bits < rules.min_rsa_bits) or (
        key.algorithm == "ec" and bits < rules.min_ec_bits
    ):
        out.append(Problem("weak_key", detail=f"{key.algorithm.upper()} {bits}"))
    return out


def _doc_timestamps_after(sigs: Sequence[SignatureField], revision: int) -> list[TimeStampInfo]:
    out = []
    for s in sigs:
        if s.is_timestamp and s.embedded is not None and s.embedded.signed_revision > revision:
            moment, trusted = s.stamp or (None, False)
            if moment is not None:
                tsa = details.display_name(s.embedded.signer_cert.subject)
                digest = details.document_timestamp_sha256(s.embedded)
                out.append(TimeStampInfo("document", moment, tsa, trusted, digest))
    return out


def _bare(name: str, problems: list[Problem], options: VerifyOptions) -> SignatureReport:
    indication, sub, findings = judge(problems, options)
    return SignatureReport(
        field_name=name, indication=indication, sub_indication=sub, signer=None,
        claimed_signing_time=None, timestamped_signing_time=None, validation_time=None,
        pades_level=None, certified=False, docmdp_permission=None, digest_algorithm=None,
        signature_algorithm=None, chain=(), revocation=(), timestamps=(), coverage=None,
        changes=ChangesAfterSigning(ChangeKind.NONE), findings=findings,
    )  # fmt: skip


async def assemble_signature(
    data: bytes,
    reader: PdfFileReader,
    name: str,
    emb: EmbeddedPdfSignature | None,
    outcome: Outcome | None,
    problems: list[Problem],
    all_sigs: Sequence[SignatureField],
    embedded: Embedded,
    options: VerifyOptions,
) -> SignatureReport:
    if emb is None or outcome is None:
        return _bare(name, problems, options)
    status = outcome.status
    problems = problems + _algorithm_problems(emb, options)
    weak = any(p.code == "weak_digest" for p in problems)
    for code, params in outcome.problems:
        if weak and code == "signature_crypto_invalid":
            continue  # pyHanko refuses weak digests as invalid: the finding already says why
        problems.append(Problem(code, detail=params.get("detail", ""), when=params.get("when", "")))
    if outcome.past_validated and outcome.poe_time is not None:
        problems.append(Problem("past_validation", when=outcome.poe_time.isoformat()))
    cert = emb.signer_cert
    evidence = details.revocation_evidence(cert, embedded, outcome.fetched)
    if evidence and not any(e.source == "online" for e in evidence):
        problems.append(Problem("revocation_from_document"))
    byte_range = tuple(int(v) for v in emb.byte_range)
    end = byte_range[2] + byte_range[3]
    ends = revision_ends(data)
    coverage_name = status.coverage.name.lower() if status.coverage is not None else "unknown"
    coverage = Coverage(byte_range, coverage_name, revision_number(ends, end), end)
    docmdp = emb.docmdp_level
    changes, change_problems = await analyse_changes(data, end, emb, status, all_sigs, options)
    problems += change_problems
    timestamps = []
    signature_ts = details.signature_timestamp(status, emb)
    if signature_ts is not None:
        timestamps.append(signature_ts)
    doc_ts = _doc_timestamps_after(all_sigs, emb.signed_revision)
    timestamps += doc_ts
    indication, sub, findings = judge(problems, options)
    subfilter = emb.sig_object.get("/SubFilter")
    mechanism = emb.signer_info["signature_algorithm"]["algorithm"].native
    return SignatureReport(
        field_name=name,
        indication=indication,
        sub_indication=sub,
        signer=details.signer_of(cert),
        claimed_signing_time=emb.self_reported_timestamp,
        timestamped_signing_time=signature_ts.time if signature_ts else None,
        validation_time=outcome.validation_time,
        pades_level=details.pades_level(
            str(subfilter) if subfilter else None,
            signature_ts is not None,
            evidence,
            any(ts.valid for ts in doc_ts),
        ),
        certified=docmdp is not None and _is_certification(reader, emb),
        docmdp_permission=int(docmdp.value) if docmdp is not None else None,
        digest_algorithm=emb.md_algorithm,
        signature_algorithm=str(mechanism),
        chain=details.chain_of(
            status,
            options.trust_roots,
            (signature_ts.time if signature_ts else None)
            or emb.self_reported_timestamp
            or outcome.validation_time,
        ),
        revocation=evidence,
        timestamps=tuple(timestamps),
        coverage=coverage,
        changes=changes,
        findings=findings,
        identity=_identity(data, byte_range, emb, str(subfilter) if subfilter else None),
    )


def _identity(
    data: bytes, byte_range: tuple[int, ...], emb: EmbeddedPdfSignature, sub_filter: str | None
) -> SignatureIdentity:
    """The bytes an ETSI TS 119 102-2 report identifies the signature by (SHA-256 throughout:
    the report names the algorithm, and the document's own may be one kyso refuses)."""
    covered = hashlib.sha256()
    for start, length in zip(byte_range[::2], byte_range[1::2], strict=True):
        covered.update(data[start : start + length])
    attrs = emb.signer_info["signed_attrs"]
    signed = None if isinstance(attrs, Void) else hashlib.sha256(attrs.dump()).digest()
    value = bytes(emb.signer_info["signature"].native)
    return SignatureIdentity(value, signed, covered.digest(), sub_filter)


def _is_certification(reader: PdfFileReader, emb: EmbeddedPdfSignature) -> bool:
    try:
        ref = reader.root["/Perms"].raw_get("/DocMDP")
    except KeyError:
        return False
    return bool(getattr(ref, "reference", None) == emb.sig_object.container_ref)


def assemble_document(
    info: DocumentInfo,
    signatures: list[SignatureReport],
    problems: list[Problem],
    options: VerifyOptions,
    now: datetime,
) -> ValidationReport:
    indication, sub, findings = judge(problems, options)
    ranked = [(indication, sub)] + [(s.indication, s.sub_indication) for s in signatures]
    verdict = worst([ind for ind, _ in ranked]) if signatures or problems else indication
    sub_final = next((s for ind, s in ranked if ind is verdict and s is not None), None)
    return ValidationReport(
        indication=verdict,
        sub_indication=sub_final if verdict is not Indication.TOTAL_PASSED else None,
        document=info,
        signatures=tuple(signatures),
        findings=findings,
        validated_at=options.at or now,
        policy=options.policy.name,
        online_revocation=options.online,
    )
