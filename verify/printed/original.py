"""The original's text layer, page by page: words with their boxes and lines (pdftotext).

``pdftotext -bbox-layout`` (poppler) gives every word with its box in points from the top left
of the page, grouped in lines, and includes the text of annotation appearances (the official's
stamp). The areas of visible signature widgets are returned too: the comparison leaves them out
(the seal image and QR code read as noise, and the signature's own validity covers them).
"""

from __future__ import annotations

import html
import re
import tempfile
from pathlib import Path

import pikepdf

from common.subprocess_run import ProgramError, run
from verify.errors import VerificationInputError
from verify.printed.model import Box, OriginalPage, OriginalWord

_PAGE = re.compile(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', re.S)
_LINE = re.compile(r"<line [^>]*>(.*?)</line>", re.S)
_WORD = re.compile(
    r'<word xMin="([-\d.]+)" yMin="([-\d.]+)" xMax="([-\d.]+)" yMax="([-\d.]+)">(.*?)</word>'
)


def original_pages(pdf: bytes, *, max_pages: int = 50, timeout: float = 60.0) -> list[OriginalPage]:
    """The text layer of each page of ``pdf`` (kyso's own archived original)."""
    with tempfile.TemporaryDirectory(prefix="kyso-print-") as tmp:
        path = Path(tmp) / "original.pdf"
        path.write_bytes(pdf)
        excluded = _signature_areas(path, max_pages)
        args = ["pdftotext", "-bbox-layout", "-enc", "UTF-8", "-l", str(max_pages), str(path), "-"]
        try:
            layout = run(args, timeout=timeout).stdout.decode("utf-8", "replace")
        except ProgramError as exc:
            raise VerificationInputError(
                "print_original_unreadable", f"the original's text cannot be read: {exc.message}"
            ) from exc
    pages = []
    for number, match in enumerate(_PAGE.finditer(layout), 1):
        width, height = float(match.group(1)), float(match.group(2))
        words = []
        for index, line in enumerate(_LINE.finditer(match.group(3))):
            for word in _WORD.finditer(line.group(1)):
                x0, y0, x1, y1 = (float(v) for v in word.groups()[:4])
                text = html.unescape(word.group(5)).strip()
                if text:
                    words.append(OriginalWord(text, (x0, y0, x1, y1), index))
        areas = excluded.get(number, ())
        pages.append(OriginalPage(number, width, height, tuple(words), areas))
    return pages


def _signature_areas(path: Path, max_pages: int) -> dict[int, tuple[Box, ...]]:
    """Visible signature widgets per page, in points from the page's top left."""
    found: dict[int, tuple[Box, ...]] = {}
    try:
        with pikepdf.open(path) as pdf:
            for number, page in enumerate(pdf.pages[:max_pages], 1):
                top = float(page.cropbox[3])
                left = float(page.cropbox[0])
                areas = []
                for annot in page.obj.get("/Annots", pikepdf.Array()):
                    if not isinstance(annot, pikepdf.Dictionary) or annot.get("/FT") != "/Sig":
                        continue
                    x0, y0, x1, y1 = (float(v) for v in annot.get("/Rect", (0, 0, 0, 0)))
                    if abs(x1 - x0) < 1 or abs(y1 - y0) < 1:
                        continue
                    x0, x1 = sorted((x0 - left, x1 - left))
                    t0, t1 = sorted((top - y0, top - y1))
                    areas.append((x0, t0, x1, t1))
                if areas:
                    found[number] = tuple(areas)
    except (pikepdf.PikepdfError, ValueError, TypeError) as exc:
        raise VerificationInputError(
            "print_original_unreadable", "the original is not a readable PDF"
        ) from exc
    return found
