"""What a digitisation run produced: frozen records, serialised by ``api/``."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class PageResult:
    #: 1-based page number in the output
    number: int
    width_px: int
    height_px: int
    dpi: int
    #: "color", "gray" or "bilevel"
    colour: str
    #: mean word confidence, 0-100 (0 when no word was found)
    mean_confidence: float
    word_count: int
    #: clockwise degrees the page was turned to read upright (0, 90, 180, 270)
    rotation: int
    #: degrees of skew corrected before recognition
    skew: float
    #: the page already had text and was kept as it was
    skipped_text: bool = False
    #: low confidence: an archivist should look at this page
    needs_review: bool = False
    #: digitisation checks (Decree 30/2020) that this page fails, e.g. "dpi_below_200"
    digitisation_issues: tuple[str, ...] = ()
    text: str = ""


@dataclass(frozen=True)
class Suggestion:
    value: str
    #: 1-based page number where it was found
    page: int


@dataclass(frozen=True)
class MetadataSuggestions:
    """Fields of an archive record (Circular 02/2019/TT-BNV) guessed from the text."""

    number_notation: Suggestion | None = None
    issue_place: Suggestion | None = None
    issue_date: Suggestion | None = None
    issuing_body: Suggestion | None = None
    document_type: Suggestion | None = None
    title: Suggestion | None = None


@dataclass(frozen=True)
class OcrResult:
    output: Path
    pages: tuple[PageResult, ...]
    metadata: MetadataSuggestions
    source_sha256: str
    #: the input was signed and this output is a separate derivative
    derivative: bool = False
    sidecar: Path | None = None
    seconds: float = 0.0
    review_pages: tuple[int, ...] = field(default=())

    @property
    def text(self) -> str:
        return "\f".join(page.text for page in self.pages)


@dataclass(frozen=True)
class ProgressEvent:
    """Sent after each page: ``done`` of ``total`` pages are finished."""

    done: int
    total: int
    page: int
