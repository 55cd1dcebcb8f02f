"""The small parts: geometry, text layer placement, metadata rules, engine output parsing."""

from __future__ import annotations

import subprocess
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from ocr.engine import Orientation, Word, parse_tsv
from ocr.geometry import Affine, Homography, matrix3, straighten, turn_clockwise
from ocr.metadata import suggest_metadata
from ocr.options import OcrOptions
from ocr.pipeline import digitise
from ocr.preprocess import estimate_skew, prepare, remove_rules, upside_down_score
from ocr.reading import Reading, better


def test_straighten_map_sends_engine_pixels_back_to_the_upright_image() -> None:
    image = Image.new("L", (400, 300), 255)
    ImageDraw.Draw(image).rectangle((300, 50, 305, 55), fill=0)
    d_to_u, w, h = straighten(400, 300, 3.0, 1.5)
    engine_image = image.transform(
        (w, h), Image.Transform.AFFINE, d_to_u.coefficients(), fillcolor=255
    )
    ys, xs = np.nonzero(np.asarray(engine_image) < 128)
    x, y = d_to_u(float(xs.mean()), float(ys.mean()))
    assert x == pytest.approx(303, abs=1.5) and y == pytest.approx(53, abs=1.5)


@pytest.mark.parametrize("degrees", [90, 180, 270])
def test_turning_map_matches_pillow(degrees: int) -> None:
    image = Image.new("L", (40, 20), 255)
    image.putpixel((5, 3), 0)
    turns = {90: Image.Transpose.ROTATE_270, 180: Image.Transpose.ROTATE_180}
    turned = image.transpose(turns.get(degrees, Image.Transpose.ROTATE_90))
    ys, xs = np.nonzero(np.asarray(turned) == 0)
    x, y = turn_clockwise(degrees, 40, 20)(5.5, 3.5)
    assert (int(x), int(y)) == (int(xs[0]), int(ys[0]))


def test_skew_estimate_undoes_a_known_rotation() -> None:
    image = Image.new("L", (900, 900), 255)
    draw = ImageDraw.Draw(image)
    for y in range(100, 800, 40):
        draw.rectangle((80, y, 820, y + 12), fill=0)
    assert estimate_skew(image.rotate(2.0, expand=True, fillcolor=255)) == pytest.approx(
        -2.0, abs=0.2
    )


def test_table_rules_are_removed_but_short_strokes_stay() -> None:
    image = Image.new("L", (600, 200), 255)
    draw = ImageDraw.Draw(image)
    draw.line((10, 100, 590, 100), fill=0, width=2)
    draw.rectangle((50, 20, 56, 60), fill=0)
    cleaned = np.asarray(remove_rules(image, 300))
    assert cleaned[100, 300] == 255 and cleaned[40, 53] == 0


def _photographed_rule_and_capitals() -> tuple[Image.Image, tuple[int, int, int, int]]:
    """A flattened photo's 300 dpi strip: ``456/TTr-STC`` in 13 pt, blurred, over a table rule
    that climbs two pixels and fades in stretches, as a phone photo's rules do.

    Returns the image and the box of the bars of ``TT``.
    """
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf", 54)
    image = Image.new("L", (1400, 260), 255)
    draw = ImageDraw.Draw(image)
    draw.text((100, 40), "456/TTr-STC", font=font, fill=0)
    x0 = 100 + round(draw.textlength("456/", font=font))
    x1 = 100 + round(draw.textlength("456/TT", font=font))
    _, top, _, _ = draw.textbbox((x0, 40), "TT", font=font)
    draw.line((60, 180, 1340, 182), fill=0, width=3)
    # faded stretches break it into pieces of 95 and 45 pixels (1/3 and 1/7 inch)
    for x in (*range(300, 1100, 190), *range(370, 1100, 190)):
        draw.rectangle((x, 175, x + 25, 188), fill=255)
        draw.line((x, 180, x + 25, 180), fill=215, width=3)
    blurred = image.filter(ImageFilter.GaussianBlur(1.6))
    return blurred, (x0, top, x1, top + 6)


def test_photo_rules_go_and_the_bars_of_neighbouring_capitals_stay() -> None:
    """On a flattened photo ``TT`` makes a run over a quarter inch (it was read ``1 1``)."""
    image, (x0, y0, x1, y1) = _photographed_rule_and_capitals()
    before = np.asarray(image)
    bars = before[y0:y1, x0:x1] < 128
    assert bars.mean(axis=1).max() > 0.8  # the bars join into one run
    cleaned, _, _ = prepare(image, 300, 0.0, True, flattened=True)
    after = np.asarray(cleaned)
    assert (after[y0:y1, x0:x1] < 128).sum() >= 0.9 * bars.sum()
    assert after[165:200, 40:1360].min() > 200  # the whole rule, every piece of it


def test_upside_down_score_tells_upright_vietnamese_from_turned() -> None:
    from ocr_synthetic import LETTER_LINES, render_document

    page = render_document(LETTER_LINES).image
    assert upside_down_score(page) > 1.2
    assert upside_down_score(page.rotate(180)) < 0.8


def test_tsv_words_are_nfc_and_grouped_by_line() -> None:
    decomposed = unicodedata.normalize("NFD", "Hạnh")
    tsv = (
        "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n"
        "5\t1\t1\t1\t1\t1\t10\t20\t30\t40\t91.5\tĐộc\n"
        f"5\t1\t1\t1\t1\t2\t50\t20\t30\t40\t88\t{decomposed}\n"
        "5\t1\t1\t1\t2\t1\t10\t80\t30\t40\t-1\t \n"
    )
    words = parse_tsv(tsv)
    assert [w.text for w in words] == ["Độc", "Hạnh"]
    assert unicodedata.is_normalized("NFC", words[1].text)
    assert words[0].line_key == words[1].line_key and words[0].confidence == 91.5


@dataclass(frozen=True)
class FixedEngine:
    """Finds the same two words on any page: places the text layer where we know it is."""

    def recognize(self, image: bytes, *, languages: str, dpi: int) -> list[Word]:
        return [
            Word("Quyết", 100, 200, 300, 50, 95.0, (1, 1, 1)),
            Word("định", 450, 200, 200, 50, 95.0, (1, 1, 1)),
        ]

    def orientation(self, image: bytes, *, dpi: int) -> Orientation:
        return Orientation(0, 0.0)

    def recognize_line(self, image: bytes, *, languages: str, dpi: int) -> list[Word]:
        return self.recognize(image, languages=languages, dpi=dpi)


def test_text_layer_words_sit_on_the_image_words(tmp_path: Path) -> None:
    page = tmp_path / "page.png"
    Image.new("L", (1000, 800), 255).save(page, dpi=(100, 100))
    out = tmp_path / "out.pdf"
    options = OcrOptions(jobs=1, deskew=False, clean=False, rotate_pages=False, default_dpi=100)
    # 100 dpi pages are scaled to 200 for the engine: the fixed boxes are in those pixels
    digitise(page, out, options, engine=FixedEngine())
    done = subprocess.run(["pdftotext", "-bbox", str(out), "-"], capture_output=True, check=True)
    html = done.stdout.decode()
    assert "Quyết" in html and "định" in html
    line = next(ln for ln in html.splitlines() if "Quyết" in ln)
    attrs = dict(part.split("=") for part in line.split(">")[0].split()[1:])
    x_min = float(attrs["xMin"].strip('"'))
    y_max = float(attrs["yMax"].strip('"'))
    # 100 px at 200 dpi = 36 pt from the left; the baseline 250 px = 90 pt from the top
    assert x_min == pytest.approx(36, abs=2)
    assert y_max == pytest.approx(90, abs=6)


def test_letter_metadata_is_read_from_a_cong_van() -> None:
    from ocr_synthetic import LETTER_LINES

    meta = suggest_metadata(["", "\n".join(LETTER_LINES)])
    assert meta.number_notation is not None
    assert (meta.number_notation.value, meta.number_notation.page) == ("78/VTLTNN-NVTW", 2)
    assert meta.issue_place is not None and meta.issue_place.value == "Đà Nẵng"
    assert meta.issue_date is not None and meta.issue_date.value == "2023-10-21"
    assert meta.document_type is not None and meta.document_type.value == "Công văn"
    assert meta.title is not None and meta.title.value == "hướng dẫn số hóa tài liệu lưu trữ"
    assert meta.issuing_body is not None and "CỤC VĂN THƯ" in meta.issuing_body.value


def test_notation_tells_the_document_type_of_a_to_trinh() -> None:
    meta = suggest_metadata(["Số: 12/TTr-UBND\nĐà Lạt, ngày 31 tháng 12 năm 2025"])
    assert meta.document_type is not None and meta.document_type.value == "Tờ trình"
    assert meta.issue_date is not None and meta.issue_date.value == "2025-12-31"


def test_impossible_dates_are_not_suggested() -> None:
    meta = suggest_metadata(["Huế, ngày 45 tháng 13 năm 2024"])
    assert meta.issue_date is None


def test_homography_maps_points_as_opencv_does_and_composes_with_affine_maps() -> None:
    import cv2

    src = np.array([[0, 0], [1000, 0], [1000, 1400], [0, 1400]], np.float32)
    dst = np.array([[40, 60], [980, 20], [1010, 1390], [10, 1350]], np.float32)
    matrix = cv2.getPerspectiveTransform(src, dst)
    h = Homography(matrix3([float(v) for v in matrix.ravel()]))
    point = np.array([[[321.0, 777.0]]], np.float32)
    expected = cv2.perspectiveTransform(point, matrix)[0, 0]
    assert h(321.0, 777.0) == pytest.approx((float(expected[0]), float(expected[1])), abs=1e-3)
    back = h.inverse()(*h(321.0, 777.0))
    assert back == pytest.approx((321.0, 777.0), abs=1e-6)
    shift = Affine(c=5.0, f=-3.0)
    composed = shift.then(h)
    assert isinstance(composed, Homography)
    assert composed(10.0, 20.0) == pytest.approx(h(15.0, 17.0), abs=1e-9)
    assert h.then(shift)(10.0, 20.0) == pytest.approx(shift(*h(10.0, 20.0)), abs=1e-9)


def _reading(confidence: float, words: int) -> Reading:
    found = [Word("chữ", 10 * i, 0, 8, 10, confidence, (1, 1, i // 10)) for i in range(words)]
    return Reading(found, Affine(), 0.0, 0)


def test_cleaned_reading_is_kept_unless_the_plain_page_clearly_reads_better() -> None:
    whole, corner = _reading(95.0, 120), _reading(96.5, 15)
    # a plain photo read only in its well-lit corner, however confidently: the cleaned one wins
    assert better(whole, corner) is whole
    # the clean-up lost text the plain page has (red print): the plain reading wins
    assert better(corner, whole) is whole
    # the same text, the plain page clearly more confident: the plain reading wins
    sharp = _reading(98.0, 118)
    assert better(_reading(90.0, 120), sharp) is sharp
    # within the engine's noise the cleaned reading is kept
    cleaned = _reading(95.0, 120)
    assert better(cleaned, _reading(96.0, 120)) is cleaned
