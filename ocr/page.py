"""One page, start to finish, in a worker process: load, clean up, recognise, write a PDF page.

Each page is its own task so a 500-page dossier is streamed: a worker holds one page at a time
and hands back a small result plus the path of a one-page PDF.
"""

from __future__ import annotations

import io
import logging
import statistics
from dataclasses import dataclass
from pathlib import Path

import pikepdf
from PIL import Image

from common.subprocess_run import ProgramError, run
from ocr import errors
from ocr.engine import OcrEngine, Word
from ocr.errors import OcrEngineError, OcrError
from ocr.geometry import Affine, straighten, turn_clockwise
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
from ocr.preprocess import (
    colour_kind,
    estimate_skew,
    prepare,
    to_gray,
    to_pnm,
    upside_down_score,
)
from ocr.results import PageResult
from ocr.textlayer import PlacedLine, content_stream, place_lines

log = logging.getLogger(__name__)

#: a reading under this mean confidence asks the engine's detector which way up the page is
_ORIENTATION_CHECK_BELOW = 80.0
#: the detector's answers below this confidence are ignored (a turned reading must also win)
_ORIENTATION_MIN_CONFIDENCE = 1.5
#: an upside-down score under this reads the page turned by 180 degrees first
_UPSIDE_DOWN_BELOW = 0.8
_TRANSPOSE_FOR_CLOCKWISE = {
    90: Image.Transpose.ROTATE_270,
    180: Image.Transpose.ROTATE_180,
    270: Image.Transpose.ROTATE_90,
}


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


@dataclass(frozen=True)
class _Reading:
    words: list[Word]
    d_to_u: Affine
    skew: float
    rotation: int

    @property
    def confidence(self) -> float:
        return statistics.fmean(w.confidence for w in self.words) if self.words else 0.0


def process_page(task: PageTask) -> PageOutcome:
    apply_pillow_limits(task.options)
    try:
        return _process(task)
    except PDF_ERRORS as exc:
        raise OcrError(errors.UNREADABLE_PDF, f"page {task.number}: {exc}") from exc
    except Image.DecompressionBombError as exc:
        raise OcrError(errors.IMAGE_TOO_LARGE, f"page {task.number}: {exc}") from exc
    except PILLOW_ERRORS as exc:
        raise OcrError(
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
    reading = _read(task, gray, dpi)
    v_to_u = turn_clockwise(reading.rotation, gray.width, gray.height)
    lines = place_lines(reading.words, reading.d_to_u)

    def text_ops(v_to_user: Affine) -> bytes:
        return content_stream(lines, v_to_u.inverse().then(v_to_user))

    d_to_archived = reading.d_to_u.then(v_to_u.inverse())
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


def _straightened(image: Image.Image, reading: _Reading) -> tuple[Image.Image, Affine]:
    """The archived image turned upright and straightened, and the engine's map to it."""
    bilevel = image.mode == "1"
    upright = archival_image(image).convert("L") if bilevel else archival_image(image)
    if reading.rotation:
        upright = upright.transpose(_TRANSPOSE_FOR_CLOCKWISE[reading.rotation])
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
    return straight, reading.d_to_u.then(s_to_u.inverse())


def _result(
    task: PageTask,
    size: tuple[int, int],
    dpi: int,
    colour: str,
    reading: _Reading,
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


def _straighten(
    task: PageTask, upright: Image.Image, dpi: int
) -> tuple[Image.Image, Affine, int, float]:
    opts = task.options
    skew = estimate_skew(upright) if opts.deskew else 0.0
    image, d_to_u, d_dpi = prepare(upright, dpi, skew, opts.clean)
    return image, d_to_u, d_dpi, skew


def _recognise(task: PageTask, upright: Image.Image, dpi: int, rotation: int) -> _Reading:
    image, d_to_u, d_dpi, skew = _straighten(task, upright, dpi)
    words = task.engine.recognize(to_pnm(image), languages=task.options.languages, dpi=d_dpi)
    return _Reading(words, d_to_u, skew, rotation)


def _turned(task: PageTask, gray: Image.Image, dpi: int) -> _Reading | None:
    """The page read after turning it the way the engine's orientation detector says."""
    found = task.engine.orientation(to_pnm(gray), dpi=dpi)
    if found.rotate == 0 or found.confidence < _ORIENTATION_MIN_CONFIDENCE:
        return None
    turned = gray.transpose(_TRANSPOSE_FOR_CLOCKWISE[found.rotate])
    log.debug("page %s: turned %s", task.number, found.rotate)
    return _recognise(task, turned, dpi, found.rotate)


def _read(task: PageTask, gray: Image.Image, dpi: int) -> _Reading:
    opts = task.options
    image, d_to_u, d_dpi, skew = _straighten(task, gray, dpi)
    if opts.rotate_pages and upside_down_score(image) < _UPSIDE_DOWN_BELOW:
        # looks upside down: read it turned; the confidence confirms, else fall through
        turned = _recognise(task, gray.transpose(Image.Transpose.ROTATE_180), dpi, 180)
        if turned.confidence >= _ORIENTATION_CHECK_BELOW:
            return turned
    words = task.engine.recognize(to_pnm(image), languages=opts.languages, dpi=d_dpi)
    first = _Reading(words, d_to_u, skew, 0)
    if not opts.rotate_pages or first.confidence >= _ORIENTATION_CHECK_BELOW:
        return first
    second = _turned(task, gray, dpi)
    return second if second is not None and second.confidence > first.confidence else first


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
