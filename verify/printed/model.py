"""What a printed-copy check reads and what it answers: frozen records, serialised by ``api/``.

Coordinates: an original's words are in PDF points with the origin at the top left of the page
(as ``pdftotext -bbox`` gives them); a scan's words are in the pixels of the scan's page image.
A box is ``(left, top, right, bottom)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class OriginalWord:
    text: str
    box: Box
    #: index of the word's line on its page (reading order of the text layer)
    line: int


@dataclass(frozen=True)
class OriginalPage:
    number: int
    width: float
    height: float
    words: tuple[OriginalWord, ...]
    #: areas not compared: visible signature appearances (the stamp, its seal and QR code),
    #: whose text belongs to the signature that the original's verdict covers
    excluded: tuple[Box, ...] = ()


@dataclass(frozen=True)
class ScanWord:
    """A word the OCR read on the scan, with Tesseract's confidence (0-100)."""

    text: str
    box: Box
    confidence: float


@dataclass(frozen=True)
class ScanPage:
    number: int
    width: int
    height: int
    words: tuple[ScanWord, ...]
    #: mean word confidence of the OCR on this page
    confidence: float = 0.0


class ChangeKind(StrEnum):
    #: printed words that differ from the original's beyond OCR noise
    CHANGED = "changed"
    #: words of the original absent from the paper, where the paper is blank
    REMOVED = "removed"
    #: confident words on the paper that the original does not have
    ADDED = "added"


class PrintVerdict(StrEnum):
    #: every scanned page was compared and no difference goes beyond OCR noise
    MATCHES = "matches"
    #: at least one change: the paper does not say what the original says
    CHANGED = "changed"
    #: no change found, but a page or a word that matters could not be read with certainty
    INCONCLUSIVE = "inconclusive"
    #: the paper is a copy of another registered result (its printed number names it and its
    #: pages hold that result's words far better than this one's): not a changed copy of this
    ANOTHER_DOCUMENT = "another_document"


@dataclass(frozen=True)
class Change:
    kind: ChangeKind
    #: scanned page number (1-based) and the original page it was compared with
    page: int
    original_page: int
    #: the original's words and the words read on the paper (diacritics kept)
    original: str
    printed: str
    #: the region on the scan's page image, in its pixels
    region: Box
    #: the whole line of the original, for context
    line: str
    #: why it is a change: digits, letters, missing, added
    reason: str
    #: the lowest OCR confidence of the printed words involved (100 for a removed word)
    confidence: float


@dataclass(frozen=True)
class PageComparison:
    page: int
    #: the original page this scanned page shows; 0 when none could be matched
    original_page: int
    #: the scan's page could be laid onto the original page (enough words in common)
    aligned: bool
    words_compared: int
    changes: tuple[Change, ...] = ()
    #: differences that could be a change or OCR noise (low confidence where it matters)
    doubts: tuple[Change, ...] = ()
    #: differences judged OCR noise (counted, not listed)
    noise: int = 0
    #: share of the original page's words found on the paper
    coverage: float = 0.0
    #: share of the original page's distinctive words (those not in the layout's fixed text:
    #: names, numbers, dates, content) found on the paper
    distinctive: float = 0.0
    #: the page lines up with the original's layout but shows another document: too few of
    #: the original's distinctive words are on it (then ``aligned`` is False, nothing listed)
    other_document: bool = False


@dataclass(frozen=True)
class PrintComparison:
    verdict: PrintVerdict
    pages: tuple[PageComparison, ...]
    #: pages of the original that no scanned page showed
    missing_pages: tuple[int, ...] = field(default=())

    @property
    def changes(self) -> tuple[Change, ...]:
        return tuple(change for page in self.pages for change in page.changes)

    @property
    def doubts(self) -> tuple[Change, ...]:
        return tuple(doubt for page in self.pages for doubt in page.doubts)
