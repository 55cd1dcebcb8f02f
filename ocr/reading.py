"""Reading one page image: straighten, find which way up it is, recognise; keep the best reading.

A page is read as it came (grey) and, when it is a photo or a colour scan (``ocr.photo``), also
cleaned. Both readings are kept until the end so that the clean-up can never make a page worse.
"""

from __future__ import annotations

import logging
import statistics
from dataclasses import dataclass, replace

from PIL import Image

from ocr.engine import OcrEngine, Word
from ocr.geometry import Affine, PlaneMap, translate, turn_clockwise
from ocr.lines import rejoin_split_marks
from ocr.options import OcrOptions
from ocr.outline import Sheet
from ocr.photo import photo_input
from ocr.preprocess import estimate_skew, prepare, to_pnm, upside_down_score

log = logging.getLogger(__name__)

#: a reading under this mean confidence asks the engine's detector which way up the page is
_ORIENTATION_CHECK_BELOW = 80.0
#: the detector's answers below this confidence are ignored (a turned reading must also win)
_ORIENTATION_MIN_CONFIDENCE = 1.5
#: an upside-down score under this reads the page turned by 180 degrees first
_UPSIDE_DOWN_BELOW = 0.8
#: words read at least this confidently count as text found on the page
_CONFIDENT = 80.0
#: a reading that found less than this share of the other's confident text missed part of it
_COVERAGE = 0.9
#: confidence points that tell two readings apart (smaller differences are the engine's noise)
_MARGIN = 2.0
_IDENTITY = Affine()
TRANSPOSE_FOR_CLOCKWISE = {
    90: Image.Transpose.ROTATE_270,
    180: Image.Transpose.ROTATE_180,
    270: Image.Transpose.ROTATE_90,
}


@dataclass(frozen=True)
class Reading:
    words: list[Word]
    #: the engine's pixels (D) to the page it was given (W), turned upright
    d_to_u: Affine
    skew: float
    rotation: int
    #: the size of W, and the map from W to the archived image V (the identity unless the
    #: sheet of a photo was flattened)
    size: tuple[int, int] = (0, 0)
    w_to_v: PlaneMap = _IDENTITY
    sheet: Sheet | None = None
    #: the clean-up steps W went through (empty: the page as it came, in grey)
    steps: tuple[str, ...] = ()

    @property
    def confidence(self) -> float:
        return statistics.fmean(w.confidence for w in self.words) if self.words else 0.0

    @property
    def confident_chars(self) -> int:
        return sum(len(w.text) for w in self.words if w.confidence >= _CONFIDENT)

    def d_to_archived(self) -> PlaneMap:
        """The engine's pixels to the pixels of the archived image (V)."""
        w_to_u = turn_clockwise(self.rotation, *self.size)
        return self.d_to_u.then(w_to_u.inverse()).then(self.w_to_v)


def better(cleaned: Reading, raw: Reading) -> Reading:
    """The reading to keep: the cleaned one, unless the plain grey page clearly reads better.

    Clearly better is more confident by over ``_MARGIN`` points while finding as much text, or
    finding clearly more text (the cleaned reading has under ``_COVERAGE`` of its confidently
    read characters) about as confidently. Mean confidence alone would prefer a reading of the
    few words in the one well-lit corner of a photo over a reading of the whole page.
    """
    covers = raw.confident_chars >= _COVERAGE * cleaned.confident_chars
    if covers and raw.confidence > cleaned.confidence + _MARGIN:
        return raw
    missed = cleaned.confident_chars < _COVERAGE * raw.confident_chars
    if missed and raw.confidence >= cleaned.confidence - _MARGIN:
        return raw
    return cleaned


@dataclass(frozen=True)
class Reader:
    """Reads the page images of one page; ``flattened`` when their paper was made white."""

    engine: OcrEngine
    options: OcrOptions
    number: int
    dpi: int
    flattened: bool = False

    def read(self, gray: Image.Image) -> Reading:
        """``gray`` read upright: turned if it looks upside down or reads badly."""
        opts = self.options
        image, d_to_u, d_dpi, skew = self._straighten(gray)
        if opts.rotate_pages and upside_down_score(image) < _UPSIDE_DOWN_BELOW:
            # looks upside down: read it turned; the confidence confirms, else fall through
            turned = self._recognise(gray.transpose(Image.Transpose.ROTATE_180), 180)
            if turned.confidence >= _ORIENTATION_CHECK_BELOW:
                return replace(turned, size=gray.size)
        first = Reading(self._words(image, d_dpi), d_to_u, skew, 0, gray.size)
        if not opts.rotate_pages or first.confidence >= _ORIENTATION_CHECK_BELOW:
            return first
        second = self._turned(gray)
        if second is not None and second.confidence > first.confidence:
            return replace(second, size=gray.size)
        return first

    def read_turned(self, gray: Image.Image, rotation: int) -> Reading:
        """``gray`` read turned clockwise by ``rotation``, as another reading found it upright."""
        upright = gray.transpose(TRANSPOSE_FOR_CLOCKWISE[rotation]) if rotation else gray
        return replace(self._recognise(upright, rotation), size=gray.size)

    def _straighten(self, upright: Image.Image) -> tuple[Image.Image, Affine, int, float]:
        opts = self.options
        skew = estimate_skew(upright) if opts.deskew else 0.0
        image, d_to_u, d_dpi = prepare(upright, self.dpi, skew, opts.clean, self.flattened)
        return image, d_to_u, d_dpi, skew

    def _recognise(self, upright: Image.Image, rotation: int) -> Reading:
        image, d_to_u, d_dpi, skew = self._straighten(upright)
        return Reading(self._words(image, d_dpi), d_to_u, skew, rotation)

    def _words(self, image: Image.Image, dpi: int) -> list[Word]:
        languages = self.options.languages
        words = self.engine.recognize(to_pnm(image), languages=languages, dpi=dpi)
        return rejoin_split_marks(self.engine, image, words, languages, dpi)

    def _turned(self, gray: Image.Image) -> Reading | None:
        """The page read after turning it the way the engine's orientation detector says."""
        found = self.engine.orientation(to_pnm(gray), dpi=self.dpi)
        if found.rotate == 0 or found.confidence < _ORIENTATION_MIN_CONFIDENCE:
            return None
        turned = gray.transpose(TRANSPOSE_FOR_CLOCKWISE[found.rotate])
        log.debug("page %s: turned %s", self.number, found.rotate)
        return self._recognise(turned, found.rotate)


def best_reading(reader: Reader, image: Image.Image, gray: Image.Image) -> Reading:
    """The page read as it came (``gray``) and, for a photo or colour scan, cleaned: the better.

    ``image`` is the page as archived (any mode); the clean-up works on its colours. The plain
    page is then read the way up the cleaned one was found (no second orientation search).
    """
    cleaned = photo_input(image, reader.dpi) if reader.options.clean else None
    if cleaned is None:
        return reader.read(gray)
    clean = replace(
        replace(reader, flattened=True).read(cleaned.gray),
        w_to_v=cleaned.to_archived,
        sheet=cleaned.sheet,
        steps=cleaned.steps,
    )
    if cleaned.archived_box is None:
        raw = reader.read_turned(gray, clean.rotation)
    else:  # within the ink's box, as the cleaned page was read
        x0, y0, _, _ = cleaned.archived_box
        raw = replace(
            reader.read_turned(gray.crop(cleaned.archived_box), clean.rotation),
            w_to_v=translate(x0, y0),
        )
    kept = better(clean, raw)
    log.debug(
        "page %s: %s kept; cleaned (%s) conf %.1f, %s chars; raw conf %.1f, %s chars",
        reader.number, "cleaned" if kept is clean else "raw", "+".join(cleaned.steps),
        clean.confidence, clean.confident_chars, raw.confidence, raw.confident_chars,
    )  # fmt: skip
    return kept
