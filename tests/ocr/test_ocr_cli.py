"""`kyso ocr` from the command line, and what happens to colour JPEG scans."""

from __future__ import annotations

from pathlib import Path

import ocr_synthetic as synth
import pikepdf
import pytest
from ocr_helpers import pdftotext
from PIL import Image, ImageDraw
from typer.testing import CliRunner

from api.cli.app import app
from ocr.options import OcrOptions
from ocr.pipeline import digitise

pytestmark = pytest.mark.slow


def test_cli_writes_pdf_sidecar_and_hocr_and_reports_pages(tmp_path: Path) -> None:
    page = synth.save(synth.render_document(synth.LETTER_LINES, dpi=200), tmp_path / "p.png")
    out, sidecar, hocr = tmp_path / "out.pdf", tmp_path / "out.txt", tmp_path / "hocr"
    args = ["ocr", str(page), "-o", str(out), "--jobs", "1", "--sidecar", str(sidecar)]
    result = CliRunner().invoke(app, [*args, "--hocr", str(hocr), "--lang", "vie"])
    assert result.exit_code == 0, result.output
    assert "page 1: confidence" in result.output
    assert "78/VTLTNN-NVTW" in result.output  # the suggested number and notation
    assert "Kính gửi" in sidecar.read_text(encoding="utf-8")
    assert (hocr / "page-0001.hocr").is_file()
    assert "Kính gửi" in pdftotext(out)


def test_colour_jpeg_scan_is_kept_byte_for_byte(tmp_path: Path) -> None:
    page = synth.render_document(synth.DECISION_LINES, dpi=200).image.convert("RGB")
    # a red seal, as on an issued decision
    ImageDraw.Draw(page).ellipse((650, 900, 850, 1100), outline=(200, 20, 20), width=8)
    scan = tmp_path / "scan.jpg"
    page.save(scan, "JPEG", quality=85, dpi=(200, 200))
    out = tmp_path / "out.pdf"
    result = digitise(scan, out, OcrOptions(jobs=1))
    assert result.pages[0].colour == "color"
    assert "not_colour" not in result.pages[0].digitisation_issues
    with pikepdf.open(out) as pdf:
        (image,) = pdf.pages[0].obj.Resources.XObject.values()
        assert image.Filter == "/DCTDecode"
        assert image.read_raw_bytes() == scan.read_bytes()
    with Image.open(scan) as original:
        assert original.size == (image.Width, image.Height)
