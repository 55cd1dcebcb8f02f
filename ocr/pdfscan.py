"""The scan inside an image-only PDF page, read directly instead of rasterising the page.

A scanner's PDF draws one image over the page. Decoding that image gives the engine the scan's
own pixels at its own resolution (no resampling) and is much faster than rendering the page.
Anything less simple (several images, masks, text, a rotated page) is left to ``pdftoppm``.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from pathlib import Path

import pikepdf
from PIL import Image

from ocr.geometry import Affine

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EmbeddedScan:
    image: Image.Image
    dpi: int
    #: pixels of ``image`` (y down) to the page's user space
    to_user: Affine


def _pdf_matrix(operands: list[pikepdf.Object]) -> Affine:
    a, b, c, d, e, f = (float(v) for v in operands)
    return Affine(a=a, b=c, c=e, d=b, e=d, f=f)


def _placement(page: pikepdf.Page, name: str) -> Affine | None:
    """The CTM in force where the page draws XObject ``name``, if it is drawn exactly once."""
    ctm = Affine()
    stack: list[Affine] = []
    found: list[tuple[str, Affine]] = []
    for item in pikepdf.parse_content_stream(page):
        if isinstance(item, pikepdf.ContentStreamInlineImage):
            return None
        operands, op = list(item.operands), str(item.operator)
        if op == "q":
            stack.append(ctm)
        elif op == "Q" and stack:
            ctm = stack.pop()
        elif op == "cm" and len(operands) == 6:
            ctm = _pdf_matrix(list(operands)).then(ctm)
        elif op == "Do":
            found.append((str(operands[0]), ctm))
        elif op in {"BT", "BI", "sh"}:
            return None
    return found[0][1] if len(found) == 1 and found[0][0] == name else None


def embedded_scan(path: Path, index: int, max_pixels: int) -> EmbeddedScan | None:
    try:
        with pikepdf.open(path) as pdf:
            return _read(pdf.pages[index], max_pixels)
    except (
        pikepdf.PdfError, NotImplementedError, ValueError, OSError, KeyError,
        Image.DecompressionBombError,  # a JPEG larger than its dictionary says: rasterise
    ) as exc:  # fmt: skip
        log.debug("page %s: embedded image not used (%s)", index + 1, exc)
        return None


def _read(page: pikepdf.Page, max_pixels: int) -> EmbeddedScan | None:
    if int(page.obj.get("/Rotate", 0)) % 360:
        return None
    resources = page.obj.get("/Resources")
    xobjects = resources.get("/XObject") if isinstance(resources, pikepdf.Dictionary) else None
    if not isinstance(xobjects, pikepdf.Dictionary) or len(xobjects.keys()) != 1:
        return None
    ((name, xobject),) = xobjects.items()
    if (
        not isinstance(xobject, pikepdf.Stream)
        or xobject.get("/Subtype") != pikepdf.Name.Image
        or "/SMask" in xobject
        or "/Mask" in xobject
        or bool(xobject.get("/ImageMask", False))
        or int(xobject.get("/Width", 0)) * int(xobject.get("/Height", 0)) > max_pixels
    ):
        return None
    placement = _placement(page, name)
    if placement is None:
        return None
    image = pikepdf.PdfImage(xobject).as_pil_image()
    # the decoded size decides, not the dictionary's: a JPEG says its own (both found by
    # fuzzing: a /Width-less dictionary over a 40960-pixel-wide JPEG, and a /Height of 0)
    if not 0 < image.width * image.height <= max_pixels:
        return None
    to_user = Affine(a=1 / image.width, e=-1 / image.height, f=1).then(placement)
    width_pt = math.hypot(*placement.linear(1.0, 0.0))
    if width_pt <= 0:
        return None
    dpi = round(image.width / (width_pt / 72))
    return EmbeddedScan(image, dpi, to_user)
