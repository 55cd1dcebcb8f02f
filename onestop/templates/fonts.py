"""The faces a result is set in, found once and parsed once per process.

Times New Roman's metric twin, Liberation Serif (DejaVu Serif where it is missing), found as
signing/ finds its stamp fonts: a face is used only if it draws Vietnamese.

fpdf2's ``add_font`` reads a TrueType file into a ``TTFFont`` (cmap, a width and a glyph id
per character, descriptor, names: tens of milliseconds a face, four faces a document). That
object is not only a parse of the file: ``FPDF.output()`` subsets its fontTools ``TTFont``
*in place* (fontTools' ``Subsetter`` drops every glyph the document did not use) and the
document numbers its glyphs in the font's ``SubsetMap``. Shared as it is, a second document
would embed the first one's glyphs only. So each document gets a copy of the parsed face that
shares what fpdf2 only reads (cmap, glyph ids, descriptor, names, scale) and has its own
per-document state: index, glyph subset, widths (a ``defaultdict`` that grows on lookups),
missing glyphs, largest size, and a fontTools ``TTFont`` of its own, opened lazily on bytes
prepared once: the file less the tables fpdf2 drops from every subset anyway (the layout tables,
which the subsetter would otherwise parse first). Subsetting stays per document: each embeds
only the glyphs it uses. ``tests/onestop/test_template_fonts.py`` holds fpdf2's ``TTFFont`` to
the attributes this copy knows of.
"""

from __future__ import annotations

import copy
import threading
from dataclasses import dataclass
from functools import lru_cache
from io import BytesIO
from pathlib import Path

from fontTools import ttLib
from fpdf import FPDF
from fpdf.fonts import SubsetMap, TTFFont

from onestop.errors import OnestopError
from signing.fonts import FONT_DIRS, covers_vietnamese

FAMILY = "Serif"
_FACES = {
    "": ("LiberationSerif-Regular.ttf", "DejaVuSerif.ttf"),
    "B": ("LiberationSerif-Bold.ttf", "DejaVuSerif-Bold.ttf"),
    "I": ("LiberationSerif-Italic.ttf", "DejaVuSerif-Italic.ttf"),
    "BI": ("LiberationSerif-BoldItalic.ttf", "DejaVuSerif-BoldItalic.ttf"),
}
#: the attributes of fpdf2's ``TTFFont`` that a document changes: each document has its own
PER_DOCUMENT = frozenset({"i", "ttfont", "subset", "cw", "missing_glyphs", "biggest_size_pt"})
#: the attributes a document only reads (or, ``_hbfont``, sets on its own copy): shared
SHARED = frozenset(
    {"type", "name", "desc", "glyph_ids", "_hbfont", "sp", "ss", "up", "ut", "ttffile", "fontkey",
     "emphasis", "scale", "cmap", "color_font", "unicode_range", "palette_index", "is_compressed",
     "is_cff", "is_cid_keyed", "is_symbol", "cff_ros", "collection_font_number"}
)  # fmt: skip


class TemplateFontMissingError(OnestopError):
    """No installed font draws Vietnamese (fonts-liberation2 or fonts-dejavu-core)."""

    default_code = "template_font_missing"


@lru_cache(maxsize=1)
def template_fonts() -> dict[str, Path]:
    """A font file for each style; italics fall back to upright when none is installed."""
    found: dict[str, Path] = {}
    for style, names in _FACES.items():
        for name in names:
            paths = (d / name for d in FONT_DIRS)
            path = next((p for p in paths if p.is_file() and covers_vietnamese(p)), None)
            if path is not None:
                found[style] = path
                break
    for style, fallback in (("", ""), ("B", ""), ("I", ""), ("BI", "B")):
        if style not in found and fallback in found:
            found[style] = found[fallback]
    if "" not in found or "B" not in found:
        raise TemplateFontMissingError(
            "template_font_missing",
            "no installed serif font draws Vietnamese (install fonts-liberation2)",
        )
    return found


@dataclass(frozen=True)
class _Face:
    #: parsed by fpdf2 once; never given to a document itself (its ``ttfont`` is never subset)
    parsed: TTFFont
    #: the font file less the tables no document embeds, for each document's own ``TTFont``
    data: bytes


#: the tables fpdf2's output drops from every embedded subset (fpdf/output.py, 2.8): each
#: document's copy is opened without them, so its subsetting does not parse them first
_DROPPED = ("FFTM", "GDEF", "GPOS", "GSUB", "MATH", "hdmx", "meta", "sbix", "CBDT", "CBLC",
            "EBDT", "EBLC", "EBSC", "SVG ", "CPAL", "COLR")  # fmt: skip
_parsing = threading.Lock()
_faces: dict[str, _Face] = {}


def _fontkey(style: str) -> str:
    return FAMILY.lower() + "".join(sorted(style))  # as FPDF.add_font names it


def _without_unused_tables(path: Path) -> bytes:
    """The font file without ``_DROPPED``: the same glyphs in the same order, cmap, metrics
    and names, so that the face fpdf2 parsed from ``path`` describes it exactly."""
    font = ttLib.TTFont(path, recalcTimestamp=False)
    for tag in _DROPPED:
        if tag in font:
            del font[tag]
    out = BytesIO()
    font.save(out)
    return out.getvalue()


def _parsed_faces() -> dict[str, _Face]:
    with _parsing:  # two first documents at once: the faces are parsed once
        if not _faces:
            builder = FPDF()
            builder.render_color_fonts = False  # outline faces: no Type 3 glyphs tied to it
            for style, path in template_fonts().items():
                builder.add_font(FAMILY, style, str(path))
                parsed = builder.fonts[_fontkey(style)]
                assert isinstance(parsed, TTFFont)  # add_font makes nothing else of a .ttf
                _faces[style] = _Face(parsed, _without_unused_tables(path))
        return _faces


def add_faces(pdf: FPDF) -> None:
    """The template faces in ``pdf`` as ``FAMILY`` (styles "", "B", "I", "BI"), as
    ``pdf.add_font`` would add them, without parsing the files again."""
    for style, face in _parsed_faces().items():
        font = copy.copy(face.parsed)
        font.i = len(pdf.fonts) + 1
        font.ttfont = ttLib.TTFont(BytesIO(face.data), recalcTimestamp=False, lazy=True)
        font.cw = copy.copy(face.parsed.cw)
        font.missing_glyphs = []
        font.biggest_size_pt = 0
        font.subset = SubsetMap(font)
        pdf.fonts[_fontkey(style)] = font
