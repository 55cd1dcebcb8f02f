"""TrueType fonts for stamps, with correct glyph spacing whatever the font's units-per-em.

pyHanko's ``GlyphAccumulator`` writes glyph widths (``/W``) and ``TJ`` adjustments in the
font's own units, but PDF expects thousandths of an em: a font with 2048 units per em
(Liberation, DejaVu) comes out with its glyphs spread apart. ``ScaledGlyphAccumulator``
asks HarfBuzz for positions in a 1000-unit em and scales the advance widths to match.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache
from io import BytesIO
from pathlib import Path

from fontTools.ttLib import TTFont
from pyhanko.pdf_utils.font.opentype import GlyphAccumulator
from pyhanko.pdf_utils.writer import BasePdfFileWriter

from signing.errors import SigningError

PDF_EM = 1000

#: letters a stamp must be able to draw (Vietnamese, upper and lower case)
VIETNAMESE_SAMPLE = "ĂÂĐÊÔƠƯăâđêôơưáàảãạấầẩẫậắằẳẵặéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ"

#: where Debian puts the fonts; Liberation 2 (fonts-liberation2) has the Vietnamese glyphs that
#: Liberation 1.07 (fonts-liberation) lacks; DejaVu is the last resort
_FONT_DIRS = (
    Path("/usr/share/fonts/truetype/liberation2"),
    Path("/usr/share/fonts/truetype/liberation"),
    Path("/usr/share/fonts/truetype/dejavu"),
)
_CANDIDATES = {
    # Times New Roman 10 pt for copies (Decree 30/2020, Appendix I): Liberation Serif is
    # metric-compatible with it
    "serif": ("LiberationSerif-Regular.ttf", "DejaVuSerif.ttf"),
    "serif_bold": ("LiberationSerif-Bold.ttf", "DejaVuSerif-Bold.ttf"),
    "sans": ("LiberationSans-Regular.ttf", "DejaVuSans.ttf"),
    "sans_bold": ("LiberationSans-Bold.ttf", "DejaVuSans-Bold.ttf"),
}


@dataclass(frozen=True)
class FontSet:
    """The font files stamps use; every one must draw Vietnamese."""

    serif: Path
    serif_bold: Path
    sans: Path
    sans_bold: Path


@lru_cache(maxsize=32)
def covers_vietnamese(path: Path) -> bool:
    font = TTFont(str(path), lazy=True)
    cmap = font.getBestCmap()
    return all(ord(ch) in cmap for ch in VIETNAMESE_SAMPLE)


def _find(names: tuple[str, ...], dirs: tuple[Path, ...]) -> Path:
    for name in names:
        for folder in dirs:
            path = folder / name
            if path.is_file() and covers_vietnamese(path):
                return path
    raise SigningError(
        "stamp_font_missing",
        f"no installed font among {', '.join(names)} can draw Vietnamese "
        "(install fonts-liberation2 or fonts-dejavu-core)",
    )


@lru_cache(maxsize=4)
def default_fonts(dirs: tuple[Path, ...] = _FONT_DIRS) -> FontSet:
    return FontSet(**{role: _find(names, dirs) for role, names in _CANDIDATES.items()})


class ScaledGlyphAccumulator(GlyphAccumulator):
    """A ``GlyphAccumulator`` that works in a 1000-unit em, as PDF text space does."""

    def __init__(
        self, writer: BasePdfFileWriter, font: bytes, size: float, obj_stream: object
    ) -> None:
        super().__init__(
            writer=writer,
            font_handle=BytesIO(font),
            font_size=size,
            bcp47_lang_code="vi",
            obj_stream=obj_stream,
        )
        self._to_pdf_em = PDF_EM / self.units_per_em
        self.hb_font.scale = (PDF_EM, PDF_EM)
        self.units_per_em = PDF_EM

    def _get_cid_and_width(self, glyph_id: int) -> tuple[int, int]:
        cached: tuple[int, int] | None = self._glyphs.get(glyph_id)
        if cached is not None:
            return cached
        cid, width = super()._get_cid_and_width(glyph_id)
        scaled = (cid, round(width * self._to_pdf_em))
        self._glyphs[glyph_id] = scaled
        return scaled


@lru_cache(maxsize=16)
def _font_bytes(path: Path) -> bytes:
    return path.read_bytes()


def font_engine(writer: BasePdfFileWriter, path: Path, size: float) -> ScaledGlyphAccumulator:
    """A font engine for ``writer``; its glyph subset is embedded when the writer writes."""
    # fontTools warns about each table it cannot subset (FFTM ...): noise, not a problem
    logging.getLogger("fontTools.subset").setLevel(logging.ERROR)
    obj_stream = (
        writer.prepare_object_stream()  # type: ignore[no-untyped-call]
        if writer.stream_xrefs
        else None
    )
    return ScaledGlyphAccumulator(writer, _font_bytes(path), size, obj_stream)
