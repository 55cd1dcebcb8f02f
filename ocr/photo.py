"""The engine's copy of a phone photo or a colour scan: flattened sheet, grey without the seal.

``photo_input`` decides from the page itself whether it needs this clean-up (a visible sheet
outline, uneven light, a colour cast, red seal ink) and returns ``None`` for a plain scan, which
then goes the usual way. The returned grey image lives in frame W (the sheet, flattened); its
map back to the archived image V goes with it, so the text layer lands on the archived words.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

from ocr import cleanup
from ocr.geometry import Affine, PlaneMap, translate
from ocr.outline import Sheet, find_sheet
from ocr.pagepdf import archival_image

log = logging.getLogger(__name__)

#: pages with a side shorter than this (pixels) are left as they are
_MIN_SIDE = 64


@dataclass(frozen=True)
class EngineInput:
    #: the page the engine is given (before straightening): grey, frame W
    gray: Image.Image
    #: pixels of ``gray`` to pixels of the archived image
    to_archived: PlaneMap
    #: the sheet outline used to flatten the perspective, if one was seen
    sheet: Sheet | None
    #: the clean-up steps applied, in order (for logs and the page result)
    steps: tuple[str, ...]
    #: the box of the archived image (left, top, right, bottom) that holds the ink, if the
    #: page was cropped to it: the plain page is read within it too
    archived_box: tuple[int, int, int, int] | None = None


def _pixels(image: Image.Image) -> np.ndarray:
    archived = archival_image(image)
    return np.asarray(archived if archived.mode == "L" else archived.convert("RGB"))


def warp_to_sheet(pixels: np.ndarray, sheet: Sheet) -> np.ndarray:
    """The picture's sheet as a flat rectangle, same pixel density (any channels)."""
    matrix = np.array(sheet.picture_to_sheet().m, dtype=np.float64).reshape(3, 3)
    warped = cv2.warpPerspective(
        pixels,
        matrix,
        (sheet.width, sheet.height),
        flags=cv2.INTER_CUBIC,
        borderMode=cv2.BORDER_REPLICATE,
    )
    return np.asarray(warped, dtype=np.uint8)


def sheet_image(image: Image.Image, sheet: Sheet) -> Image.Image:
    """The archived image's sheet flattened (for ``straighten_archived``), in its own colours."""
    return Image.fromarray(warp_to_sheet(_pixels(image), sheet))


def photo_input(image: Image.Image, dpi: int) -> EngineInput | None:
    """The cleaned engine image of a photo or colour scan, or ``None`` when it needs none."""
    if image.mode == "1":
        return None  # a bilevel scan has no light or colour to correct
    if min(image.size) < _MIN_SIDE:
        return None  # too small to hold a line of text, let alone a desk around a sheet
    pixels = _pixels(image)
    sheet = find_sheet(pixels)
    steps: list[str] = []
    to_archived: PlaneMap = Affine()
    if sheet is not None:
        pixels = warp_to_sheet(pixels, sheet)
        to_archived = sheet.picture_to_sheet().inverse()
        steps.append("sheet")
    lighting = cleanup.measure(pixels, dpi)
    if sheet is None and not lighting.needs_flattening and not lighting.stamped:
        return None
    flat = cleanup.flatten(pixels, dpi)
    steps.append("flatten")
    if flat.ndim == 3:
        gray = cleanup.seal_safe_gray(flat)
        steps.append("seal_safe_gray")
    else:
        gray = flat
    # the ink of any colour (red print too, which the seal-safe grey drops) decides the crop
    ink = flat if flat.ndim == 2 else np.asarray(cv2.cvtColor(flat, cv2.COLOR_RGB2GRAY), np.uint8)
    box = cleanup.text_box(ink, dpi)
    archived_box = None
    if box is not None:
        x0, y0, x1, y1 = box
        gray = np.ascontiguousarray(gray[y0:y1, x0:x1])
        corners = [to_archived(x, y) for x in (x0, x1) for y in (y0, y1)]
        to_archived = translate(x0, y0).then(to_archived)
        archived_box = _bounds(corners, image.size)
        steps.append("crop")
    log.debug(
        "photo clean-up %s (evenness %.2f, cast %.2f, red %.4f)",
        "+".join(steps),
        lighting.evenness,
        lighting.cast,
        lighting.red_share,
    )
    return EngineInput(Image.fromarray(gray), to_archived, sheet, tuple(steps), archived_box)


def _bounds(points: list[tuple[float, float]], size: tuple[int, int]) -> tuple[int, int, int, int]:
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return (
        max(0, int(min(xs))),
        max(0, int(min(ys))),
        min(size[0], int(max(xs)) + 1),
        min(size[1], int(max(ys)) + 1),
    )
