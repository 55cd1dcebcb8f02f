"""Is the paper blank where the original has a word? Dark pixels against the local paper tone.

Phone photos are lit unevenly, so "dark" is judged against the paper around the box (its
brightest tenth), not a fixed grey level.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from verify.printed.compare import InkProbe
from verify.printed.model import Box

#: a pixel is ink when darker than this share of the surrounding paper's brightness
_DARK = 0.6


def ink_probe(gray: np.ndarray) -> InkProbe:
    """A probe over a grey page image (rows x columns, 0-255)."""
    height, width = gray.shape

    def probe(box: Box) -> float:
        x0, y0, x1, y1 = box
        pad_x, pad_y = (x1 - x0) * 0.5, (y1 - y0) * 0.5
        ox0, oy0 = max(0, int(x0 - pad_x)), max(0, int(y0 - pad_y))
        ox1, oy1 = min(width, int(x1 + pad_x) + 1), min(height, int(y1 + pad_y) + 1)
        ix0, iy0 = max(0, int(x0)), max(0, int(y0))
        ix1, iy1 = min(width, int(x1) + 1), min(height, int(y1) + 1)
        if ix1 <= ix0 or iy1 <= iy0:
            return 0.0
        paper = float(np.percentile(gray[oy0:oy1, ox0:ox1], 90))
        inner = gray[iy0:iy1, ix0:ix1]
        return float((inner < paper * _DARK).mean())

    return probe


def probe_file(path: Path) -> InkProbe:
    """The probe of a page image file (one of kyso's own page JPEGs)."""
    with Image.open(path) as picture:
        gray = np.asarray(picture.convert("L"))
    return ink_probe(gray)
