"""TrueType fonts for stamps, with correct glyph spacing whatever the font's units-per-em.

pyHanko's ``GlyphAccumulator`` writes glyph widths (``/W``) and ``TJ`` adjustments in the
font's own units, but PDF expects thousandths of an em: a font with 2048 units per em
(Liberation, DejaVu) comes out with its glyphs spread apart. ``ScaledGlyphAccumulator``
asks HarfBuzz for positions in a 1000-unit em and scales the advance widths to match.
"""

from __future__ import annotations

import logging
import zlib
from dataclasses import dataclass
from functools import lru_cache
from io import BytesIO
from pathlib import Path

import uharfbuzz as hb  # type: ignore[import-untyped]
from fontTools.ttLib import TTFont
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.font.api import FontEngine
from pyhanko.pdf_utils.font.opentype import CIDFontType2, GlyphAccumulator
from pyhanko.pdf_utils.writer import BasePdfFileWriter

from signing.errors import SigningError

PDF_EM = 1000

#: letters a stamp must be able to draw (Vietnamese, upper and lower case)
VIETNAMESE_SAMPLE = "ĂÂĐÊÔƠƯăâđêôơưáàảãạấầẩẫậắằẳẵặéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ"

#: where Debian puts the fonts; Liberation 2 (fonts-liberation2) has the Vietnamese glyphs that
#: Liberation 1.07 (fonts-liberation) lacks; DejaVu is the last resort
FONT_DIRS = (
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
def default_fonts(dirs: tuple[Path, ...] = FONT_DIRS) -> FontSet:
    return FontSet(**{role: _find(names, dirs) for role, names in _CANDIDATES.items()})


#: everything a stamp may write: ASCII, Latin-1 letters, Vietnamese, a few symbols
STAMP_CHARSET = (
    "".join(chr(c) for c in range(0x20, 0x7F))
    + "".join(chr(c) for c in range(0xA0, 0x180))
    + "".join(chr(c) for c in range(0x1EA0, 0x1EFA))
    + "ƠơƯư\u0300\u0301\u0303\u0309\u0323–—‘’“”…•★№"
)


@dataclass(frozen=True)
class StampFont:
    """A font cut down to ``STAMP_CHARSET`` once per process (subsetting a whole TrueType
    font costs ~200 ms; this one is embedded whole, its program compressed once)."""

    #: with layout tables, for HarfBuzz shaping (marks, kerning)
    shaping: bytes
    #: the compressed font program embedded in each PDF
    embedded: bytes


@lru_cache(maxsize=8)
def stamp_font(path: Path) -> StampFont:
    from fontTools import subset

    options = subset.Options()
    options.layout_features = ["ccmp", "locl", "mark", "mkmk", "kern", "liga"]
    options.hinting = False
    options.name_IDs = ["*"]
    options.notdef_outline = True
    logging.getLogger("fontTools.subset").setLevel(logging.ERROR)
    font = TTFont(BytesIO(path.read_bytes()))
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=STAMP_CHARSET)
    subsetter.subset(font)
    shaping = BytesIO()
    font.save(shaping)
    for table in ("GSUB", "GPOS", "GDEF"):
        if table in font:
            del font[table]
    embedded = BytesIO()
    font.save(embedded)
    return StampFont(shaping.getvalue(), zlib.compress(embedded.getvalue(), 6))


class _PrebuiltCIDFontType2(CIDFontType2):
    """Writes the pre-compressed font program instead of re-encoding it per document."""

    program: bytes = b""

    def set_font_file(self, writer: BasePdfFileWriter) -> generic.IndirectObject:
        stream = generic.StreamObject(
            {generic.NameObject("/Filter"): generic.NameObject("/FlateDecode")},
            encoded_data=self.program,
        )
        ref = writer.add_object(stream)
        self._font_descriptor[generic.NameObject("/FontFile2")] = ref
        return ref


class _Face:
    """What every engine of one stamp font shares, read-only: parsed once per process."""

    def __init__(self, font: StampFont) -> None:
        self.font = font
        self.tt = TTFont(BytesIO(font.shaping))
        self.hb_font = hb.Font(hb.Face(font.shaping))
        # HarfBuzz positions in a 1000-unit em, like PDF text space
        self.hb_font.scale = (PDF_EM, PDF_EM)
        self.ps_name = str(self.tt["name"].getDebugName(6) or "KysoStampFont")
        hmtx = self.tt["hmtx"]
        scale = PDF_EM / self.tt["head"].unitsPerEm
        self.widths = [round(hmtx[name][0] * scale) for name in self.tt.getGlyphOrder()]


@lru_cache(maxsize=8)
def _face(path: Path) -> _Face:
    return _Face(stamp_font(path))


class ScaledGlyphAccumulator(GlyphAccumulator):
    """A ``GlyphAccumulator`` in a 1000-unit em over a shared, pre-cut stamp font.

    pyHanko's accumulator parses and subsets the font for every document (~200 ms with a
    full TrueType font). Here the font is parsed once per process (``_Face``); each engine
    keeps only its per-document state (used glyphs, ToUnicode map, font objects).
    """

    def __init__(
        self, writer: BasePdfFileWriter, face: _Face, size: float, obj_stream: object
    ) -> None:
        FontEngine.__init__(
            self, writer, face.ps_name, embedded_subset=True, obj_stream=obj_stream,
            font_size=size,  # type: ignore[arg-type]
        )  # fmt: skip
        self.face = face
        self._font_ref = writer.allocate_placeholder()
        self.hb_font = face.hb_font
        self.tt = face.tt
        self.cff_charset = None
        self.use_raw_gids = True
        prebuilt = _PrebuiltCIDFontType2(face.tt, face.ps_name, self.subset_prefix)
        prebuilt.program = face.font.embedded
        self.cidfont_obj = prebuilt
        self.features = None
        self.units_per_em = PDF_EM
        self._glyphs: dict[int, tuple[int, int]] = {}
        self._cid_to_unicode: dict[int, str] = {}
        self._GlyphAccumulator__reverse_cmap = None
        self.ot_language_tag = None
        self.ot_script_tag = None
        self.writing_direction = None
        self.bcp47_lang_code = "vi"
        self._subset_created = self._write_prepared = False

    def _extract_subset(self, options: object = None) -> None:
        """Already cut down to the stamp character set: nothing to do per document."""

    def _get_cid_and_width(self, glyph_id: int) -> tuple[int, int]:
        # CID = glyph id (CIDToGIDMap /Identity); widths in thousandths of an em
        found = (glyph_id, self.face.widths[glyph_id])
        self._glyphs[glyph_id] = found
        return found


def font_engine(writer: BasePdfFileWriter, path: Path, size: float) -> ScaledGlyphAccumulator:
    """A font engine for ``writer``; its glyph subset is embedded when the writer writes."""
    obj_stream = (
        writer.prepare_object_stream()  # type: ignore[no-untyped-call]
        if writer.stream_xrefs
        else None
    )
    return ScaledGlyphAccumulator(writer, _face(path), size, obj_stream)
