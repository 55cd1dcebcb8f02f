"""Archival metadata and the catalog's records: frozen dataclasses, validated on construction.

Dossier fields follow Circular 05/2025/TT-BNV, document fields Circular 02/2019/TT-BNV
(DOMAIN.md). Retention is "permanent" or a number of years (Circular 10/2022/TT-BNV lists
them by document type); a document without its own retention inherits its dossier's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

from archive.errors import ArchiveInputError

#: access levels, from most open to most restricted; a reader sees levels up to their own
ACCESS_LEVELS = ("public", "internal", "restricted", "secret")
AccessLevel = Literal["public", "internal", "restricted", "secret"]
VersionKind = Literal["original", "ocr", "signed", "lta"]
VERSION_KINDS: tuple[VersionKind, ...] = ("original", "ocr", "signed", "lta")
PERMANENT = "permanent"
_YEARS_SUFFIX = re.compile(r"\s*(y|years?|năm|nam)$")
_PERMANENT_WORDS = {"permanent", "vinh vien", "vĩnh viễn", "forever"}


def normalise_retention(text: str) -> str:
    """``"permanent"`` or a positive number of years as text; ArchiveInputError otherwise."""
    value = text.strip().lower()
    if value in _PERMANENT_WORDS:
        return PERMANENT
    value = _YEARS_SUFFIX.sub("", value)
    if not value.isdigit() or not 0 < int(value) <= 200:
        raise ArchiveInputError(
            "archive_bad_retention", f"retention must be permanent or 1-200 years, not {text!r}"
        )
    return str(int(value))


def retention_years(retention: str) -> int | None:
    """None for permanent, else the number of years."""
    return None if retention == PERMANENT else int(retention)


def check_access_level(level: str) -> AccessLevel:
    if level not in ACCESS_LEVELS:
        raise ArchiveInputError(
            "archive_bad_access_level", f"access level must be one of {ACCESS_LEVELS}"
        )
    return level  # type: ignore[return-value]


#: RFC 6838 type/subtype (restricted names, no parameters): what is stored and sent back
_MEDIA_NAME = r"[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,63}"
_MEDIA_TYPE = re.compile(f"{_MEDIA_NAME}/{_MEDIA_NAME}")


def check_media_type(text: str) -> str:
    """``type/subtype`` as RFC 6838 names it; a CR, LF or other byte would reach headers."""
    if not isinstance(text, str) or not _MEDIA_TYPE.fullmatch(text):
        raise ArchiveInputError(
            "archive_bad_media_type", f"media type must be type/subtype, not {text!r:.80}"
        )
    return text.lower()


def _check_code(code: str, what: str) -> None:
    """Codes name things in bag-info lines and on screens: no path or control character."""
    if not code or len(code) > 100 or any(ch in "/\\" or ch < " " or ch == "\x7f" for ch in code):
        raise ArchiveInputError(
            "archive_bad_code",
            f"{what} code must be 1-100 characters without /, \\ or control characters",
        )


def _check_text(meta: object) -> None:
    """No NUL in any text field: PostgreSQL refuses it (and C-based tools cut the text there)."""
    for name, value in vars(meta).items():
        texts = value if isinstance(value, tuple) else (value,)
        if any(isinstance(text, str) and "\x00" in text for text in texts):
            raise ArchiveInputError("archive_bad_text", f"{name} contains a NUL character")


@dataclass(frozen=True)
class DossierMeta:
    """A dossier (hồ sơ), Circular 05/2025 fields."""

    code: str
    title: str
    fonds_code: str = ""
    retention: str = PERMANENT
    #: internal unless said otherwise: a dossier made on the way (a put, an arrival) holds
    #: personal data more often than not; public ones are said so (results returned)
    access_level: AccessLevel = "internal"
    language: str = "vi"
    start_date: date | None = None
    end_date: date | None = None
    keywords: tuple[str, ...] = ()
    document_count: int | None = None
    sheet_count: int | None = None
    page_count: int | None = None
    physical_condition: str = ""
    reliability: str = ""
    paper_original_code: str = ""

    def __post_init__(self) -> None:
        _check_code(self.code, "dossier")
        _check_text(self)
        if not self.title.strip():
            raise ArchiveInputError("archive_missing_title", "a dossier needs a title")
        object.__setattr__(self, "retention", normalise_retention(self.retention))
        check_access_level(self.access_level)
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ArchiveInputError("archive_bad_dates", "end date is before start date")


@dataclass(frozen=True)
class DocumentMeta:
    """A document (văn bản / tài liệu), Circular 02/2019 fields. None means "as the dossier"."""

    title: str
    identifier: str = ""
    archive_code: str = ""
    retention: str | None = None
    document_type: str = ""
    number_notation: str = ""
    issue_date: date | None = None
    issuing_body: str = ""
    summary: str = ""
    language: str = "vi"
    page_count: int | None = None
    keywords: tuple[str, ...] = ()
    access_level: AccessLevel | None = None
    reliability: str = ""
    physical_condition: str = ""
    notes: str = ""

    def __post_init__(self) -> None:
        _check_text(self)
        if not self.title.strip():
            raise ArchiveInputError("archive_missing_title", "a document needs a title")
        if self.retention is not None:
            object.__setattr__(self, "retention", normalise_retention(self.retention))
        if self.access_level is not None:
            check_access_level(self.access_level)
        if self.page_count is not None and self.page_count < 0:
            raise ArchiveInputError("archive_bad_page_count", "page count cannot be negative")


@dataclass(frozen=True)
class SignatureSummary:
    """What a Verifier said about a signed PDF (ETSI EN 319 102-1 indications)."""

    indication: str
    sub_indication: str = ""
    signer: str = ""
    signed_at: datetime | None = None
    level: str = ""


@dataclass(frozen=True)
class _VersionFacts:
    """A stored object and its cataloguing facts: what a version is, catalogued or not."""

    document_id: str
    kind: VersionKind
    sha256: str
    size: int
    media_type: str
    storage_key: str
    storage_version_id: str
    retain_until: datetime | None
    signature: SignatureSummary | None = None


@dataclass(frozen=True, kw_only=True)
class VersionRecord(_VersionFacts):
    """One stored version of a document: original, OCR derivative, signed result, LTA renewal;
    its number among the document's versions and when it was catalogued."""

    number: int
    created_at: datetime


@dataclass(frozen=True)
class DocumentRecord:
    """A catalogued document with its effective retention and access level."""

    id: str
    dossier_code: str
    meta: DocumentMeta
    retention: str
    access_level: AccessLevel
    created_at: datetime
    legal_hold: bool
    disposed_at: datetime | None = None
    versions: tuple[VersionRecord, ...] = field(default=())


@dataclass(frozen=True)
class IngestResult:
    document_id: str
    version: VersionRecord
    deduplicated: bool


@dataclass(frozen=True)
class NewVersion(_VersionFacts):
    """A version to catalogue: the stored object plus its cataloguing facts."""


@dataclass(frozen=True)
class DisposalProposal:
    """A proposal to dispose of a document; a second, different person approves it."""

    id: str
    document_id: str
    reason: str
    proposed_by: str
    proposed_at: datetime
    state: str  # "proposed", "executed"
    approved_by: str | None = None
    approved_at: datetime | None = None


@dataclass(frozen=True)
class FixityProblem:
    document_id: str
    number: int
    problem: str  # "missing", "corrupted" or "unreadable"
    expected_sha256: str
    actual_sha256: str = ""


@dataclass(frozen=True)
class FixityRun:
    """A fixity audit as the catalog keeps it: its cursor is the last version row checked."""

    id: str
    started_at: datetime
    sample: float
    cursor: int = 0
    checked: int = 0
    problems: tuple[FixityProblem, ...] = ()
    finished_at: datetime | None = None


@dataclass(frozen=True)
class SearchFilters:
    fonds_code: str | None = None
    dossier_code: str | None = None
    document_type: str | None = None
    issued_from: date | None = None
    issued_to: date | None = None
    clearance: AccessLevel = "public"
    limit: int = 20


@dataclass(frozen=True)
class SearchHit:
    document_id: str
    dossier_code: str
    title: str
    document_type: str
    issue_date: date | None
    access_level: str


@dataclass(frozen=True)
class ChainProblem:
    seq: int
    problem: str  # "edited", "missing_or_reordered", "head_mismatch", "anchor_mismatch", ...


@dataclass(frozen=True)
class ChainReport:
    """What a check of the hash-chained audit log found."""

    entries: int
    anchors: int
    problems: tuple[ChainProblem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems
