"""The validation report: frozen result objects (ETSI EN 319 102-1 vocabulary).

``ValidationReport`` is what the CLI, the API and the archive all get back; it is turned into
JSON by ``verify.serialize`` (schema: docs/verify-report.schema.json) and into HTML/PDF by
``verify.render``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from common.version import kyso_version

#: metadata of the fields that only the ETSI TS 119 102-2 report (``verify.etsi``) shows:
#: bytes that identify the evidence, left out of the JSON (``verify.serialize``)
NOT_IN_JSON = {"json": False}


class Indication(StrEnum):
    """ETSI EN 319 102-1 main indications."""

    TOTAL_PASSED = "TOTAL_PASSED"
    INDETERMINATE = "INDETERMINATE"
    TOTAL_FAILED = "TOTAL_FAILED"

    @property
    def rank(self) -> int:
        return {"TOTAL_PASSED": 0, "INDETERMINATE": 1, "TOTAL_FAILED": 2}[self.value]


class SubIndication(StrEnum):
    """ETSI EN 319 102-1 sub-indications used by kyso (clause 5.1.3, tables 5 and 6)."""

    FORMAT_FAILURE = "FORMAT_FAILURE"
    HASH_FAILURE = "HASH_FAILURE"
    SIG_CRYPTO_FAILURE = "SIG_CRYPTO_FAILURE"
    REVOKED = "REVOKED"
    EXPIRED = "EXPIRED"
    NOT_YET_VALID = "NOT_YET_VALID"
    SIG_CONSTRAINTS_FAILURE = "SIG_CONSTRAINTS_FAILURE"
    CHAIN_CONSTRAINTS_FAILURE = "CHAIN_CONSTRAINTS_FAILURE"
    CERTIFICATE_CHAIN_GENERAL_FAILURE = "CERTIFICATE_CHAIN_GENERAL_FAILURE"
    CRYPTO_CONSTRAINTS_FAILURE = "CRYPTO_CONSTRAINTS_FAILURE"
    CRYPTO_CONSTRAINTS_FAILURE_NO_POE = "CRYPTO_CONSTRAINTS_FAILURE_NO_POE"
    NO_SIGNING_CERTIFICATE_FOUND = "NO_SIGNING_CERTIFICATE_FOUND"
    NO_CERTIFICATE_CHAIN_FOUND = "NO_CERTIFICATE_CHAIN_FOUND"
    REVOKED_NO_POE = "REVOKED_NO_POE"
    REVOKED_CA_NO_POE = "REVOKED_CA_NO_POE"
    OUT_OF_BOUNDS_NO_POE = "OUT_OF_BOUNDS_NO_POE"
    OUT_OF_BOUNDS_NOT_REVOKED = "OUT_OF_BOUNDS_NOT_REVOKED"
    REVOCATION_OUT_OF_BOUNDS_NO_POE = "REVOCATION_OUT_OF_BOUNDS_NO_POE"
    TIMESTAMP_ORDER_FAILURE = "TIMESTAMP_ORDER_FAILURE"
    NO_POE = "NO_POE"
    TRY_LATER = "TRY_LATER"
    SIGNED_DATA_NOT_FOUND = "SIGNED_DATA_NOT_FOUND"


class Severity(StrEnum):
    """What a finding does to the verdict (the policy decides per check)."""

    FAIL = "FAIL"
    WARN = "WARN"
    INFORM = "INFORM"
    IGNORE = "IGNORE"


class ChangeKind(StrEnum):
    """What a revision after a signature changed, from harmless to suspicious."""

    NONE = "none"
    DSS_AND_TIMESTAMPS = "dss_and_timestamps"
    SIGNATURES = "signatures"
    FORM_FILLING = "form_filling"
    ANNOTATIONS = "annotations"
    OTHER = "other"


@dataclass(frozen=True)
class Region:
    """A changed area of a page, in PDF points from the bottom-left corner (1-based page)."""

    page: int
    box: tuple[float, float, float, float]


@dataclass(frozen=True)
class Finding:
    """One thing the verifier noticed, with a stable ``code`` and both languages."""

    code: str
    severity: Severity
    message_vi: str
    message_en: str
    pages: tuple[int, ...] = ()
    objects: tuple[str, ...] = ()
    regions: tuple[Region, ...] = ()


@dataclass(frozen=True)
class CertificateInfo:
    subject: str
    issuer: str
    serial: str
    not_before: datetime
    not_after: datetime
    #: inside its validity period at the time the signature was checked against
    valid_at_signing_time: bool
    is_trust_anchor: bool = False
    #: the certificate's DER encoding
    der: bytes = field(default=b"", repr=False, metadata=NOT_IN_JSON)


@dataclass(frozen=True)
class Signer:
    name: str
    organisation: str | None = None
    title: str | None = None
    #: the citizen ID as shown to people: ``001******567`` (never the full number)
    cccd_masked: str | None = None


@dataclass(frozen=True)
class RevocationEvidence:
    """Where the revocation status of a certificate came from."""

    kind: str  # "OCSP" | "CRL"
    source: str  # "online" | "embedded" (DSS / signed attribute)
    status: str  # "good" | "revoked" | "unknown"
    produced_at: datetime | None = None
    revoked_at: datetime | None = None
    reason: str | None = None
    url: str | None = None
    #: SHA-256 of the OCSP response's or the CRL's DER encoding
    sha256: bytes = field(default=b"", repr=False, metadata=NOT_IN_JSON)
    #: the OCSP response's DER encoding (a CRL is kept by its digest only: it may be megabytes)
    der: bytes = field(default=b"", repr=False, metadata=NOT_IN_JSON)


@dataclass(frozen=True)
class TimeStampInfo:
    kind: str  # "signature" | "document" | "content"
    time: datetime
    tsa: str
    valid: bool
    #: SHA-256 of the time-stamp token (its CMS ContentInfo, DER)
    sha256: bytes = field(default=b"", repr=False, metadata=NOT_IN_JSON)


@dataclass(frozen=True)
class Coverage:
    """What the signature's bytes cover."""

    byte_range: tuple[int, ...]
    #: "entire_file" | "entire_revision" | "partial"
    level: str
    revision: int
    revision_end: int


@dataclass(frozen=True)
class ChangesAfterSigning:
    kind: ChangeKind
    revisions_after: int = 0
    pages: tuple[int, ...] = ()
    objects: tuple[str, ...] = ()
    regions: tuple[Region, ...] = ()


@dataclass(frozen=True)
class SignatureIdentity:
    """What identifies a signature in an ETSI TS 119 102-2 report (not in the JSON)."""

    signature_value: bytes
    #: SHA-256 of the DER of the signed attributes (the data to be signed), when there are any
    signed_attributes_sha256: bytes | None
    #: SHA-256 of the bytes the /ByteRange covers (the signer's document)
    document_sha256: bytes
    sub_filter: str | None


@dataclass(frozen=True)
class SignatureReport:
    field_name: str
    indication: Indication
    sub_indication: SubIndication | None
    signer: Signer | None
    #: time the signer's software claimed (/M or signingTime): not a proof
    claimed_signing_time: datetime | None
    #: time proven by a trusted signature time-stamp
    timestamped_signing_time: datetime | None
    #: the time the certificate path was validated at (now, --at, or a proof of existence)
    validation_time: datetime | None
    pades_level: str | None
    certified: bool
    docmdp_permission: int | None
    digest_algorithm: str | None
    signature_algorithm: str | None
    chain: tuple[CertificateInfo, ...]
    revocation: tuple[RevocationEvidence, ...]
    timestamps: tuple[TimeStampInfo, ...]
    coverage: Coverage | None
    changes: ChangesAfterSigning
    findings: tuple[Finding, ...]
    identity: SignatureIdentity | None = field(default=None, repr=False, metadata=NOT_IN_JSON)


@dataclass(frozen=True)
class DocumentInfo:
    sha256: str
    size: int
    readable: bool
    revisions: int
    pages: int


@dataclass(frozen=True)
class ValidationReport:
    indication: Indication
    sub_indication: SubIndication | None
    document: DocumentInfo
    signatures: tuple[SignatureReport, ...]
    #: findings about the document as a whole (not one signature)
    findings: tuple[Finding, ...]
    validated_at: datetime
    policy: str
    online_revocation: bool
    kyso_version: str = field(default_factory=kyso_version)

    def all_findings(self) -> tuple[Finding, ...]:
        out = list(self.findings)
        for sig in self.signatures:
            out.extend(sig.findings)
        return tuple(out)

    @property
    def passed(self) -> bool:
        return self.indication is Indication.TOTAL_PASSED


def worst(indications: list[Indication]) -> Indication:
    if not indications:
        return Indication.INDETERMINATE
    return max(indications, key=lambda item: item.rank)
