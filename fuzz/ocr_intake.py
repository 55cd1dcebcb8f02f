"""Fuzz the OCR intake boundary: an uploaded file (PDF or image) planned and turned into pages.

``plan_input`` reads what the file is and how many pages it has; ``process_page`` loads each
page (decodes the image, finds the scan inside a PDF page or rasterises it with pdftoppm),
cleans it up and writes the one-page PDF with its text layer. The documented outcome is a
plan and pages, or a ``KysoError`` (``OcrError``: empty, unreadable, too large ...). The
recognition engine is a stub (Tesseract is not kyso's code and would cost a second a page);
the external programs that kyso runs on the file itself (pdftoppm, pdftotext) are real.

    python fuzz/ocr_intake.py --seconds 60
    python fuzz/ocr_intake.py var/fuzz/ocr_intake-crash-...   # replay one input
"""

from __future__ import annotations

import io
import shutil
import sys

import harness

#: pages of one input that go through the page step (the plan covers them all)
PAGES_PER_INPUT = 3


def main() -> None:
    # Pillow's format plugins are Python that reads headers: instrumenting them guides the
    # fuzzer through image structure for about 3% more time an input (measured on a corpus)
    args, extra = harness.parse(__doc__ or "", sys.argv[1:], libraries=("PIL",))
    with harness.instrumented(args):
        from common.errors import KysoError
        from ocr.engine import Orientation, Word
        from ocr.intake import plan_input
        from ocr.options import OcrOptions
        from ocr.page import PageTask, process_page
    import seeds  # after the block: kyso imported its libraries inside it (see --instrument)
    from PIL import Image

    class StubEngine:
        """One word over the whole image: enough for the text layer and hOCR to be written."""

        def recognize(self, image: bytes, *, languages: str, dpi: int) -> list[Word]:
            with Image.open(io.BytesIO(image)) as opened:
                width, height = opened.size
            box = (1, 1, max(width - 2, 1), max(height - 2, 1))
            return [Word("kyso", *box, confidence=91.0, line_key=(1, 1, 1))]

        def orientation(self, image: bytes, *, dpi: int) -> Orientation:
            return Orientation(0, 0.0)

    harness.quiet_logs()
    # one folder reused by every input (libFuzzer ends the process: no clean-up runs after it)
    scratch = args.workdir / "ocr_intake-scratch"
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    upload, out = scratch / "upload", scratch / "page.pdf"
    options = OcrOptions(
        jobs=1,
        max_pages=50,
        max_page_pixels=4_000_000,
        max_input_bytes=args.max_len,
        pdf_dpi=50,
        page_timeout=10.0,
        hocr_dir=scratch / "hocr",
    )
    engine = StubEngine()

    def test_one_input(data: bytes) -> None:
        upload.write_bytes(data)
        try:
            plan = plan_input(upload, options)
            for number, page in enumerate(plan.pages[:PAGES_PER_INPUT], 1):
                outcome = process_page(PageTask(page, number, out, options, engine))
                assert outcome.result.number == number
        except KysoError:
            return

    harness.fuzz("ocr_intake", args, extra, seeds.images, test_one_input)


if __name__ == "__main__":
    main()
