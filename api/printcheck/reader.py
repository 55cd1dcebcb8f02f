"""Reading an uploaded scan of a printed result, in a child process with limits.

The scan is untrusted: it is parsed only here, in ``python -m api.printcheck.reader``, a fresh
process that lowers its own address space (``RLIMIT_AS``) and CPU time (``RLIMIT_CPU``) before
reading a byte of it, and that the caller kills after ``timeout_seconds``. Sizes come from the
file's header before decoding (bytes, pages, pixels). The child writes what it read to
``reading.json`` and one JPEG per page in its work folder: the page images the OCR read, which
the caller later draws the changes on (its own files, of bounded size).

Per page: the picture (PNG/JPEG turned upright by its EXIF orientation; a PDF page rendered by
pdftoppm at 300 dpi), the QR codes on it (zxing-cpp), and the words with boxes and confidences
from kyso's OCR pipeline (``ocr.pipeline.digitise`` with hOCR output).
"""

from __future__ import annotations

import argparse
import html
import json
import re
import resource
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from api.cli.exitcodes import ExitCode
from common.errors import InputError, KysoError
from common.subprocess_run import ProgramError, run
from verify.printed.errors import PrintReaderError, PrintScanError
from verify.printed.model import ScanPage, ScanWord
from verify.printed.paper import sheet
from verify.printed.qr import verify_target

READING = "reading.json"
#: exit status of the child when it refused the scan with a kyso error
_HOCR_WORD = re.compile(
    r'<span class="ocrx_word" title="bbox (\d+) (\d+) (\d+) (\d+); x_wconf (\d+)">(.*?)</span>'
)


@dataclass(frozen=True)
class ScanLimits:
    max_bytes: int = 50 * 1024 * 1024
    max_pages: int = 10
    max_page_pixels: int = 50_000_000
    #: wall-clock seconds for the whole reading (the caller kills the child after it)
    timeout_seconds: float = 300.0
    #: address space the child may add to what it maps after start-up
    max_memory_bytes: int = 2 * 1024**3
    #: resolution PDF pages are rendered at
    pdf_dpi: int = 300


@dataclass(frozen=True)
class ReadPage:
    scan: ScanPage
    #: the page image the OCR read (JPEG in the work folder)
    image: Path
    #: its resolution, when the file said it (0: unknown, a phone photo)
    dpi: int


@dataclass(frozen=True)
class ScanReading:
    pages: tuple[ReadPage, ...]
    #: the text of every QR code found, page by page, in order
    qr: tuple[str, ...]
    seconds: float


def _kind(path: Path, limits: ScanLimits) -> str:
    size = path.stat().st_size
    if size == 0:
        raise PrintScanError("print_scan_empty", "the scan is empty")
    if size > limits.max_bytes:
        raise PrintScanError("print_scan_too_large", f"the limit is {limits.max_bytes} bytes")
    with path.open("rb") as stream:
        head = stream.read(1024)
    if b"%PDF-" in head:
        return "pdf"
    if head.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")):
        return "image"
    raise PrintScanError("print_scan_unsupported", "send a PDF, PNG or JPEG scan or photo")


def _image_page(source: Path, target: Path, limits: ScanLimits) -> int:
    from PIL import Image, ImageOps, UnidentifiedImageError

    from ocr.intake import PILLOW_ERRORS
    from ocr.preprocess import to_gray

    Image.MAX_IMAGE_PIXELS = limits.max_page_pixels
    try:
        with Image.open(source) as opened:
            width, height = opened.size
            if width * height > limits.max_page_pixels:
                raise PrintScanError(
                    "print_scan_too_large", f"{width}x{height} pixels is over the limit"
                )
            dpi_info = opened.info.get("dpi")
            upright = ImageOps.exif_transpose(opened)
            colour = upright.mode in ("RGB", "RGBA", "P", "CMYK", "YCbCr", "LAB", "HSV")
            picture = upright.convert("RGB") if colour else to_gray(upright)
            picture = sheet(picture)  # a photo: the desk around the sheet cropped away
    except Image.DecompressionBombError as exc:
        raise PrintScanError("print_scan_too_large", "the image is over the pixel limit") from exc
    except UnidentifiedImageError as exc:
        raise PrintScanError("print_scan_unsupported", "not a PNG or JPEG image") from exc
    except PILLOW_ERRORS as exc:
        raise PrintScanError("print_scan_unreadable", f"the image cannot be read: {exc}") from exc
    dpi = 0
    if isinstance(dpi_info, tuple) and dpi_info and 50 <= float(dpi_info[0]) <= 1200:
        dpi = round(float(dpi_info[0]))
    picture.save(target, "JPEG", quality=94, **({"dpi": (dpi, dpi)} if dpi else {}))
    return dpi


def _pdf_pages(source: Path, folder: Path, limits: ScanLimits) -> list[tuple[Path, int]]:
    import pikepdf

    try:
        with pikepdf.open(source) as pdf:
            count = len(pdf.pages)
            if count > limits.max_pages:
                raise PrintScanError("print_too_many_pages", f"more than {limits.max_pages} pages")
            for n, page in enumerate(pdf.pages, 1):
                box = page.cropbox
                inches = float(box[2] - box[0]) * float(box[3] - box[1]) / 72**2
                if inches * limits.pdf_dpi**2 > limits.max_page_pixels:
                    raise PrintScanError("print_scan_too_large", f"page {n} is too large")
    except pikepdf.PasswordError as exc:
        raise PrintScanError("print_scan_unreadable", "the PDF is encrypted") from exc
    except (pikepdf.PikepdfError, ValueError, TypeError) as exc:
        raise PrintScanError("print_scan_unreadable", "the PDF cannot be read") from exc
    pages = []
    for n in range(1, count + 1):
        prefix = folder / f"page-{n:04d}"
        args = ["pdftoppm", "-r", str(limits.pdf_dpi), "-f", str(n), "-l", str(n), "-jpeg",
                "-jpegopt", "quality=94", "-singlefile", str(source), str(prefix)]  # fmt: skip
        try:
            run(args, timeout=limits.timeout_seconds)
        except ProgramError as exc:
            raise PrintScanError("print_scan_unreadable", f"page {n}: {exc.message}") from exc
        pages.append((prefix.with_suffix(".jpg"), limits.pdf_dpi))
    return pages


def _qr_codes(image_path: Path) -> list[str]:
    import zxingcpp
    from PIL import Image

    with Image.open(image_path) as picture:
        gray = picture.convert("L")
    found = zxingcpp.read_barcodes(
        gray, formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
    )
    return [str(code.text) for code in found if code.valid and code.text]


def _hocr_words(path: Path) -> list[ScanWord]:
    words = []
    for match in _HOCR_WORD.finditer(path.read_text(encoding="utf-8")):
        x0, y0, x1, y1, confidence = (int(v) for v in match.groups()[:5])
        text = html.unescape(match.group(6))
        words.append(ScanWord(text, (x0, y0, x1, y1), float(confidence)))
    return words


def read_scan(
    source: Path, workdir: Path, limits: ScanLimits, jobs: int = 2, require_qr: bool = False
) -> ScanReading:
    """Pages, QR codes and OCR words of the scan ``source`` (call in the limited child).

    With ``require_qr``, a scan without a verification QR code is refused before the OCR."""
    from PIL import Image

    from ocr.options import OcrOptions
    from ocr.pipeline import digitise

    started = time.monotonic()
    folder = workdir / "pages"
    folder.mkdir(parents=True, exist_ok=True)
    if _kind(source, limits) == "pdf":
        pages = _pdf_pages(source, folder, limits)
    else:
        target = folder / "page-0001.jpg"
        pages = [(target, _image_page(source, target, limits))]
    qr = [text for path, _dpi in pages for text in _qr_codes(path)]
    if require_qr and not any(verify_target(text, "") for text in qr):
        raise PrintScanError(
            "print_qr_not_found",
            "no verification QR code could be read on the scan; give the code printed on it",
        )
    hocr = workdir / "hocr"
    options = OcrOptions(
        jobs=max(1, min(jobs, len(pages))),
        hocr_dir=hocr,
        max_pages=limits.max_pages,
        max_page_pixels=limits.max_page_pixels,
        page_timeout=limits.timeout_seconds,
        title="print check",
    )
    result = digitise(folder, workdir / "ocr.pdf", options)
    read = []
    for (path, dpi), page in zip(pages, result.pages, strict=True):
        with Image.open(path) as picture:
            width, height = picture.size
        words = tuple(_hocr_words(hocr / f"page-{page.number:04d}.hocr"))
        scan = ScanPage(page.number, width, height, words, page.mean_confidence)
        read.append(ReadPage(scan, path, dpi))
    return ScanReading(tuple(read), tuple(qr), round(time.monotonic() - started, 3))


def _to_json(reading: ScanReading) -> dict[str, object]:
    return {
        "qr": list(reading.qr),
        "seconds": reading.seconds,
        "pages": [
            {
                "number": p.scan.number,
                "image": p.image.name,
                "width": p.scan.width,
                "height": p.scan.height,
                "dpi": p.dpi,
                "confidence": p.scan.confidence,
                "words": [[w.text, *w.box, w.confidence] for w in p.scan.words],
            }
            for p in reading.pages
        ],
    }


def _from_json(data: dict[str, object], workdir: Path) -> ScanReading:
    pages = []
    for item in data["pages"]:  # type: ignore[attr-defined]
        words = tuple(
            ScanWord(str(w[0]), (float(w[1]), float(w[2]), float(w[3]), float(w[4])), float(w[5]))
            for w in item["words"]
        )
        scan = ScanPage(
            int(item["number"]), int(item["width"]), int(item["height"]), words,
            float(item["confidence"]),
        )  # fmt: skip
        image = workdir / "pages" / Path(str(item["image"])).name
        pages.append(ReadPage(scan, image, int(item["dpi"])))
    return ScanReading(tuple(pages), tuple(str(q) for q in data["qr"]),  # type: ignore[attr-defined]
                       float(str(data["seconds"])))  # fmt: skip


def read_isolated(
    source: Path, workdir: Path, limits: ScanLimits, jobs: int = 2, require_qr: bool = False
) -> ScanReading:
    """``read_scan`` in a child process under ``limits``; its files stay in ``workdir``.

    The size and the first bytes are checked here first (no decoding): a file that is no
    scan at all costs no process."""
    _kind(source, limits)
    args = [
        sys.executable, "-m", "api.printcheck.reader", str(source), str(workdir),
        "--max-bytes", str(limits.max_bytes), "--max-pages", str(limits.max_pages),
        "--max-page-pixels", str(limits.max_page_pixels),
        "--timeout", str(limits.timeout_seconds), "--memory", str(limits.max_memory_bytes),
        "--pdf-dpi", str(limits.pdf_dpi), "--jobs", str(jobs),
        *(["--require-qr"] if require_qr else []),
    ]  # fmt: skip
    try:
        done = run(args, timeout=limits.timeout_seconds + 10, check=False)
    except ProgramError as exc:
        if exc.code == "program_timeout":
            seconds = f"{limits.timeout_seconds:g}"
            raise PrintScanError(
                "print_scan_resource_limit", f"reading the scan took over {seconds} s"
            ) from exc
        raise PrintReaderError("print_reader_failed", exc.message) from exc
    output = workdir / READING
    if not output.exists():
        if done.returncode < 0:  # killed: out of CPU time (SIGXCPU) or memory
            raise PrintScanError("print_scan_resource_limit", "the scan needs too many resources")
        tail = done.stderr.decode("utf-8", "replace").strip()[-300:]
        raise PrintReaderError("print_reader_failed", f"the scan reader stopped: {tail}")
    data = json.loads(output.read_text(encoding="utf-8"))
    if "error" in data:
        error = data["error"]
        code, message = str(error["code"]), str(error["message"])
        if error.get("kind") == "input":  # the scan itself: a print_ or an ocr_ input code
            raise PrintScanError(code, message)
        raise PrintReaderError(code, message)
    return _from_json(data, workdir)


def _limit_self(limits: ScanLimits) -> None:
    from verify.isolate import mapped_bytes

    budget = mapped_bytes() + limits.max_memory_bytes
    resource.setrlimit(resource.RLIMIT_AS, (budget, budget))
    cpu = int(limits.timeout_seconds) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="kyso: read a scan of a printed result")
    parser.add_argument("source", type=Path)
    parser.add_argument("workdir", type=Path)
    parser.add_argument("--max-bytes", type=int, default=ScanLimits.max_bytes)
    parser.add_argument("--max-pages", type=int, default=ScanLimits.max_pages)
    parser.add_argument("--max-page-pixels", type=int, default=ScanLimits.max_page_pixels)
    parser.add_argument("--timeout", type=float, default=ScanLimits.timeout_seconds)
    parser.add_argument("--memory", type=int, default=ScanLimits.max_memory_bytes)
    parser.add_argument("--pdf-dpi", type=int, default=ScanLimits.pdf_dpi)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--require-qr", action="store_true")
    args = parser.parse_args(argv)
    limits = ScanLimits(args.max_bytes, args.max_pages, args.max_page_pixels, args.timeout,
                        args.memory, args.pdf_dpi)  # fmt: skip
    # what the reading imports is loaded before the limits, so they bound the scan's cost only
    import numpy  # noqa: F401
    import PIL.Image  # noqa: F401
    import zxingcpp  # noqa: F401

    import ocr.pipeline  # noqa: F401

    _limit_self(limits)
    try:
        reading = read_scan(args.source, args.workdir, limits, args.jobs, args.require_qr)
        answer = _to_json(reading)
        status = ExitCode.OK
    except KysoError as exc:
        kind = "input" if isinstance(exc, InputError) else "service"
        answer = {"error": {"code": exc.code, "message": exc.message, "kind": kind}}
        status = ExitCode.ERROR
    except MemoryError:
        answer = {"error": {"code": "print_scan_resource_limit", "message": "out of memory"}}
        status = ExitCode.ERROR
    partial = args.workdir / (READING + ".part")
    partial.write_text(json.dumps(answer, ensure_ascii=False), encoding="utf-8")
    partial.replace(args.workdir / READING)
    return status


if __name__ == "__main__":
    raise SystemExit(main())
