"""One page, start to finish, in a worker process: load, clean up, recognise, write a PDF page.

Each page is its own task so a 500-page dossier is streamed: a worker holds one page at a time
and hands back a small result plus the path of a one-page PDF.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from pathlib import Path

import pikepdf
from PIL import Image

from common.subprocess_run import ProgramError, run
from ocr import errors
from ocr.engine import OcrEngine
from ocr.errors import OcrEngineError, OcrInputError
from ocr.geometry import Affine, PlaneMap, straighten, turn_clockwise
from ocr.hocr import write_hocr
from ocr.intake import PDF_ERRORS, PILLOW_ERRORS, PageSource, apply_pillow_limits
from ocr.options import OcrOptions
from ocr.pagepdf import (
    archival_image,
    image_view_to_user,
    write_image_page,
    write_overlay_page,
)
from ocr.pdfscan import embedded_scan
from ocr.photo import sheet_image
from ocr.preprocess import colour_kind, to_gray
from ocr.reading import TRANSPOSE_FOR_CLOCKWISE, Reader, Reading, best_reading
from ocr.results import PageResult
from ocr.textlayer import PlacedLine, content_stream, place_lines

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PageTask:
    source: PageSource
    number: int
    out_pdf: Path
    options: OcrOptions
    engine: OcrEngine


@dataclass(frozen=True)
class PageOutcome:
    result: PageResult
    pdf: Path


def process_page(task: PageTask) -> PageOutcome:
    apply_pillow_limits(task.options)
    try:
        return _process(task)
    except PDF_ERRORS as exc:
        raise OcrInputError(errors.UNREADABLE_PDF, f"page {task.number}: {exc}") from exc
    except Image.DecompressionBombError as exc:
        raise OcrInputError(errors.IMAGE_TOO_LARGE, f"page {task.number}: {exc}") from exc
    except PILLOW_ERRORS as exc:
        raise OcrInputError(
            errors.UNREADABLE_IMAGE, f"page {task.number} cannot be read: {exc}"
        ) from exc


def _process(task: PageTask) -> PageOutcome:
    src, opts = task.source, task.options
    if src.kind == "pdf" and src.has_text and not opts.force:
        return _keep_text_page(task)
    jpeg: bytes | None = None
    to_user: Affine | None = None
    scan = None
    if src.kind == "image":
        image, dpi, jpeg = _load_image(src.path, src.index, opts.default_dpi)
    elif src.kind == "pdf" and (scan := embedded_scan(src.path, src.index, opts.max_page_pixels)):
        image, dpi, to_user = scan.image, scan.dpi, scan.to_user
    else:
        image, dpi = _rasterise(src.path, src.index, opts.pdf_dpi, opts.page_timeout), opts.pdf_dpi
    colour = colour_kind(image, rendered=scan is None and src.kind != "image")
    gray = to_gray(image)
    reader = Reader(task.engine, opts, task.number, dpi)
    reading = best_reading(reader, image, gray)
    v_to_u = turn_clockwise(reading.rotation, gray.width, gray.height)
    d_to_archived = reading.d_to_archived()
    lines = place_lines(reading.words, d_to_archived.then(v_to_u))

    def text_ops(v_to_user: Affine) -> bytes:
        return content_stream(lines, v_to_u.inverse().then(v_to_user))

    archived_size = (gray.width, gray.height)
    if src.kind == "pdf":
        write_overlay_page(
            task.out_pdf, src.path, src.index, dpi, text_ops, reading.rotation, to_user
        )
    elif opts.straighten_archived:
        straight, d_to_archived = _straightened(image, reading)
        archived_size = straight.size
        view = image_view_to_user(straight.width, straight.height, dpi)
        layer = content_stream(place_lines(reading.words, d_to_archived), view)
        write_image_page(task.out_pdf, straight, None, dpi, layer, 0)
    else:
        view = image_view_to_user(image.width, image.height, dpi)
        write_image_page(task.out_pdf, image, jpeg, dpi, text_ops(view), reading.rotation)
    if opts.hocr_dir is not None:
        hocr_path = opts.hocr_dir / f"page-{task.number:04d}.hocr"
        write_hocr(hocr_path, reading.words, d_to_archived, archived_size)
    return PageOutcome(_result(task, image.size, dpi, colour, reading, lines), task.out_pdf)


def _straightened(image: Image.Image, reading: Reading) -> tuple[Image.Image, PlaneMap]:
    """The archived image turned upright and straightened, and the engine's map to it.

    For a photo whose sheet was flattened, the archived image is that flat sheet (in colour).
    """
    bilevel = image.mode == "1"
    base = archival_image(image).convert("L") if bilevel else archival_image(image)
    d_to_base = reading.d_to_archived()
    if reading.sheet is not None:
        base = sheet_image(image, reading.sheet)
        d_to_base = d_to_base.then(reading.sheet.picture_to_sheet())
    base_to_upright = turn_clockwise(reading.rotation, base.width, base.height)
    upright = (
        base.transpose(TRANSPOSE_FOR_CLOCKWISE[reading.rotation]) if reading.rotation else base
    )
    if reading.skew == 0.0:
        straight, s_to_u = upright, Affine()
    else:
        s_to_u, w, h = straighten(upright.width, upright.height, reading.skew, 1.0)
        white = 255 if upright.mode == "L" else (255, 255, 255)
        straight = upright.transform(
            (w, h),
            Image.Transform.AFFINE,
            s_to_u.coefficients(),
            Image.Resampling.BICUBIC,
            fillcolor=white,
        )
    if bilevel:
        straight = straight.point(lambda v: 255 if v > 127 else 0).convert("1")
    return straight, d_to_base.then(base_to_upright).then(s_to_u.inverse())


def _result(
    task: PageTask,
    size: tuple[int, int],
    dpi: int,
    colour: str,
    reading: Reading,
    lines: list[PlacedLine],
) -> PageResult:
    opts = task.options
    issues = []
    if dpi < opts.min_dpi:
        issues.append(f"resolution_below_{opts.min_dpi}dpi")
    if colour != "color":
        issues.append("not_colour")
    confidence = round(reading.confidence, 1)
    return PageResult(
        number=task.number,
        width_px=size[0],
        height_px=size[1],
        dpi=dpi,
        colour=colour,
        mean_confidence=confidence,
        word_count=len(reading.words),
        rotation=reading.rotation,
        skew=reading.skew,
        needs_review=confidence < opts.review_confidence,
        digitisation_issues=tuple(issues),
        text="\n".join(line.text for line in lines),
    )


def _load_image(path: Path, index: int, default_dpi: int) -> tuple[Image.Image, int, bytes | None]:
    with Image.open(path) as opened:
        opened.seek(index)
        info_dpi = opened.info.get("dpi")
        fmt = opened.format
        image = opened.copy()
    dpi = default_dpi
    if isinstance(info_dpi, tuple) and info_dpi and float(info_dpi[0]) >= 50:
        dpi = round(float(info_dpi[0]))
    jpeg = path.read_bytes() if fmt == "JPEG" and image.mode in {"L", "RGB"} else None
    return image, dpi, jpeg


def _rasterise(path: Path, index: int, dpi: int, timeout: float) -> Image.Image:
    page = str(index + 1)
    args = ["pdftoppm", "-r", str(dpi), "-f", page, "-l", page, "-singlefile", str(path)]
    try:
        done = run(args, timeout=timeout)
    except ProgramError as exc:
        if exc.code == "program_failed":  # poppler ran and refused the file: the input's fault
            raise OcrInputError(
                errors.UNREADABLE_PDF, f"page {page} of {path.name} cannot be drawn (damaged PDF)"
            ) from exc
        raise OcrEngineError(exc.code, f"page {page} cannot be rasterised: {exc.message}") from exc
    with Image.open(io.BytesIO(done.stdout)) as raster:
        return raster.convert("RGB")


def _keep_text_page(task: PageTask) -> PageOutcome:
    """A page that already has text: copied unchanged; its own text goes to the sidecar."""
    page = str(task.source.index + 1)
    args = ["pdftotext", "-f", page, "-l", page, "-enc", "UTF-8", str(task.source.path), "-"]
    text = run(args, timeout=task.options.page_timeout).stdout.decode("utf-8", "replace")
    with pikepdf.open(task.source.path) as src:
        pdf = pikepdf.new()
        pdf.pages.append(src.pages[task.source.index])
        box = pdf.pages[0].mediabox
        pdf.save(task.out_pdf)
    dpi = task.options.pdf_dpi
    width = round(float(box[2] - box[0]) / 72 * dpi)
    height = round(float(box[3] - box[1]) / 72 * dpi)
    result = PageResult(
        number=task.number,
        width_px=width,
        height_px=height,
        dpi=dpi,
        colour="unknown",
        mean_confidence=100.0,
        word_count=len(text.split()),
        rotation=0,
        skew=0.0,
        skipped_text=True,
        text=text.strip(),
    )
    return PageOutcome(result, task.out_pdf)
