"""Clean-up of photos and colour scans for the engine: flat light, a grey that drops red seals.

A photo is paper reflectance times the light that fell on it. Dividing each colour channel by
an estimate of the paper's own brightness (the page with its ink removed, at a large scale)
leaves the reflectance: gradients, vignetting, soft shadows and the white balance's colour cast
are gone, and the paper is white again. The grey image then takes, where a pixel is red, its red
channel (a red seal is as bright as paper there, the black text under it stays black), and the
usual luminance elsewhere. Only the engine's copy is changed; the archived image is untouched.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray

Pixels = NDArray[np.uint8]

#: the background is estimated at this resolution: ink strokes are a pixel or two wide there
_BACKGROUND_DPI = 50
#: a page whose paper brightness varies more than this (darkest over brightest tenth) is lit
#: unevenly enough to flatten
_UNEVEN_BELOW = 0.88
#: a paper tint whose channels differ by more than this share is a colour cast to remove
_CAST_ABOVE = 0.06
#: share of pixels that must be clearly red (seal ink) to call a page stamped
_RED_SHARE = 0.002


@dataclass(frozen=True)
class Lighting:
    """What the paper of a page looks like, measured on its background estimate."""

    #: darkest (5th percentile) over brightest (95th) paper brightness: 1.0 is perfectly even
    evenness: float
    #: largest relative difference between the paper's colour channels (0 for neutral paper)
    cast: float
    #: share of pixels whose red clearly exceeds green and blue (seal ink)
    red_share: float

    @property
    def needs_flattening(self) -> bool:
        return self.evenness < _UNEVEN_BELOW or self.cast > _CAST_ABOVE

    @property
    def stamped(self) -> bool:
        return self.red_share > _RED_SHARE


def shrink(image: Pixels, factor: float) -> Pixels:
    """``image`` scaled by ``factor`` (at most 1) by area averaging, never to zero pixels."""
    height, width = image.shape[:2]
    size = (max(1, round(width * factor)), max(1, round(height * factor)))
    return np.asarray(cv2.resize(image, size, interpolation=cv2.INTER_AREA), np.uint8)


def background(channel: Pixels, dpi: int) -> NDArray[np.float32]:
    """The paper's brightness under ``channel`` (same size): ink removed, light kept.

    At about 50 dpi a text stroke is a pixel wide and a gap between words a few: a grey-level
    closing (max then min filter, 1/6 inch) replaces ink with the paper around it, and a blur
    keeps only the slow changes of the light.
    """
    height, width = channel.shape
    small = shrink(channel, min(1.0, _BACKGROUND_DPI / max(1, dpi)))
    size = max(3, round(_BACKGROUND_DPI / 6) | 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))
    paper = cv2.morphologyEx(small, cv2.MORPH_CLOSE, kernel)
    paper = cv2.medianBlur(paper, size)
    paper = cv2.GaussianBlur(paper.astype(np.float32), (0, 0), size / 2)
    return np.asarray(
        cv2.resize(paper, (width, height), interpolation=cv2.INTER_LINEAR), dtype=np.float32
    )


def measure(image: Pixels, dpi: int) -> Lighting:
    """How evenly lit and how tinted the paper is, and how much red ink there is (grey or RGB)."""
    small = shrink(image, min(1.0, _BACKGROUND_DPI / max(1, dpi)))
    channels = [small] if small.ndim == 2 else [small[..., c] for c in range(3)]
    papers = [background(channel, _BACKGROUND_DPI) for channel in channels]
    bright = np.maximum.reduce(papers)
    low, high = np.percentile(bright, [5, 95])
    means = np.array([float(np.median(paper)) for paper in papers])
    red_share = 0.0
    if small.ndim == 3:
        r, g, b = (small[..., c].astype(np.int16) for c in range(3))
        red_share = float(((r - np.maximum(g, b)) > 60).mean())
    return Lighting(
        evenness=float(low / max(1.0, high)),
        cast=float((means.max() - means.min()) / max(1.0, means.max())),
        red_share=red_share,
    )


def flatten(image: Pixels, dpi: int) -> Pixels:
    """Each channel divided by its paper brightness: even light, white paper (any channels)."""
    channels = [image] if image.ndim == 2 else [image[..., c] for c in range(image.shape[2])]
    flat = []
    for channel in channels:
        paper = np.maximum(background(channel, dpi), 1.0)
        flat.append(np.clip(channel.astype(np.float32) * (255.0 / paper), 0, 255))
    out = flat[0] if image.ndim == 2 else np.stack(flat, axis=2)
    return np.asarray(out, dtype=np.uint8)


def seal_safe_gray(rgb: Pixels) -> Pixels:
    """Grey for the engine: red ink (a seal) turns as light as paper, other ink stays dark.

    Where red is a pixel's strongest channel the grey is its red channel, raised in proportion
    to how much red exceeds the other two. Seal ink reflects red almost as paper does and the
    gain makes up the rest (blur and JPEG's halved colour resolution fade thin seal lines);
    black text under the seal absorbs red, so its pixels stay dark whatever the gain. Elsewhere
    the usual luminance.
    """
    luminance = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(np.float32)
    red = rgb[..., 0].astype(np.float32)
    others = np.maximum(rgb[..., 1], rgb[..., 2]).astype(np.float32)
    lifted = red * (1.0 + (red - others) / 255.0)
    grey = np.where(red >= others, np.maximum(lifted, luminance), luminance)
    return np.asarray(np.clip(grey, 0, 255), dtype=np.uint8)


def text_box(gray: Pixels, dpi: int) -> tuple[int, int, int, int] | None:
    """The box around the ink of a flattened page with a quarter inch to spare, or ``None``
    when it would not save a tenth of the page (the engine's time grows with the pixels).

    Ink is looked for at 50 dpi, in rows and columns with at least two dark pixels (not one
    speck), inside the outer 2 % of the page (where a sliver of desk may be left).
    """
    height, width = gray.shape
    factor = min(1.0, _BACKGROUND_DPI / max(1, dpi))
    ink = shrink(gray, factor) < 128
    rim_y, rim_x = (max(1, round(side * 0.02)) for side in ink.shape)
    ink[:rim_y], ink[-rim_y:], ink[:, :rim_x], ink[:, -rim_x:] = False, False, False, False
    rows, cols = np.nonzero(ink.sum(axis=1) >= 2)[0], np.nonzero(ink.sum(axis=0) >= 2)[0]
    if len(rows) == 0 or len(cols) == 0:
        return None
    margin = dpi / 4
    x0, x1 = (
        max(0, int(cols[0] / factor - margin)),
        min(width, int((cols[-1] + 1) / factor + margin)),
    )
    y0, y1 = (
        max(0, int(rows[0] / factor - margin)),
        min(height, int((rows[-1] + 1) / factor + margin)),
    )
    if (x1 - x0) * (y1 - y0) > 0.9 * width * height:
        return None
    return x0, y0, x1, y1
