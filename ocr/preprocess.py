"""Image clean-up before recognition: grey, straighten, scale, despeckle.

Only the copy given to the engine is changed; the archived image keeps its original look.
"""

from __future__ import annotations

import cv2
import numpy as np
from numpy.typing import NDArray
from PIL import Image

from ocr.geometry import Affine, straighten

#: resolution the engine reads best at; lower scans are scaled up to it
TARGET_DPI = 300
_SKEW_RANGE = 6.0


def to_gray(image: Image.Image) -> Image.Image:
    if image.mode in {"RGBA", "LA", "PA"} or (image.mode == "P" and "transparency" in image.info):
        background = Image.new("RGBA", image.size, (255, 255, 255, 255))
        background.alpha_composite(image.convert("RGBA"))
        image = background
    if image.mode == "L":
        return image
    if image.mode.startswith("I"):
        return image.point(lambda v: v / 256).convert("L")
    return image.convert("L")


def colour_kind(image: Image.Image, rendered: bool = False) -> str:
    """ "bilevel", "gray" or "color": the mode the page was scanned in.

    A scan's own image tells by its mode. A page ``rendered`` from a PDF is always RGB, so there
    the pixels decide: any noticeable area where the channels disagree makes it colour.
    """
    if image.mode == "1":
        return "bilevel"
    if image.mode in {"L", "LA", "I", "I;16", "I;16B", "F"}:
        return "gray"
    if not rendered:
        return "color"
    small = image.convert("RGB")
    small.thumbnail((512, 512))
    pixels = np.asarray(small, dtype=np.int16)
    spread = pixels.max(axis=2) - pixels.min(axis=2)
    return "color" if float(np.percentile(spread, 99.9)) > 32 else "gray"


def _profile_score(xs: np.ndarray, ys: np.ndarray, degrees: float) -> float:
    """Sharpness of the row profile of ink points turned ``degrees`` counter-clockwise."""
    rad = np.radians(degrees)
    rows = np.rint(ys * np.cos(rad) - xs * np.sin(rad)).astype(np.int64)
    counts = np.bincount(rows - rows.min()).astype(np.float64)
    return float(np.square(np.diff(counts)).sum())


def estimate_skew(gray: Image.Image) -> float:
    """Counter-clockwise degrees that make the text lines horizontal (projection profiles).

    The profile of each candidate angle is a histogram of the turned ink coordinates, the same
    turn ``prepare`` applies, so no image is resampled while searching.
    """
    small = gray.copy()
    small.thumbnail((800, 800))
    ys, xs = np.nonzero(np.asarray(small) < 150)
    if len(xs) < 50:
        return 0.0
    xs, ys = xs.astype(np.float64), ys.astype(np.float64)

    def best(candidates: list[float]) -> float:
        return max(candidates, key=lambda deg: _profile_score(xs, ys, deg))

    steps = int(_SKEW_RANGE / 0.5)
    coarse = best([i * 0.5 for i in range(-steps, steps + 1)])
    fine = best([coarse + i * 0.1 for i in range(-5, 6)])
    return round(fine, 2) if abs(fine) >= 0.15 else 0.0


def prepare(
    upright: Image.Image, dpi: int, skew: float, clean: bool, flattened: bool = False
) -> tuple[Image.Image, Affine, int]:
    """The engine's image D, the map from D back to ``upright``, and D's resolution.

    On a ``flattened`` page (white paper, ``ocr.cleanup``) rules are told by a lighter ink and
    whitened with their wider fringe: a photo's blur spreads a rule over several pixels.
    """
    factor = min(2.0, TARGET_DPI / dpi) if dpi < TARGET_DPI * 0.9 else 1.0
    if skew == 0.0 and factor == 1.0:
        d_to_u, image = Affine(), upright
    else:
        d_to_u, w, h = straighten(upright.width, upright.height, skew, factor)
        image = upright.transform(
            (w, h),
            Image.Transform.AFFINE,
            d_to_u.coefficients(),
            Image.Resampling.BICUBIC,
            fillcolor=255,
        )
    if clean:
        if dpi * factor >= 250:  # specks; the same filter as Pillow's MedianFilter(3), faster
            image = Image.fromarray(cv2.medianBlur(np.asarray(image), 3))
        d_dpi = round(dpi * factor)
        if flattened:
            image = remove_rules(
                image, d_dpi, ink_below=200, fringe=max(1, d_dpi // 100), photo=True
            )
        else:
            image = remove_rules(image, d_dpi)
    return image, d_to_u, round(dpi * factor)


def _runs(
    ink: NDArray[np.uint8], length: int, horizontal: bool, tilt: int = 0
) -> NDArray[np.uint8]:
    """Pixels (1) of ``ink`` that belong to a straight run of at least ``length`` ink pixels.

    A morphological opening by a ``length``-pixel line: the union of every placement of the
    line that lies wholly on ink. Outside the image counts as paper. With ``tilt``, the ink is
    first thickened by ``tilt`` pixels across the run's direction, so that a rule that climbs
    a pixel (a photo's residual keystone or turn) or thins for a stretch (blur, JPEG) still
    makes one run; only pixels of ``ink`` itself are returned.
    """
    line = np.ones((1, length) if horizontal else (length, 1), np.uint8)
    seen = ink
    if tilt:
        across = np.ones((2 * tilt + 1, 1) if horizontal else (1, 2 * tilt + 1), np.uint8)
        seen = np.asarray(
            cv2.dilate(ink, across, borderType=cv2.BORDER_CONSTANT, borderValue=0), np.uint8
        )
    opened = np.asarray(
        cv2.morphologyEx(seen, cv2.MORPH_OPEN, line, borderType=cv2.BORDER_CONSTANT, borderValue=0),
        np.uint8,
    )
    return np.asarray(opened & ink, np.uint8)


def _rule_lines(ink: NDArray[np.uint8], length: int, horizontal: bool) -> NDArray[np.uint8]:
    """Pixels of the rules of a photographed page that run one way (see ``remove_rules``).

    Runs of ``length`` are kept when they line up, gaps of up to ``2 * length`` between them
    bridged, over at least four times ``length``: a table border or an underline broken where
    it fades, not the merged bars of a pair of capitals (``TT``, ``TTr``, ``QĐ-TTg``). Along
    such a line its shorter pieces (a quarter of ``length``) go too.
    """
    runs = _runs(ink, length, horizontal, tilt=1)
    if not runs.any():
        return runs
    along = np.ones((1, 2 * length + 1) if horizontal else (2 * length + 1, 1), np.uint8)
    joined = cv2.morphologyEx(runs, cv2.MORPH_CLOSE, along)  # gaps bridged, ends kept
    _, labels, stats, _ = cv2.connectedComponentsWithStats(joined, connectivity=8)
    extent = stats[:, cv2.CC_STAT_WIDTH if horizontal else cv2.CC_STAT_HEIGHT]
    long_enough = extent >= 4 * length
    long_enough[0] = False  # the background
    corridor = long_enough[labels].astype(np.uint8)
    across = np.ones((3, 1) if horizontal else (1, 3), np.uint8)
    corridor = np.asarray(
        cv2.dilate(corridor, across, borderType=cv2.BORDER_CONSTANT, borderValue=0), np.uint8
    )
    pieces = _runs(ink & corridor, max(3, length // 4), horizontal, tilt=1)
    return np.asarray((runs & corridor) | pieces, np.uint8)


def remove_rules(
    image: Image.Image, dpi: int, ink_below: int = 160, fringe: int = 1, photo: bool = False
) -> Image.Image:
    """Whiten table borders and underlines (long straight runs): they confuse line finding.

    A run longer than a quarter inch is wider than any stroke of body text. ``fringe`` pixels
    around a rule (its anti-aliased or blurred edge) go with it.

    On a ``photo`` (a flattened page, whose ink is told at a lighter grey and blurred) the
    bars of neighbouring capitals merge into longer runs (``TT`` of 13 pt text: 80 pixels at
    300 dpi, over a quarter inch; its bars were whitened and it was read ``1 1``), and a faint
    rule breaks into pieces, some shorter than a quarter inch (read as ``—`` or ``_``). There
    a rule is runs that line up over an inch (``_rule_lines``).
    """
    pixels = np.asarray(image)
    ink = (pixels < ink_below).astype(np.uint8)
    length = max(20, dpi // 4)
    if photo:
        rules = _rule_lines(ink, length, True) | _rule_lines(ink, length, False)
    else:
        rules = _runs(ink, length, True) | _runs(ink, length, False)
    if not rules.any():
        return image
    cross = cv2.getStructuringElement(cv2.MORPH_CROSS, (3, 3))
    grown = cv2.dilate(
        rules, cross, iterations=fringe, borderType=cv2.BORDER_CONSTANT, borderValue=0
    )
    cleaned = pixels.copy()
    cleaned[grown > 0] = 255
    return Image.fromarray(cleaned)


def to_pnm(image: Image.Image) -> bytes:
    """Uncompressed bytes for the engine's standard input: no time spent compressing."""
    import io

    buf = io.BytesIO()
    image.save(buf, "PPM")
    return buf.getvalue()


def upside_down_score(image: Image.Image) -> float:
    """Ink above the x-height band of text lines over ink below it (upright text: above 1).

    Latin script, and Vietnamese even more with its tone marks, puts far more ink above the
    x-height band (capitals, ascenders, diacritics) than below it (descenders). A page read
    the other way round shows the opposite, so a score under 1 is worth asking the engine's
    orientation detector about. Text lines must be horizontal (call after straightening).
    """
    small = image.reduce(2) if image.width > 1200 else image
    ink = np.asarray(small) < 128
    rows = ink.sum(axis=1).astype(np.float64)
    if rows.max(initial=0) == 0:
        return 1.0
    text_rows = rows > max(2.0, 0.02 * rows.max())
    above = below = 0.0
    start = None
    for y, on in enumerate([*text_rows.tolist(), False]):
        if on and start is None:
            start = y
        elif not on and start is not None:
            band = rows[start:y]
            start = None
            if len(band) < 6:
                continue
            core = np.nonzero(band >= 0.5 * band.max())[0]
            above += float(band[: core[0]].sum())
            below += float(band[core[-1] + 1 :].sum())
    return above / below if below else (2.0 if above else 1.0)
