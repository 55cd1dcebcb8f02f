"""Lines whose diacritics the engine's layout analysis split off, read again as one line.

Vietnamese capitals carry stacked marks (Ế, Ấ, Ỗ ...) that stand well above the letters. In a
bold title such as ``QUYẾT ĐỊNH`` Tesseract's line finder sometimes takes those marks for a text
line of their own: it reads them as junk (``F4``, ``~"``) at a confidence near zero and the
title below without them (``QUYET``). When a line of marks sits just above a line, both are read
again from one crop as a single line (``--psm 7``), where the marks and letters are seen
together; the new reading replaces the two lines when it is more confident than they were.
"""

from __future__ import annotations

import logging
import statistics
from dataclasses import replace

from PIL import Image

from ocr.engine import OcrEngine, Word
from ocr.preprocess import to_pnm
from ocr.textlayer import group_lines

log = logging.getLogger(__name__)

#: the marks' line is at most this tall, relative to the line below it
_MARKS_HEIGHT = 0.6
#: and its words are read at most this confidently (junk, not text)
_MARKS_CONFIDENCE = 60.0
#: and it ends at most this far (in heights of the line below) above that line's top
_MARKS_GAP = 0.5


def _box(words: list[Word]) -> tuple[int, int, int, int]:
    return (
        min(w.left for w in words),
        min(w.top for w in words),
        max(w.left + w.width for w in words),
        max(w.top + w.height for w in words),
    )


def _marks_over(marks: list[Word], line: list[Word]) -> bool:
    """Whether ``marks`` look like the diacritics of ``line`` split off above it."""
    height = statistics.median(w.height for w in line)
    mx0, my0, mx1, my1 = _box(marks)
    lx0, ly0, lx1, _ = _box(line)
    return (
        all(w.confidence <= _MARKS_CONFIDENCE for w in marks)
        and my1 - my0 <= _MARKS_HEIGHT * height
        and 0 <= ly0 - my1 <= _MARKS_GAP * height
        and mx0 >= lx0 - height
        and mx1 <= lx1 + height
    )


def _reread(
    engine: OcrEngine, image: Image.Image, languages: str, dpi: int, words: list[Word]
) -> list[Word]:
    x0, y0, x1, y1 = _box(words)
    pad = max(4, (y1 - y0) // 4)
    left, top = max(0, x0 - pad), max(0, y0 - pad)
    crop = image.crop((left, top, min(image.width, x1 + pad), min(image.height, y1 + pad)))
    found = engine.recognize_line(to_pnm(crop), languages=languages, dpi=dpi)
    key = words[-1].line_key
    return [replace(w, left=w.left + left, top=w.top + top, line_key=key) for w in found]


def rejoin_split_marks(
    engine: OcrEngine, image: Image.Image, words: list[Word], languages: str, dpi: int
) -> list[Word]:
    """``words`` of ``image`` with every line whose marks were split off read again whole."""
    lines = group_lines(words)
    out: list[Word] = []
    i = 0
    while i < len(lines):
        if i + 1 < len(lines) and _marks_over(lines[i], lines[i + 1]):
            old = lines[i] + lines[i + 1]
            new = _reread(engine, image, languages, dpi, old)
            old_confidence = statistics.fmean(w.confidence for w in old)
            if new and statistics.fmean(w.confidence for w in new) > old_confidence:
                log.debug("marks rejoined: %r -> %r", [w.text for w in old], [w.text for w in new])
                out.extend(new)
                i += 2
                continue
        out.extend(lines[i])
        i += 1
    return out
