"""Inputs kyso must refuse or treat with care: signed PDFs, hostile files, pages with text."""

from __future__ import annotations

import struct
import subprocess
import sys
import time
import zlib
from pathlib import Path

import ocr_synthetic as synth
import pikepdf
import pytest
from ocr_helpers import make_signed_pdf, pdftotext
from PIL import Image
from typer.testing import CliRunner

from api.cli.app import app
from api.cli.exitcodes import ExitCode
from common.errors import InputError
from common.hashing import sha256_file
from ocr.errors import OcrError, SignedPdfError
from ocr.options import OcrOptions
from ocr.pipeline import digitise
from ocr.preprocess import estimate_skew, upside_down_score


@pytest.fixture(scope="module")
def clean_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("clean")
    page = synth.render_document(synth.LETTER_LINES, dpi=200)
    return synth.save(page, folder / "letter.png")


def test_signed_pdf_is_refused_and_left_byte_for_byte(tmp_path: Path, clean_page: Path) -> None:
    signed = make_signed_pdf(tmp_path / "signed.pdf", clean_page)
    before = signed.read_bytes()
    with pytest.raises(SignedPdfError) as caught:
        digitise(signed, tmp_path / "out.pdf", OcrOptions(jobs=1))
    assert caught.value.code == "ocr_signed_pdf"
    assert signed.read_bytes() == before
    assert not (tmp_path / "out.pdf").exists()


def test_cli_refuses_a_signed_pdf_with_exit_status_4(tmp_path: Path, clean_page: Path) -> None:
    signed = make_signed_pdf(tmp_path / "signed.pdf", clean_page)
    before = sha256_file(signed)
    kyso = Path(sys.executable).with_name("kyso")
    done = subprocess.run(
        [str(kyso), "ocr", str(signed), "-o", str(tmp_path / "o.pdf")], capture_output=True
    )
    assert done.returncode == ExitCode.ERROR == 4
    assert "[ocr_signed_pdf]" in done.stderr.decode()
    assert sha256_file(signed) == before
    result = CliRunner().invoke(app, ["ocr", str(signed), "-o", str(tmp_path / "o.pdf")])
    assert isinstance(result.exception, SignedPdfError)


@pytest.mark.slow
def test_signed_pdf_gets_a_separate_derivative_naming_the_original(
    tmp_path: Path, clean_page: Path
) -> None:
    signed = make_signed_pdf(tmp_path / "signed.pdf", clean_page)
    before = signed.read_bytes()
    out = tmp_path / "derivative.pdf"
    result = digitise(signed, out, OcrOptions(jobs=1, derivative_of_signed=True))
    assert signed.read_bytes() == before
    assert result.derivative and result.source_sha256 == sha256_file(signed)
    with pikepdf.open(out) as pdf:
        assert "/AcroForm" not in pdf.Root
        meta = pdf.open_metadata()
        assert meta["dc:source"] == f"sha256:{result.source_sha256}"
    assert "78/VTLTNN-NVTW" in pdftotext(out)


def test_zero_byte_file_is_refused(tmp_path: Path) -> None:
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    with pytest.raises(OcrError) as caught:
        digitise(empty, tmp_path / "o.pdf")
    assert caught.value.code == "ocr_empty_input"


def test_text_file_is_not_an_image(tmp_path: Path) -> None:
    note = tmp_path / "note.png"
    note.write_text("not an image at all\n")
    with pytest.raises(OcrError) as caught:
        digitise(note, tmp_path / "o.pdf")
    assert caught.value.code == "ocr_unsupported_input"


def test_truncated_image_gives_a_clear_error(tmp_path: Path, clean_page: Path) -> None:
    broken = tmp_path / "broken.png"
    broken.write_bytes(clean_page.read_bytes()[:2000])
    with pytest.raises(OcrError) as caught:
        digitise(broken, tmp_path / "o.pdf", OcrOptions(jobs=1))
    assert caught.value.code == "ocr_unreadable_image"


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims ``width`` x ``height`` pixels but holds almost no data."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def test_huge_image_is_refused_before_decoding(tmp_path: Path) -> None:
    huge = tmp_path / "huge.png"
    huge.write_bytes(_png_header_only(20_000, 20_000))
    started = time.monotonic()
    with pytest.raises(OcrError) as caught:
        digitise(huge, tmp_path / "o.pdf")
    assert caught.value.code == "ocr_image_too_large"
    assert time.monotonic() - started < 60  # refused from the header, not after decoding


def test_pdf_with_an_absurd_page_size_is_refused(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.pdf"
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(14_400, 14_400))  # 200 x 200 inches
    pdf.save(bomb)
    with pytest.raises(OcrError) as caught:
        digitise(bomb, tmp_path / "o.pdf")
    assert caught.value.code == "ocr_page_too_large"


def test_pdf_with_too_many_pages_is_refused(tmp_path: Path) -> None:
    many = tmp_path / "many.pdf"
    pdf = pikepdf.new()
    for _ in range(6):
        pdf.add_blank_page()
    pdf.save(many)
    with pytest.raises(OcrError) as caught:
        digitise(many, tmp_path / "o.pdf", OcrOptions(max_pages=5))
    assert caught.value.code == "ocr_too_many_pages"


def test_garbage_after_pdf_header_is_an_unreadable_pdf(tmp_path: Path) -> None:
    junk = tmp_path / "junk.pdf"
    junk.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 8)
    with pytest.raises(OcrError) as caught:
        digitise(junk, tmp_path / "o.pdf")
    assert caught.value.code in {"ocr_unreadable_pdf", "ocr_empty_input"}


def test_output_may_not_overwrite_the_input(clean_page: Path) -> None:
    with pytest.raises(OcrError) as caught:
        digitise(clean_page, clean_page)
    assert caught.value.code == "ocr_output_is_input"


@pytest.mark.slow
def test_image_pdf_gets_a_text_layer_and_keeps_its_image(tmp_path: Path, clean_page: Path) -> None:
    scanned = tmp_path / "scanned.pdf"
    with Image.open(clean_page) as image:
        image.convert("L").save(scanned, "PDF", resolution=200)
    out = tmp_path / "out.pdf"
    result = digitise(scanned, out, OcrOptions(jobs=1))
    assert synth.cer("\n".join(synth.LETTER_LINES), pdftotext(out)) <= 0.02
    assert not result.pages[0].skipped_text
    with pikepdf.open(scanned) as src, pikepdf.open(out) as dst:
        (original,) = src.pages[0].obj.Resources.XObject.values()
        (kept,) = (v for v in dst.pages[0].obj.Resources.XObject.values())
        assert kept.read_raw_bytes() == original.read_raw_bytes()


@pytest.mark.slow
def test_pages_that_already_have_text_are_kept_unless_forced(
    tmp_path: Path, clean_page: Path
) -> None:
    first = tmp_path / "first.pdf"
    digitise(clean_page, first, OcrOptions(jobs=1))
    again = digitise(first, tmp_path / "again.pdf", OcrOptions(jobs=1))
    assert again.pages[0].skipped_text
    assert "78/VTLTNN-NVTW" in again.pages[0].text
    forced = digitise(first, tmp_path / "forced.pdf", OcrOptions(jobs=1, force=True))
    assert not forced.pages[0].skipped_text and forced.pages[0].word_count > 50


@pytest.mark.slow
def test_multi_page_tiff_is_read_page_by_page(tmp_path: Path) -> None:
    pages = [
        synth.render_document(synth.LETTER_LINES, dpi=200).image,
        synth.blank_smudge(200).image,
    ]
    tiff = tmp_path / "dossier.tif"
    pages[0].save(tiff, save_all=True, append_images=pages[1:], dpi=(200, 200))
    result = digitise(tiff, tmp_path / "o.pdf", OcrOptions(jobs=2))
    assert [p.number for p in result.pages] == [1, 2]
    assert result.review_pages == (2,)
    assert result.metadata.document_type is not None
    assert result.metadata.document_type.value == "Công văn"


@pytest.mark.slow
def test_pdf_image_bomb_is_handled_in_bounded_memory(tmp_path: Path) -> None:
    """A 20,000 x 20,000 image compressed to 50 kB on an A4 page: rasterised, not decoded whole."""
    side = 20_000
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    image = pikepdf.Stream(
        pdf,
        zlib.compress(b"\xff" * (side // 8 * side), 9),
        Type=pikepdf.Name.XObject,
        Subtype=pikepdf.Name.Image,
        Width=side,
        Height=side,
        ColorSpace=pikepdf.Name.DeviceGray,
        BitsPerComponent=1,
        Filter=pikepdf.Name.FlateDecode,
    )
    page = pdf.pages[0].obj
    page.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=image))
    page.Contents = pikepdf.Stream(pdf, b"q 595 0 0 842 0 0 cm /Im0 Do Q")
    bomb = tmp_path / "bomb.pdf"
    pdf.save(bomb)
    result = digitise(bomb, tmp_path / "o.pdf", OcrOptions(jobs=1))
    (only,) = result.pages
    assert only.word_count == 0 and only.needs_review
    # rasterised at 300 dpi for an A4 page, never decoded at 20,000 px
    assert only.width_px == pytest.approx(2480, abs=2)
    assert only.height_px == pytest.approx(3508, abs=2)


def test_error_in_a_worker_process_keeps_its_code(tmp_path: Path, clean_page: Path) -> None:
    folder = tmp_path / "pages"
    folder.mkdir()
    (folder / "01.png").write_bytes(clean_page.read_bytes())
    (folder / "02.png").write_bytes(clean_page.read_bytes()[:3000])
    with pytest.raises(OcrError) as caught:
        digitise(folder, tmp_path / "o.pdf", OcrOptions(jobs=2))
    assert caught.value.code == "ocr_unreadable_image"
    assert not (tmp_path / "o.pdf").exists()


@pytest.mark.slow
def test_page_scanned_sideways_is_turned_by_90_degrees(tmp_path: Path, clean_page: Path) -> None:
    sideways = tmp_path / "sideways.png"
    with Image.open(clean_page) as image:
        image.transpose(Image.Transpose.ROTATE_90).save(sideways, dpi=(200, 200))
    out = tmp_path / "o.pdf"
    result = digitise(sideways, out, OcrOptions(jobs=1))
    assert result.pages[0].rotation == 90
    with pikepdf.open(out) as pdf:
        assert int(pdf.pages[0].obj.Rotate) == 90
    assert synth.cer("\n".join(synth.LETTER_LINES), pdftotext(out)) <= 0.02


@pytest.mark.slow
def test_archived_image_is_straightened_only_when_asked(tmp_path: Path) -> None:
    page = synth.upside_down(synth.skew(synth.render_document(synth.LETTER_LINES, dpi=200), 2.0))
    scan = synth.save(page, tmp_path / "scan.png")
    out = tmp_path / "o.pdf"
    result = digitise(scan, out, OcrOptions(jobs=1, straighten_archived=True))
    assert result.pages[0].rotation == 180
    with pikepdf.open(out) as pdf:
        assert int(pdf.pages[0].obj.get("/Rotate", 0)) == 0
        (image,) = pdf.pages[0].obj.Resources.XObject.values()
        archived = pikepdf.PdfImage(image).as_pil_image()
    assert estimate_skew(archived) == 0.0
    assert upside_down_score(archived) > 1.2
    assert synth.cer("\n".join(synth.LETTER_LINES), pdftotext(out)) <= 0.02


def test_a_truncated_pdf_that_poppler_cannot_draw_is_the_inputs_fault(tmp_path: Path) -> None:
    """A PDF cut short in transfer: qpdf (pikepdf) still reconstructs its page, pdftoppm then
    fails on it. That is an unreadable input (400 in the API), not a failing engine (503)."""
    whole = tmp_path / "whole.pdf"
    with pikepdf.new() as pdf:
        pdf.add_blank_page(page_size=(595, 842))
        pdf.pages[0].Contents = pdf.make_stream(b"0 0 m 100 100 l S\n" * 2000)
        pdf.save(whole, compress_streams=False)
    cut = tmp_path / "cut.pdf"
    cut.write_bytes(whole.read_bytes()[:3000])
    with pytest.raises(OcrError) as caught:
        digitise(cut, tmp_path / "o.pdf", OcrOptions(jobs=1))
    assert caught.value.code == "ocr_unreadable_pdf", caught.value
    assert isinstance(caught.value, InputError)
