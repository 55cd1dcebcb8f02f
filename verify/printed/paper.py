"""The sheet of paper in a phone photo: the desk around it whitened and cropped away.

A photo of a printed page on a desk has a dark, textured border that a scan does not; left in,
it breaks the OCR's page layout analysis (a photo read 10 words of 250). The sheet is the
bright region (Otsu's threshold on a reduced grey copy); each of its rows is filled between
its first and last bright pixel (a turned rectangle stays convex), everything else is painted
white and the picture is cropped to the sheet. A scan, whose border is already paper, is left
as it is.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

#: the reduced copy the sheet is found on (a quarter of each side)
_REDUCE = 4
#: a picture whose border is mostly darker than the paper is a photo of a sheet on something
_DARK_BORDER = 0.5
#: a row belongs to the sheet when this share of it is bright
_SHEET_ROW = 0.2


def otsu(gray: np.ndarray) -> int:
    """The grey level that best splits ``gray`` into two classes (Otsu, 1979)."""
    hist = np.bincount(gray.ravel(), minlength=256).astype(np.float64)
    weight = np.cumsum(hist)
    mass = np.cumsum(hist * np.arange(256))
    total, total_mass = weight[-1], mass[-1]
    background = weight
    foreground = total - weight
    with np.errstate(divide="ignore", invalid="ignore"):
        mean_b = mass / background
        mean_f = (total_mass - mass) / foreground
        between = background * foreground * (mean_b - mean_f) ** 2
    between[~np.isfinite(between)] = 0.0
    return int(np.argmax(between))


def sheet(picture: Image.Image) -> Image.Image:
    """``picture`` cropped to the sheet of paper, outside it white; unchanged for a scan."""
    small = np.asarray(picture.convert("L").reduce(_REDUCE))
    if small.size == 0:
        return picture
    threshold = otsu(small)
    border = np.concatenate([small[0], small[-1], small[:, 0], small[:, -1]])
    if (border > threshold).mean() > _DARK_BORDER:
        return picture
    bright = small > threshold
    rows = np.nonzero(bright.mean(axis=1) > _SHEET_ROW)[0]
    if len(rows) < small.shape[0] // 4:
        return picture  # no sheet-sized bright region: leave the picture to the OCR as it is
    mask = np.zeros_like(bright)
    for y in rows:
        xs = np.nonzero(bright[y])[0]
        mask[y, xs[0] : xs[-1] + 1] = True
    cols = np.nonzero(mask.any(axis=0))[0]
    box = (
        int(cols[0]) * _REDUCE,
        int(rows[0]) * _REDUCE,
        min(picture.width, (int(cols[-1]) + 1) * _REDUCE),
        min(picture.height, (int(rows[-1]) + 1) * _REDUCE),
    )
    full = Image.fromarray(mask.astype(np.uint8) * 255).resize(
        (small.shape[1] * _REDUCE, small.shape[0] * _REDUCE), Image.Resampling.NEAREST
    )
    canvas = Image.new("L", picture.size, 0)
    canvas.paste(full, (0, 0))
    white = Image.new(picture.mode, picture.size, 255 if picture.mode == "L" else (255,) * 3)
    return Image.composite(picture, white, canvas).crop(box)
