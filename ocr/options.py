"""Options of a digitisation run: frozen, built by ``api/`` (never read from the environment)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class OcrOptions:
    #: Tesseract language codes joined with ``+``
    languages: str = "vie+eng"
    #: pages recognised at once, one process each
    jobs: int = 2
    #: OCR pages that already carry text (the existing content is kept underneath)
    force: bool = False
    #: given a signed PDF, write a separate derivative instead of refusing
    derivative_of_signed: bool = False
    #: straighten pages before recognition (the archived image keeps its look)
    deskew: bool = True
    #: archive the page image turned upright and straightened (scan files only; PDF pages are
    #: always kept as they are). Off by default: the archived image keeps its original look
    straighten_archived: bool = False
    #: detect pages turned by 90/180/270 degrees and show them upright
    rotate_pages: bool = True
    #: median filter and background flattening before recognition
    clean: bool = True
    #: pages with a mean word confidence under this are listed for review
    review_confidence: float = 70.0
    #: the resolution DOMAIN.md asks of a digitised copy (Decree 30/2020)
    min_dpi: int = 200
    #: resolution assumed for images that do not say theirs
    default_dpi: int = 300
    #: resolution PDF pages are rasterised at for recognition
    pdf_dpi: int = 300
    #: hard limits against hostile input
    max_pages: int = 2000
    max_page_pixels: int = 120_000_000
    max_input_bytes: int = 2 * 1024**3
    #: seconds one tesseract or rasteriser call may take
    page_timeout: float = 180.0
    #: write one hOCR file per page here, when set
    hocr_dir: Path | None = None
    #: title written in the PDF/A metadata (defaults to the detected title line)
    title: str | None = None
