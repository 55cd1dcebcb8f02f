"""Each stamp is rasterised (pdftoppm) and read back (tesseract -l vie) or checked by pixels."""

from __future__ import annotations

import asyncio
import unicodedata
from io import BytesIO

import numpy as np
import pikepdf
import pytest
from PIL import Image

from common.clock import iso_vn
from signing.fonts import PDF_EM, default_fonts
from signing.options import Level, Placement, SignOptions, StampContent, StampKind, mask_cccd
from tests.conftest import ARTIFACTS
from tests.signing.checks import ocr, rasterise
from tests.signing.conftest import AGENCY, Kit, make_pdf

DPI = 200


def _sign_and_crop(
    kit: Kit, serial: str, stamp: StampContent, placement: Placement | None, name: str
):
    done = asyncio.run(
        kit.signer(serial).sign(
            make_pdf(1), SignOptions(level=Level.B_B, stamp=stamp, placement=placement)
        )
    )
    assert done.pdf is not None
    with pikepdf.open(BytesIO(done.pdf)) as doc:
        page = doc.pages[0]
        widget = next(a for a in page.Annots if a.get("/FT") == "/Sig")
        x1, y1, x2, y2 = (float(v) for v in widget.Rect)
        height = float(page.MediaBox[3])
    image = Image.open(BytesIO(rasterise(done.pdf, 1, DPI))).convert("RGB")
    scale = DPI / 72
    crop = image.crop((int(x1 * scale) - 4, int((height - y2) * scale) - 4,
                       int(x2 * scale) + 4, int((height - y1) * scale) + 4))  # fmt: skip
    ARTIFACTS.mkdir(exist_ok=True)
    crop.save(ARTIFACTS / f"stamp-{name}.png")
    return done, crop


def _text(crop: Image.Image) -> str:
    buffer = BytesIO()
    crop.resize((crop.width * 2, crop.height * 2)).save(buffer, "PNG")
    return unicodedata.normalize("NFC", ocr(buffer.getvalue()))


def _shows_time(text: str, iso: str) -> None:
    """The stamp's ISO 8601 time read back by OCR: the date and the time of day, each whole
    (Tesseract may read the "T" between them as "1" or "I": seen on 2026-12-05T02:24:49)."""
    day, clock = iso.split("T")
    squeezed = text.replace(" ", "")
    assert day in squeezed and clock in squeezed, (iso, text)
    assert squeezed.index(clock) - squeezed.index(day) <= len(day) + 1  # side by side


def _red_share(image: Image.Image) -> float:
    rgb = np.asarray(image.convert("RGB")).astype(int)
    red = (rgb[..., 0] > 150) & (rgb[..., 1] < 90) & (rgb[..., 2] < 90)
    return float(red.mean())


def test_official_stamp_shows_seal_agency_and_iso_time(kit: Kit) -> None:
    stamp = kit.stamp(kit.official, StampKind.OFFICIAL)
    done, crop = _sign_and_crop(
        kit, kit.official.serial, stamp, Placement(1, (300, 80, 570, 170)), "official"
    )
    text = _text(crop)
    assert "Nguyễn Thị Hồng Nhung" in text
    assert "Bến Nghé" in text
    _shows_time(text, iso_vn(done.signing_time))
    left_third = crop.crop((0, 0, crop.width // 3, crop.height))
    right = crop.crop((crop.width // 2, 0, crop.width, crop.height))
    assert _red_share(left_third) > 0.08  # the red seal covers the left third
    assert _red_share(right) < 0.01


def test_citizen_stamp_masks_the_cccd(kit: Kit) -> None:
    stamp = kit.stamp(kit.citizen, StampKind.CITIZEN)
    done, crop = _sign_and_crop(
        kit, kit.citizen.serial, stamp, Placement(1, (300, 80, 570, 150)), "citizen"
    )
    text = _text(crop)
    assert "Đặng Văn Hưởng" in text
    assert "001203004567" not in text.replace(" ", "")
    assert mask_cccd("001203004567")[-4:] == "4567" and "4567" in text
    _shows_time(text, iso_vn(done.signing_time))


def test_copy_stamp_sits_top_right_of_page_one_in_10pt_serif(kit: Kit) -> None:
    stamp = kit.stamp(kit.seal, StampKind.COPY)
    done, crop = _sign_and_crop(kit, kit.seal.serial, stamp, None, "copy")
    with pikepdf.open(BytesIO(done.pdf or b"")) as doc:
        widget = next(a for a in doc.pages[0].Annots if a.get("/FT") == "/Sig")
        _x1, _y1, x2, y2 = (float(v) for v in widget.Rect)
    assert x2 > 595 - 60 and y2 > 842 - 60  # top right corner of an A4 page
    text = _text(crop)
    assert AGENCY.split()[-2] in text and "Bến Nghé" in text
    _shows_time(text, iso_vn(done.signing_time))
    assert _red_share(crop) < 0.001  # no seal image on copies


def test_qr_code_is_drawn_on_the_right(kit: Kit) -> None:
    stamp = kit.stamp(kit.citizen, StampKind.CITIZEN, url="https://kyso.example.vn/v/7KQ2M9")
    _done, crop = _sign_and_crop(
        kit, kit.citizen.serial, stamp, Placement(1, (260, 80, 570, 170)), "citizen-qr"
    )
    square = crop.crop((crop.width - crop.height, 8, crop.width - 8, crop.height - 8)).convert("L")
    dark = float((np.asarray(square) < 80).mean())
    assert 0.25 < dark < 0.75  # QR modules: roughly half dark


def test_glyph_widths_are_in_thousandths_of_an_em_whatever_the_font_units(kit: Kit) -> None:
    """Liberation has 2048 units per em: unscaled widths would double the letter spacing."""
    stamp = kit.stamp(kit.citizen, StampKind.CITIZEN)
    done = asyncio.run(kit.signer(kit.citizen.serial).sign(make_pdf(), SignOptions(stamp=stamp)))
    widths = []
    with pikepdf.open(BytesIO(done.pdf or b"")) as doc:
        for obj in doc.objects:
            if isinstance(obj, pikepdf.Dictionary) and obj.get("/Subtype") == "/CIDFontType2":
                widths += [
                    float(w) for entry in obj.W if isinstance(entry, pikepdf.Array) for w in entry
                ]
    assert widths and max(widths) <= PDF_EM * 1.2
    assert default_fonts().sans.name.startswith("Liberation")


@pytest.mark.parametrize("kind", [StampKind.OFFICIAL, StampKind.COPY])
def test_official_and_copy_stamps_need_an_agency(kind: StampKind) -> None:
    from signing.errors import SigningInputError

    with pytest.raises(SigningInputError):
        StampContent(kind, "Nguyễn Văn A")
