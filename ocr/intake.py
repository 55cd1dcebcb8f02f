"""Input intake: what the input is, how many pages, and whether kyso may touch it at all.

Nothing here decodes a whole image: sizes come from headers, so hostile inputs (a zero-byte
file, a 20,000 x 20,000 image, a PDF claiming a million pages) are refused before any work.
"""

from __future__ import annotations

import logging
import struct
from dataclasses import dataclass
from pathlib import Path

import pikepdf
from PIL import Image, UnidentifiedImageError

from common.hashing import sha256_chunks, sha256_file
from ocr import errors
from ocr.errors import OcrInputError
from ocr.options import OcrOptions

log = logging.getLogger(__name__)

#: what Pillow raises on a broken file: its documented errors (OSError, ValueError,
#: TypeError), SyntaxError from some parsers and EOFError past the last frame. Found by
#: fuzzing: TypeError "Missing dimensions" (a TIFF frame without a size), KeyError (a TIFF
#: frame with an unknown compression), IndexError and struct.error (a GIF cut inside a frame)
PILLOW_ERRORS = (
    OSError, ValueError, TypeError, SyntaxError, EOFError, KeyError, IndexError, struct.error
)  # fmt: skip
#: what pikepdf raises on a broken PDF: its own tree (``QpdfRuntimeError`` "/Count is wrong
#: after flattening pages tree" is not a ``PdfError``: found by fuzzing)
PDF_ERRORS = (pikepdf.PikepdfError,)
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".gif", ".webp", ".pnm"}
_SIGNATURE_MARKERS = (b"/ByteRange", b"/Type/Sig", b"/Type /Sig", b"/FT/Sig", b"/FT /Sig")


@dataclass(frozen=True)
class PageSource:
    #: "image" (a frame of an image file), "pdf" (a page kept and overlaid) or
    #: "pdf_raster" (a page rasterised into a new image page: signed-PDF derivatives)
    kind: str
    path: Path
    index: int
    has_text: bool = False


@dataclass(frozen=True)
class InputPlan:
    pages: tuple[PageSource, ...]
    sha256: str
    signed: bool = False


def apply_pillow_limits(options: OcrOptions) -> None:
    """Pillow's decompression-bomb guard, set explicitly to kyso's own page limit."""
    Image.MAX_IMAGE_PIXELS = options.max_page_pixels


def plan_input(path: Path, options: OcrOptions) -> InputPlan:
    if not path.exists():
        raise OcrInputError(errors.UNSUPPORTED_INPUT, f"{path.name}: no such file or folder")
    if path.is_dir():
        return _plan_folder(path, options)
    _check_size(path, options)
    with path.open("rb") as stream:
        head = stream.read(1024)
    if b"%PDF-" in head:
        return _plan_pdf(path, options)
    pages = _image_pages(path, options)
    return InputPlan(tuple(pages), sha256_file(path))


def _check_size(path: Path, options: OcrOptions) -> None:
    size = path.stat().st_size
    if size == 0:
        raise OcrInputError(errors.EMPTY_INPUT, f"{path.name} is empty (0 bytes)")
    if size > options.max_input_bytes:
        raise OcrInputError(errors.IMAGE_TOO_LARGE, f"{path.name} is larger than the limit")


def _plan_folder(folder: Path, options: OcrOptions) -> InputPlan:
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        raise OcrInputError(errors.EMPTY_INPUT, f"{folder.name} holds no page images")
    pages: list[PageSource] = []
    digests = []
    for file in files:
        _check_size(file, options)
        pages.extend(_image_pages(file, options, len(pages)))
        digests.append(f"{sha256_file(file)}  {file.name}\n".encode())
    # a folder's fingerprint: the hash of its manifest (file hashes and names, sorted)
    return InputPlan(tuple(pages), sha256_chunks(digests))


def _image_pages(path: Path, options: OcrOptions, already: int = 0) -> list[PageSource]:
    apply_pillow_limits(options)
    try:
        with Image.open(path) as image:
            width, height = image.size
            frames = int(getattr(image, "n_frames", 1))
    except Image.DecompressionBombError as exc:
        raise OcrInputError(errors.IMAGE_TOO_LARGE, f"{path.name}: {exc}") from exc
    except UnidentifiedImageError as exc:
        raise OcrInputError(
            errors.UNSUPPORTED_INPUT, f"{path.name} is not an image or PDF"
        ) from exc
    except PILLOW_ERRORS as exc:
        raise OcrInputError(errors.UNREADABLE_IMAGE, f"{path.name} cannot be read: {exc}") from exc
    if width * height > options.max_page_pixels:
        raise OcrInputError(
            errors.IMAGE_TOO_LARGE,
            f"{path.name} is {width}x{height} pixels, over the {options.max_page_pixels} limit",
        )
    if already + frames > options.max_pages:
        raise OcrInputError(errors.TOO_MANY_PAGES, f"more than {options.max_pages} pages")
    return [PageSource("image", path, i) for i in range(frames)]


def looks_signed(path: Path) -> bool:
    """True when the raw bytes carry a signature dictionary (streamed, overlapping chunks)."""
    tail = b""
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 20):
            window = tail + chunk
            if any(marker in window for marker in _SIGNATURE_MARKERS):
                return True
            tail = window[-16:]
    return False


def _has_signature_field(pdf: pikepdf.Pdf) -> bool:
    acroform = pdf.Root.get("/AcroForm")
    if not isinstance(acroform, pikepdf.Dictionary):
        return False
    if int(acroform.get("/SigFlags", 0)) & 1:
        return True
    fields = acroform.get("/Fields")
    return isinstance(fields, pikepdf.Array) and any(
        isinstance(f, pikepdf.Dictionary) and f.get("/FT") == pikepdf.Name.Sig for f in fields
    )


def _page_has_text(page: pikepdf.Page) -> bool:
    resources = page.obj.get("/Resources")
    if not isinstance(resources, pikepdf.Dictionary):
        return False
    fonts = resources.get("/Font")
    return isinstance(fonts, pikepdf.Dictionary) and len(fonts.keys()) > 0


def _plan_pdf(path: Path, options: OcrOptions) -> InputPlan:
    signed = looks_signed(path)
    try:
        with pikepdf.open(path) as pdf:
            signed = signed or _has_signature_field(pdf)
            count = len(pdf.pages)
            if count == 0:
                raise OcrInputError(errors.EMPTY_INPUT, f"{path.name} has no pages")
            if count > options.max_pages:
                raise OcrInputError(
                    errors.TOO_MANY_PAGES, f"{count} pages, over {options.max_pages}"
                )
            kind = "pdf_raster" if signed else "pdf"
            pages = []
            for i, page in enumerate(pdf.pages):
                box = page.cropbox
                w_in, h_in = float(box[2] - box[0]) / 72, float(box[3] - box[1]) / 72
                if w_in * h_in * options.pdf_dpi**2 > options.max_page_pixels:
                    raise OcrInputError(
                        errors.PAGE_TOO_LARGE,
                        f"page {i + 1} is {w_in:.0f}x{h_in:.0f} inches, too large to rasterise",
                    )
                pages.append(PageSource(kind, path, i, has_text=_page_has_text(page)))
    except pikepdf.PasswordError as exc:
        raise OcrInputError("ocr_encrypted_pdf", f"{path.name} is encrypted") from exc
    except PDF_ERRORS as exc:
        raise OcrInputError(errors.UNREADABLE_PDF, f"{path.name} is not a readable PDF") from exc
    return InputPlan(tuple(pages), sha256_file(path), signed=signed)
