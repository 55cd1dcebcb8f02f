"""One-page PDFs: a scan image with its text layer, or an existing PDF page with one added."""

from __future__ import annotations

import zlib
from collections.abc import Callable
from pathlib import Path

import pikepdf
from PIL import Image

from ocr.geometry import Affine, scale, turn_clockwise
from ocr.textlayer import FONT_RESOURCE, make_font

#: builds the text operators once the page's pixel-to-user-space map is known
TextOps = Callable[[Affine], bytes]


def archival_image(image: Image.Image) -> Image.Image:
    """The image as stored: same pixels, in a mode PDF/A can hold without transparency."""
    if image.mode in {"1", "L", "RGB"}:
        return image
    if image.mode in {"RGBA", "LA", "PA"} or (image.mode == "P" and "transparency" in image.info):
        background = Image.new("RGBA", image.size, (255, 255, 255, 255))
        background.alpha_composite(image.convert("RGBA"))
        return background.convert("RGB")
    if image.mode.startswith("I"):
        return image.point(lambda v: v / 256).convert("L")
    return image.convert("RGB")


def image_xobject(pdf: pikepdf.Pdf, image: Image.Image, jpeg: bytes | None) -> pikepdf.Stream:
    """The scan as an image XObject: JPEG bytes kept as they are, anything else Flate (lossless)."""
    if jpeg is not None and image.mode in {"L", "RGB"}:
        data, filt, bits = jpeg, pikepdf.Name.DCTDecode, 8
    else:
        image = archival_image(image)
        bits = 1 if image.mode == "1" else 8
        data, filt = zlib.compress(image.tobytes(), 6), pikepdf.Name.FlateDecode
    space = pikepdf.Name.DeviceRGB if image.mode == "RGB" else pikepdf.Name.DeviceGray
    return pikepdf.Stream(
        pdf,
        data,
        Type=pikepdf.Name.XObject,
        Subtype=pikepdf.Name.Image,
        Width=image.width,
        Height=image.height,
        ColorSpace=space,
        BitsPerComponent=bits,
        Filter=filt,
    )


def image_view_to_user(width: int, height: int, dpi: int) -> Affine:
    """Pixels of a scan (y down) to the points of a page showing it at ``dpi``."""
    s = 72 / dpi
    return Affine(a=s, e=-s, f=height * s)


def write_image_page(
    out: Path,
    image: Image.Image,
    jpeg: bytes | None,
    dpi: int,
    text_ops: bytes,
    rotate: int,
) -> None:
    pdf = pikepdf.new()
    w_pt, h_pt = image.width * 72 / dpi, image.height * 72 / dpi
    xobject = image_xobject(pdf, image, jpeg)
    draw = f"q {w_pt:.4f} 0 0 {h_pt:.4f} 0 0 cm /Im0 Do Q\n".encode()
    resources = pikepdf.Dictionary(
        XObject=pikepdf.Dictionary(Im0=xobject),
        Font=pikepdf.Dictionary({FONT_RESOURCE: make_font(pdf)}),
    )
    page = pikepdf.Dictionary(
        Type=pikepdf.Name.Page,
        MediaBox=[0, 0, round(w_pt, 4), round(h_pt, 4)],
        Resources=resources,
        Contents=pikepdf.Stream(pdf, draw + text_ops),
    )
    if rotate:
        page.Rotate = rotate
    pdf.pages.append(pikepdf.Page(page))
    pdf.save(out)


def pdf_view_to_user(page: pikepdf.Page, dpi: int) -> Affine:
    """Pixels of the page as ``pdftoppm`` draws it (crop box, /Rotate applied) to user space."""
    x0, y0, x1, y1 = (float(v) for v in page.cropbox)
    rotation = int(page.obj.get("/Rotate", 0)) % 360
    user_to_canvas = Affine(a=1, c=-min(x0, x1), e=-1, f=max(y0, y1))
    canvas = turn_clockwise(rotation, abs(x1 - x0), abs(y1 - y0))
    return user_to_canvas.then(canvas).then(scale(dpi / 72)).inverse()


def write_overlay_page(
    out: Path,
    source: Path,
    index: int,
    dpi: int,
    text_ops_for: TextOps,
    turn: int,
    view_to_user: Affine | None = None,
) -> None:
    """Copy page ``index`` of ``source`` and draw the text layer over its untouched content."""
    with pikepdf.open(source) as src:
        pdf = pikepdf.new()
        pdf.pages.append(src.pages[index])
        page = pdf.pages[0]
        text_ops = text_ops_for(view_to_user or pdf_view_to_user(page, dpi))
        if text_ops:
            page.contents_add(pikepdf.Stream(pdf, b"q\n"), prepend=True)
            page.contents_add(pikepdf.Stream(pdf, b"\nQ\n" + text_ops))
            if "/Resources" not in page.obj:
                page.obj.Resources = pikepdf.Dictionary()
            resources = page.obj.Resources
            if "/Font" not in resources:
                resources.Font = pikepdf.Dictionary()
            resources.Font[FONT_RESOURCE] = make_font(pdf)
        if turn:
            page.obj.Rotate = (int(page.obj.get("/Rotate", 0)) + turn) % 360
        pdf.save(out)
