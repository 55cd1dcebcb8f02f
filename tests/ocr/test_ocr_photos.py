"""Phone photos and colour scans of stamped pages (issue 16), and every other corpus kind.

The photo and stamped pages are drawn from seeds the clean-up was not developed on (2000+).
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import cv2
import img2pdf
import numpy as np
import ocr_synthetic as synth
import pikepdf
import pytest
from ocr_helpers import pdftotext
from PIL import Image, ImageDraw, ImageFilter
from typer.testing import CliRunner

from api.cli.app import app
from ocr import cleanup
from ocr.options import OcrOptions
from ocr.outline import find_sheet
from ocr.pipeline import digitise
from ocr.results import OcrResult

#: (kind, seed) of each page of the corpus run, in order
CORPUS = (
    *((kind, 0) for kind in synth.DEGRADATIONS if kind not in synth.COLOUR_KINDS),
    ("photo", 2000),
    ("photo", 2001),
    ("photo", 2002),
    ("stamped", 2000),
    ("stamped", 2001),
)
#: the bilevel 200 dpi fax loses detail for good; every other kind reads within 1%
CER_BOUND = {kind: 0.01 for kind in synth.DEGRADATIONS} | {"fax": 0.03}
LANGUAGES = "vie"


def _lines(n: int) -> tuple[str, ...]:
    return synth.DECISION_LINES if n % 2 == 0 else synth.LETTER_LINES


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, OcrResult, list[str]]:
    folder = tmp_path_factory.mktemp("corpus")
    pages = folder / "pages"
    pages.mkdir()
    truths = []
    for n, (kind, seed) in enumerate(CORPUS):
        lines = _lines(n)
        page = synth.degraded(kind, synth.render_document(lines), seed)
        synth.save(page, pages / f"{n:02d}-{kind}{synth.suffix(page, kind)}")
        truths.append("\n".join(lines))
    out = folder / "corpus.pdf"
    result = digitise(pages, out, OcrOptions(jobs=2, languages=LANGUAGES))
    return out, result, truths


@pytest.mark.slow
@pytest.mark.parametrize("n", range(len(CORPUS)), ids=[f"{k}-{s}" for k, s in CORPUS])
def test_every_corpus_page_has_a_text_layer_within_its_cer_bound(
    corpus: tuple[Path, OcrResult, list[str]], n: int
) -> None:
    out, result, truths = corpus
    text = pdftotext(out, n + 1)
    assert len(synth.normalise(text)) > 0.9 * len(synth.normalise(truths[n])), text
    assert synth.cer(truths[n], text) <= CER_BOUND[CORPUS[n][0]], text
    assert not result.pages[n].needs_review


@pytest.mark.slow
def test_colour_pages_stay_colour_and_their_jpeg_is_kept(
    corpus: tuple[Path, OcrResult, list[str]],
) -> None:
    out, result, _ = corpus
    folder = out.parent / "pages"
    with pikepdf.open(out) as pdf:
        for n, (kind, _) in enumerate(CORPUS):
            if kind not in synth.COLOUR_KINDS:
                continue
            (scan,) = sorted(folder.glob(f"{n:02d}-*"))
            (image,) = pdf.pages[n].obj.Resources.XObject.values()
            assert image.ColorSpace == "/DeviceRGB"
            assert result.pages[n].colour == "color"
            if scan.suffix == ".jpg":
                assert image.Filter == "/DCTDecode"
                assert image.read_raw_bytes() == scan.read_bytes()
            else:
                assert image.Filter == "/FlateDecode"
                with Image.open(scan) as original:
                    assert pikepdf.PdfImage(image).as_pil_image().tobytes() == original.tobytes()


def _word_boxes(pdf: Path) -> list[tuple[str, float, float, float, float]]:
    done = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, check=True)
    pattern = r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]+)</word>'
    return [
        (word, float(x0), float(y0), float(x1), float(y1))
        for x0, y0, x1, y1, word in re.findall(pattern, done.stdout.decode())
    ]


@pytest.mark.slow
def test_text_layer_lies_on_the_words_of_a_photo_seen_in_perspective(tmp_path: Path) -> None:
    sheet = synth.a4_sheet(synth.DECISION_LINES)
    seed = next(s for s in range(2000, 2100) if synth.degraded("photo", _page(), s).corners)
    photo = synth.degraded("photo", _page(), seed)
    assert photo.corners is not None
    scan = synth.save(photo, tmp_path / "photo.jpg")
    out = tmp_path / "out.pdf"
    digitise(scan, out, OcrOptions(jobs=1, languages=LANGUAGES))
    # where the words are on the flat sheet (read from the sheet itself), carried into the photo
    flat = tmp_path / "sheet.pdf"
    sheet.save(tmp_path / "sheet.png", dpi=(300, 300))
    digitise(tmp_path / "sheet.png", flat, OcrOptions(jobs=1, languages=LANGUAGES))
    w, h = sheet.size
    to_photo = cv2.getPerspectiveTransform(
        np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32),
        np.array(photo.corners, np.float32),
    )
    to_points = 72 / photo.dpi
    expected = {word: box for word, *box in _word_boxes(flat) if word in {"ĐỊNH", "45.500.000"}}
    found = {word: box for word, *box in _word_boxes(out)}
    assert set(expected) <= set(found), found
    for word, (x0, y0, x1, y1) in expected.items():
        centre = np.array([[[(x0 + x1) / 2 * 300 / 72, (y0 + y1) / 2 * 300 / 72]]], np.float32)
        ex, ey = cv2.perspectiveTransform(centre, to_photo)[0, 0] * to_points
        fx0, fy0, fx1, fy1 = found[word]
        assert (fx0 + fx1) / 2 == pytest.approx(ex, abs=4), word
        assert (fy0 + fy1) / 2 == pytest.approx(ey, abs=4), word


def _page() -> synth.SyntheticPage:
    return synth.render_document(synth.DECISION_LINES)


def test_sheet_outline_is_found_where_the_desk_shows_and_only_there() -> None:
    seen = 0
    for seed in range(2000, 2010):
        photo = synth.degraded("photo", _page(), seed)
        sheet = find_sheet(np.asarray(photo.image))
        if photo.corners is None:
            assert sheet is None, seed
            continue
        seen += 1
        assert sheet is not None, seed
        diagonal = float(np.hypot(*photo.image.size))
        assert np.abs(sheet.corners - np.array(photo.corners)).max() < 0.01 * diagonal, seed
    assert 0 < seen < 10  # both cases were drawn


def test_flattening_evens_the_light_and_keeps_the_ink() -> None:
    page = np.asarray(synth.render_document(synth.LETTER_LINES).image, dtype=np.float32)
    ys, xs = np.mgrid[0 : page.shape[0], 0 : page.shape[1]]
    light = 1.0 - 0.55 * xs / page.shape[1] - 0.25 * (ys / page.shape[0]) ** 2
    lit = np.uint8(page * light)
    assert cleanup.measure(lit, 300).evenness < 0.6
    flat = cleanup.flatten(lit, 300)
    assert cleanup.measure(flat, 300).evenness > 0.97
    ink = page < 100
    assert np.median(flat[ink]) < 90 and np.median(flat[~ink]) > 245


def test_red_seal_turns_to_paper_and_the_black_text_under_it_stays() -> None:
    image = Image.new("RGB", (400, 200), (250, 248, 240))
    draw = ImageDraw.Draw(image)
    draw.rectangle((50, 80, 350, 100), fill=(20, 20, 25))  # a black stroke of text
    seal = Image.new("L", image.size, 0)
    ImageDraw.Draw(seal).ellipse((100, 20, 280, 180), outline=255, width=14)
    red = Image.new("RGB", image.size, (200, 30, 35))
    stamped = np.asarray(image, dtype=np.float32) * (
        1 - np.asarray(seal, dtype=np.float32)[..., None] / 255 * (1 - np.asarray(red) / 255)
    )
    rgb = np.asarray(
        Image.fromarray(np.uint8(stamped)).filter(ImageFilter.GaussianBlur(1)), dtype=np.uint8
    )
    gray = cleanup.seal_safe_gray(rgb)
    plain = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    ring, text_under_ring = (27, 190), (90, 107)  # (row, column)
    assert plain[ring] < 120 and gray[ring] > 230
    assert gray[text_under_ring] < 60
    assert gray[90, 200] < 60  # text clear of the seal


@pytest.mark.slow
def test_page_printed_in_red_keeps_the_plain_reading(tmp_path: Path) -> None:
    """The seal-safe grey erases red print; the plain grey page then reads better and wins."""
    ink = np.asarray(synth.a4_sheet(synth.LETTER_LINES), dtype=np.float32)[..., None] / 255
    paper, red_ink = np.array([245, 243, 238]), np.array([170, 20, 25])
    page = Image.fromarray(np.uint8(red_ink + (paper - red_ink) * ink))
    scan = tmp_path / "red.png"
    page.save(scan, dpi=(300, 300))
    result = digitise(scan, tmp_path / "out.pdf", OcrOptions(jobs=1, languages=LANGUAGES))
    text = pdftotext(tmp_path / "out.pdf")
    assert synth.cer("\n".join(synth.LETTER_LINES), text) <= 0.01, text
    assert result.pages[0].word_count > 50


@pytest.mark.slow
def test_capital_title_whose_marks_split_off_is_read_whole(tmp_path: Path) -> None:
    """On this photo Tesseract takes the marks of QUYẾT for a line of their own ("-~“")."""
    scan = synth.save(synth.degraded("photo", _page(), 0), tmp_path / "photo.jpg")
    digitise(scan, tmp_path / "out.pdf", OcrOptions(jobs=1, languages=LANGUAGES))
    text = pdftotext(tmp_path / "out.pdf").splitlines()
    lines = [" ".join(line.split()) for line in text if line.strip()]
    assert "QUYẾT ĐỊNH" in lines, lines
    # no line of junk marks between the header and the title
    assert lines[lines.index("QUYẾT ĐỊNH") - 1].startswith("Số: 123/QĐ-UBND"), lines


@pytest.mark.slow
def test_cli_reads_a_phone_photo_pdf_the_issue_came_with(tmp_path: Path) -> None:
    photo = synth.degraded("photo", _page(), 2003)
    jpeg = synth.save(photo, tmp_path / "photo.jpg")
    pdf = tmp_path / "photo.pdf"
    pdf.write_bytes(img2pdf.convert([str(jpeg)]))
    out = tmp_path / "out.pdf"
    result = CliRunner().invoke(app, ["ocr", str(pdf), "-o", str(out), "--lang", "vie"])
    assert result.exit_code == 0, result.output
    confidence = re.search(r"page 1: confidence (\d+)", result.output)
    assert confidence is not None and int(confidence.group(1)) > 85, result.output
    assert "needs review" not in result.output
    # the issue's page came out empty; it reads within the issue's 1 % per page
    assert synth.cer("\n".join(synth.DECISION_LINES), pdftotext(out)) <= 0.01


@pytest.mark.parametrize("size", [(1, 1), (3, 500), (500, 3)])
def test_tiny_colour_pages_pass_the_clean_up_untouched(
    tmp_path: Path, size: tuple[int, int]
) -> None:
    """OpenCV refuses to shrink an image to zero pixels; the clean-up never asks it to."""
    page = tmp_path / "tiny.png"
    Image.new("RGB", size, (200, 30, 30)).save(page, dpi=(300, 300))
    result = digitise(page, tmp_path / "out.pdf", OcrOptions(jobs=1))
    assert result.pages[0].word_count == 0 and result.pages[0].needs_review
    assert (tmp_path / "out.pdf").stat().st_size > 0
    flat = cleanup.flatten(np.full((size[1], size[0], 3), 128, np.uint8), 300)
    assert flat.shape == (size[1], size[0], 3)


@pytest.mark.slow
def test_photo_archived_straightened_is_its_flat_sheet_in_colour(tmp_path: Path) -> None:
    seed = next(s for s in range(2000, 2100) if synth.degraded("photo", _page(), s).corners)
    photo = synth.degraded("photo", _page(), seed)
    scan = synth.save(photo, tmp_path / "photo.jpg")
    out = tmp_path / "out.pdf"
    options = OcrOptions(jobs=1, languages=LANGUAGES, straighten_archived=True)
    digitise(scan, out, options)
    sheet = find_sheet(np.asarray(photo.image))
    assert sheet is not None
    with pikepdf.open(out) as pdf:
        (image,) = pdf.pages[0].obj.Resources.XObject.values()
        archived = pikepdf.PdfImage(image).as_pil_image()
    assert archived.mode == "RGB"
    assert archived.width == pytest.approx(sheet.width, rel=0.02)
    assert archived.height == pytest.approx(sheet.height, rel=0.02)
    assert synth.cer("\n".join(synth.DECISION_LINES), pdftotext(out)) <= 0.01
