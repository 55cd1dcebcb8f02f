"""The changes drawn on a picture of the scan: numbered boxes, red for changes, amber for doubts."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from verify.printed.model import Change, ChangeKind, PageComparison

RED = (220, 20, 20)
BLUE = (20, 70, 220)
AMBER = (230, 140, 0)
_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:
        return ImageFont.truetype(str(_FONT), size)
    except OSError:  # the font package is missing: Pillow's own bitmap font still labels
        return ImageFont.load_default()


def _colour(change: Change, doubt: bool) -> tuple[int, int, int]:
    if doubt:
        return AMBER
    return BLUE if change.kind is ChangeKind.REMOVED else RED


def annotated(image: Path, page: PageComparison, max_width: int = 1400) -> bytes:
    """JPEG of the page image with each change and doubt boxed and numbered (1, 2, ...).

    Changes are numbered first, then doubts, in the order ``page`` lists them.
    """
    with Image.open(image) as opened:
        picture = opened.convert("RGB")
    draw = ImageDraw.Draw(picture)
    stroke = max(3, picture.width // 400)
    font = _font(max(18, picture.width // 60))
    marked = [(c, False) for c in page.changes] + [(d, True) for d in page.doubts]
    for number, (change, doubt) in enumerate(marked, 1):
        x0, y0, x1, y1 = change.region
        pad = stroke * 2
        colour = _colour(change, doubt)
        draw.rectangle((x0 - pad, y0 - pad, x1 + pad, y1 + pad), outline=colour, width=stroke)
        label = str(number)
        left, top = max(0.0, x0 - pad), max(0.0, y0 - pad - font.size - 6)  # type: ignore[union-attr]
        box = draw.textbbox((left, top), label, font=font)
        draw.rectangle((box[0] - 4, box[1] - 2, box[2] + 4, box[3] + 2), fill=colour)
        draw.text((left, top), label, font=font, fill=(255, 255, 255))
    if picture.width > max_width:
        factor = max_width / picture.width
        size = (max_width, round(picture.height * factor))
        picture = picture.resize(size, Image.Resampling.LANCZOS)
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=85)
    return out.getvalue()
