"""The invisible text layer: a glyphless embedded font and words placed on the image's words.

Every character is drawn in render mode 3 (invisible) with a font whose glyphs are all empty, so
the page looks exactly like the scan while text can be searched, selected and extracted. Codes
are Unicode code points (Identity-H), and a ToUnicode map gives the text back exactly (NFC).
"""

from __future__ import annotations

import io
import statistics
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import pikepdf
from fontTools.fontBuilder import FontBuilder
from fontTools.pens.ttGlyphPen import TTGlyphPen

from ocr.engine import Word
from ocr.geometry import Affine, PlaneMap

FONT_NAME = "KysoGlyphless"
FONT_RESOURCE = "/FKyso"
#: advance of every glyph, in thousandths of the font size
GLYPH_WIDTH = 500


@dataclass(frozen=True)
class PlacedLine:
    """One line of text in the upright frame U: baseline, height and words' horizontal spans."""

    baseline: float
    height: float
    words: tuple[tuple[str, float, float], ...]  # (text, left, right)

    @property
    def text(self) -> str:
        return " ".join(word[0] for word in self.words)


def group_lines(words: Sequence[Word]) -> list[list[Word]]:
    """Words grouped by line, keeping the engine's reading order."""
    lines: list[list[Word]] = []
    current: tuple[int, int, int] | None = None
    for word in words:
        if word.line_key != current:
            lines.append([])
            current = word.line_key
        lines[-1].append(word)
    return lines


def place_lines(words: Sequence[Word], d_to_u: PlaneMap) -> list[PlacedLine]:
    """Carry lines found in the engine's image D back to U, each on one horizontal baseline.

    A line keeps a single baseline (its centre's) so that text extractors read lines whole and
    in order even when the archived image is skewed by a few degrees (or, for a photo, seen in
    perspective: ``d_to_u`` is then a homography and the scale is taken at the line's centre).
    """
    placed: list[PlacedLine] = []
    for line in group_lines(words):
        bottom = statistics.median(w.top + w.height for w in line)
        height_d = statistics.median(w.height for w in line)
        left_d, right_d = line[0].left, max(w.left + w.width for w in line)
        _, baseline = d_to_u((left_d + right_d) / 2, bottom)
        scale = d_to_u.scale_at((left_d + right_d) / 2, bottom)
        spans = []
        for word in line:
            x0, _ = d_to_u(word.left, bottom)
            x1, _ = d_to_u(word.left + word.width, bottom)
            spans.append((word.text, min(x0, x1), max(x0, x1)))
        placed.append(PlacedLine(baseline, height_d * scale, tuple(spans)))
    return placed


def _encode(text: str) -> bytes:
    out = bytearray()
    for char in unicodedata.normalize("NFC", text):
        code = ord(char)
        if code > 0xFFFF or 0xD800 <= code <= 0xDFFF:
            code = 0xFFFD
        out += code.to_bytes(2, "big")
    return bytes(out)


def _num(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".") or "0"


def content_stream(lines: Sequence[PlacedLine], u_to_user: Affine) -> bytes:
    """PDF operators drawing ``lines`` (U pixels) invisibly in user space."""
    if not lines:
        return b""
    dx, dy = u_to_user.linear(1.0, 0.0)
    ux, uy = u_to_user.linear(0.0, -1.0)
    unit = abs(complex(dx, dy))
    dx, dy, ux, uy = dx / unit, dy / unit, ux / unit, uy / unit
    ops = [b"BT", b"3 Tr"]
    for line in lines:
        size = max(line.height * unit, 1.0)
        ops.append(f"{FONT_RESOURCE} {_num(size)} Tf".encode())
        for i, (text, left, right) in enumerate(line.words):
            is_last = i == len(line.words) - 1
            shown = text if is_last else text + " "
            end = right if is_last else line.words[i + 1][1]
            natural = len(shown) * GLYPH_WIDTH / 1000 * size
            stretch = max(1.0, (end - left) * unit) / natural * 100
            ox, oy = u_to_user(left, line.baseline)
            matrix = " ".join(_num(v) for v in (dx, dy, ux, uy, ox, oy))
            ops.append(f"{matrix} Tm {_num(stretch)} Tz".encode())
            ops.append(b"<" + _encode(shown).hex().upper().encode() + b"> Tj")
    ops.append(b"ET")
    return b"\n".join(ops) + b"\n"


@lru_cache(maxsize=1)
def glyphless_font_program() -> bytes:
    """A TrueType font of two empty glyphs, built here (no font file is shipped or copied)."""
    builder = FontBuilder(1000, isTTF=True)
    builder.setupGlyphOrder([".notdef", "blank"])
    builder.setupCharacterMap({0x20: "blank"})
    empty = TTGlyphPen(None).glyph()
    builder.setupGlyf({".notdef": empty, "blank": empty})
    metrics = {".notdef": (GLYPH_WIDTH, 0), "blank": (GLYPH_WIDTH, 0)}
    builder.setupHorizontalMetrics(metrics)
    builder.setupHorizontalHeader(ascent=800, descent=-200)
    builder.setupNameTable({"familyName": FONT_NAME, "styleName": "Regular"})
    builder.setupOS2(sTypoAscender=800, sTypoDescender=-200, usWinAscent=800, usWinDescent=200)
    builder.setupPost()
    buf = io.BytesIO()
    builder.save(buf)
    return buf.getvalue()


def _to_unicode_cmap() -> bytes:
    ranges = [
        f"<{hi:02X}00> <{hi:02X}FF> <{hi:02X}00>" for hi in range(256) if not 0xD8 <= hi <= 0xDF
    ]
    body = []
    for start in range(0, len(ranges), 100):
        chunk = ranges[start : start + 100]
        body.append(f"{len(chunk)} beginbfrange\n" + "\n".join(chunk) + "\nendbfrange")
    return (
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
        "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
        + "\n".join(body)
        + "\nendcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n"
    ).encode("ascii")


def make_font(pdf: pikepdf.Pdf) -> pikepdf.Object:
    """The Type0 font dictionary, made indirect in ``pdf``."""
    program = pikepdf.Stream(pdf, glyphless_font_program())
    program.Length1 = len(glyphless_font_program())
    descriptor = pikepdf.Dictionary(
        Type=pikepdf.Name.FontDescriptor,
        FontName=pikepdf.Name("/" + FONT_NAME),
        Flags=4,
        FontBBox=[0, -200, GLYPH_WIDTH, 800],
        ItalicAngle=0,
        Ascent=800,
        Descent=-200,
        CapHeight=700,
        StemV=80,
        FontFile2=program,
    )
    # every code maps to glyph 1 (blank): the embedded program holds every glyph it shows
    cid_to_gid = pikepdf.Stream(pdf, b"\x00\x01" * 65536)
    descendant = pikepdf.Dictionary(
        Type=pikepdf.Name.Font,
        Subtype=pikepdf.Name.CIDFontType2,
        BaseFont=pikepdf.Name("/" + FONT_NAME),
        CIDSystemInfo=pikepdf.Dictionary(Registry="Adobe", Ordering="Identity", Supplement=0),
        FontDescriptor=pdf.make_indirect(descriptor),
        DW=GLYPH_WIDTH,
        CIDToGIDMap=cid_to_gid,
    )
    font = pikepdf.Dictionary(
        Type=pikepdf.Name.Font,
        Subtype=pikepdf.Name.Type0,
        BaseFont=pikepdf.Name("/" + FONT_NAME),
        Encoding=pikepdf.Name("/Identity-H"),
        DescendantFonts=[pdf.make_indirect(descendant)],
        ToUnicode=pikepdf.Stream(pdf, _to_unicode_cmap()),
    )
    return pdf.make_indirect(font)
