"""The agency's red seal image, drawn here (no artwork is downloaded or shipped).

A round red seal as Vietnamese agencies use: two rings, the agency's name around the ring,
a five-pointed star in the centre; transparent background (Decree 30/2020, Appendix I asks
for the seal image in red, PNG, transparent background, at the seal's real size).
"""

from __future__ import annotations

import math
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

SEAL_RED = (204, 0, 0, 255)
#: pixels per side; the image is scaled to the seal's real size in the PDF
SEAL_PIXELS = 420


def _star(center: tuple[float, float], radius: float) -> list[tuple[float, float]]:
    cx, cy = center
    points = []
    for i in range(10):
        r = radius if i % 2 == 0 else radius * 0.382
        angle = -math.pi / 2 + i * math.pi / 5
        points.append((cx + r * math.cos(angle), cy + r * math.sin(angle)))
    return points


def _ring_text(canvas: Image.Image, text: str, font: ImageFont.FreeTypeFont, radius: float) -> None:
    """Write ``text`` clockwise along the top of a circle, centred on 12 o'clock."""
    size = canvas.size[0]
    center = size / 2
    widths = [font.getlength(ch) for ch in text]
    total = sum(widths) * 1.08
    # the text spans at most 300 degrees of the ring; tighten it if it would overlap itself
    span = min(total / radius, math.radians(300))
    step = span / max(total, 1.0)
    angle = -math.pi / 2 - span / 2
    ascent, descent = font.getmetrics()
    for ch, width in zip(text, widths, strict=True):
        advance = width * 1.08 * step
        mid = angle + advance / 2
        glyph = Image.new("RGBA", (int(width) + 8, ascent + descent + 8), (0, 0, 0, 0))
        ImageDraw.Draw(glyph).text((4, 4), ch, font=font, fill=SEAL_RED)
        rotated = glyph.rotate(
            -math.degrees(mid + math.pi / 2), expand=True, resample=Image.Resampling.BICUBIC
        )
        x = center + radius * math.cos(mid) - rotated.width / 2
        y = center + radius * math.sin(mid) - rotated.height / 2
        canvas.alpha_composite(rotated, (round(x), round(y)))
        angle += advance


@lru_cache(maxsize=64)
def seal_image(agency: str, font_path: Path) -> Image.Image:
    """The seal of ``agency`` as an RGBA image (cached: one drawing per agency and process)."""
    size = SEAL_PIXELS
    canvas = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(canvas)
    outer = size / 2 - 6
    draw.ellipse((6, 6, size - 6, size - 6), outline=SEAL_RED, width=12)
    inner = outer * 0.68
    c = size / 2
    draw.ellipse((c - inner, c - inner, c + inner, c + inner), outline=SEAL_RED, width=5)
    draw.polygon(_star((c, c), inner * 0.62), fill=SEAL_RED)
    text = agency.upper()
    font_size = 36 if len(text) <= 30 else max(20, int(36 * 30 / len(text)))
    font = ImageFont.truetype(str(font_path), font_size)
    _ring_text(canvas, text, font, (outer + inner) / 2 - font_size * 0.4)
    return canvas
