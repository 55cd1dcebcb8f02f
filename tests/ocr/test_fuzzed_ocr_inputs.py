"""Inputs the OCR intake fuzzer (fuzz/ocr_intake.py) found crashing, made again here.

Each once escaped as a raw library exception (a 500 for the API, a traceback for the CLI);
now each is refused with kyso's own error code, or digitised.
"""

from __future__ import annotations

import io
import struct
from pathlib import Path

import pikepdf
import pytest
from PIL import Image

from ocr.errors import OcrError
from ocr.options import OcrOptions
from ocr.pipeline import digitise
from tests.verify.pdftraps import hand_made_pdf


def _tiff_with_second_frame_patched(tag: int, *, new_tag: int, value: int | None) -> bytes:
    """A two-page TIFF whose second frame's entry ``tag`` is renamed or given a new value."""
    page = Image.new("L", (32, 32), 255)
    buffer = io.BytesIO()
    page.save(buffer, "TIFF", save_all=True, append_images=[page])
    data = bytearray(buffer.getvalue())
    order = "<" if data[:2] == b"II" else ">"
    first = struct.unpack_from(order + "I", data, 4)[0]
    entries = struct.unpack_from(order + "H", data, first)[0]
    second = struct.unpack_from(order + "I", data, first + 2 + 12 * entries)[0]
    for n in range(struct.unpack_from(order + "H", data, second)[0]):
        entry = second + 2 + 12 * n
        if struct.unpack_from(order + "H", data, entry)[0] == tag:
            struct.pack_into(order + "H", data, entry, new_tag)
            if value is not None:  # a SHORT value sits in the entry itself
                struct.pack_into(order + "H", data, entry + 8, value)
            return bytes(data)
    raise AssertionError(f"no tag {tag} in the second frame")


@pytest.mark.parametrize(
    ("tag", "new_tag", "value"),
    [
        (256, 65000, None),  # ImageWidth renamed to an unknown tag: TypeError "Missing dimensions"
        (259, 259, 18181),  # Compression 18181, unknown to Pillow: KeyError
    ],
)
def test_tiff_frame_pillow_cannot_set_up_is_an_unreadable_image(
    tmp_path: Path, tag: int, new_tag: int, value: int | None
) -> None:
    # Pillow raised these while counting the frames
    tiff = tmp_path / "scan.tif"
    tiff.write_bytes(_tiff_with_second_frame_patched(tag, new_tag=new_tag, value=value))
    with pytest.raises(OcrError) as caught:
        digitise(tiff, tmp_path / "o.pdf", OcrOptions(jobs=1))
    assert caught.value.code == "ocr_unreadable_image"
    assert not (tmp_path / "o.pdf").exists()


@pytest.mark.parametrize(
    "descriptor",
    [
        9,  # a whole frame descriptor and nothing after it: IndexError
        6,  # a descriptor cut short: struct.error
    ],
)
def test_gif_cut_inside_a_frame_is_an_unreadable_image(tmp_path: Path, descriptor: int) -> None:
    # Pillow raised these while counting the frames
    buffer = io.BytesIO()
    Image.new("L", (8, 8), 255).save(buffer, "GIF")
    gif = tmp_path / "scan.gif"
    gif.write_bytes(buffer.getvalue().removesuffix(b";") + b"," + bytes(descriptor))
    with pytest.raises(OcrError) as caught:
        digitise(gif, tmp_path / "o.pdf", OcrOptions(jobs=1))
    assert caught.value.code == "ocr_unreadable_image"


def test_pdf_whose_page_tree_cannot_be_flattened_is_an_unreadable_pdf(tmp_path: Path) -> None:
    # no /Count and a kid that is no page: qpdf's QpdfRuntimeError is not a pikepdf.PdfError
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(
        hand_made_pdf(
            [
                b"<< /Type /Catalog /Pages 2 0 R >>",
                b"<< /Type /Pages /Kids [3 0 R 4 0 R] >>",
                b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
                b"42",
            ]
        )
    )
    with pytest.raises(OcrError) as caught:
        digitise(broken, tmp_path / "o.pdf", OcrOptions(jobs=1))
    assert caught.value.code == "ocr_unreadable_pdf"


def test_scan_pdf_whose_image_has_zero_height_is_rasterised_instead(tmp_path: Path) -> None:
    # the embedded-scan shortcut divided by the decoded image's height (ZeroDivisionError)
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(200, 200))
    image = pikepdf.Stream(
        pdf,
        b"",
        Type=pikepdf.Name.XObject,
        Subtype=pikepdf.Name.Image,
        Width=10,
        Height=0,
        ColorSpace=pikepdf.Name.DeviceGray,
        BitsPerComponent=8,
    )
    page = pdf.pages[0].obj
    page.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=image))
    page.Contents = pikepdf.Stream(pdf, b"q 200 0 0 200 0 0 cm /Im0 Do Q")
    scan = tmp_path / "scan.pdf"
    pdf.save(scan)
    result = digitise(scan, tmp_path / "o.pdf", OcrOptions(jobs=1))
    (only,) = result.pages
    assert (only.width_px, only.height_px) == (834, 834)  # 200 pt rendered at 300 dpi
    assert only.word_count == 0 and only.needs_review


@pytest.mark.parametrize("side", [1200, 3000])  # over the pixel limit; over twice the limit
def test_jpeg_larger_than_its_pdf_dictionary_says_is_not_decoded(tmp_path: Path, side: int) -> None:
    # the pixel limit was checked on the dictionary's /Width and /Height only: a 40960-pixel
    # JPEG under a dictionary without /Width took 2.7 GB; the page is rasterised instead
    jpeg = io.BytesIO()
    Image.new("L", (side, side), 255).save(jpeg, "JPEG")
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(200, 200))
    image = pikepdf.Stream(
        pdf,
        jpeg.getvalue(),
        Type=pikepdf.Name.XObject,
        Subtype=pikepdf.Name.Image,
        Width=10,
        Height=10,
        ColorSpace=pikepdf.Name.DeviceGray,
        BitsPerComponent=8,
        Filter=pikepdf.Name.DCTDecode,
    )
    page = pdf.pages[0].obj
    page.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=image))
    page.Contents = pikepdf.Stream(pdf, b"q 200 0 0 200 0 0 cm /Im0 Do Q")
    scan = tmp_path / "scan.pdf"
    pdf.save(scan)
    options = OcrOptions(jobs=1, max_page_pixels=1_000_000, pdf_dpi=100)
    result = digitise(scan, tmp_path / "o.pdf", options)
    (only,) = result.pages
    assert (only.width_px, only.height_px) == (278, 278)  # 200 pt rendered at 100 dpi
