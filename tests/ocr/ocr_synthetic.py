"""Synthetic Vietnamese administrative pages with known text, degraded like real scans.

Used by the tests and by bench/ocr.py. Pages are small A5-ish portraits so the suite stays fast.
"""

from __future__ import annotations

import functools
import io
import random
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from ocr_photos import Shot, photograph, stamped_scan
from PIL import Image, ImageDraw, ImageFilter, ImageFont, ImageOps

FONT_PATH = Path("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf")
BOLD_PATH = Path("/usr/share/fonts/truetype/dejavu/DejaVuSerif-Bold.ttf")

#: the text lines of the generated decision, top to bottom, as they must be read back
DECISION_LINES: tuple[str, ...] = (
    "ỦY BAN NHÂN DÂN CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "THÀNH PHỐ HÀ NỘI Độc lập - Tự do - Hạnh phúc",
    "Số: 123/QĐ-UBND Hà Nội, ngày 05 tháng 3 năm 2024",
    "QUYẾT ĐỊNH",
    "Về việc phê duyệt danh sách hộ được hỗ trợ kinh phí",
    "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015;",
    "Xét đề nghị của Giám đốc Sở Tài chính tại Tờ trình số 456/TTr-STC.",
    "Điều 1. Phê duyệt danh sách gồm 3 hộ với tổng kinh phí 45.500.000 đồng.",
    "STT Họ và tên Ngày sinh Số tiền",
    "1 Nguyễn Văn Hùng 12/03/1985 15.000.000",
    "2 Trần Thị Ngọc Ánh 27/11/1990 17.500.000",
    "3 Lê Đức Thắng 08/07/1978 13.000.000",
    "Điều 2. Quyết định này có hiệu lực kể từ ngày ký.",
)

#: second page: a short official letter (công văn)
LETTER_LINES: tuple[str, ...] = (
    "BỘ NỘI VỤ CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "CỤC VĂN THƯ VÀ LƯU TRỮ Độc lập - Tự do - Hạnh phúc",
    "Số: 78/VTLTNN-NVTW Đà Nẵng, ngày 21 tháng 10 năm 2023",
    "V/v hướng dẫn số hóa tài liệu lưu trữ",
    "Kính gửi: Sở Nội vụ các tỉnh, thành phố trực thuộc Trung ương.",
    "Cục Văn thư và Lưu trữ nhà nước đề nghị các cơ quan thực hiện",
    "việc số hóa hồ sơ với độ phân giải tối thiểu 200 dpi, chế độ màu.",
    "Tài liệu được quét phải giữ nguyên trạng thái vật lý của bản gốc.",
    "Nơi nhận: Như trên; Lưu: VT, NVTW.",
)


@dataclass(frozen=True)
class SyntheticPage:
    image: Image.Image
    lines: tuple[str, ...]
    dpi: int
    #: the bytes a camera or scanner wrote, when it wrote a JPEG
    jpeg: bytes | None = None
    #: a photo's sheet corners in ``image`` when the desk shows around the sheet
    corners: tuple[tuple[float, float], ...] | None = None

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def _font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(BOLD_PATH if bold else FONT_PATH), size)


def render_document(lines: tuple[str, ...], dpi: int = 300) -> SyntheticPage:
    """Render the two-column header, centred title, body and a ruled table at ``dpi``."""
    scale = dpi / 300
    width, height = int(1500 * scale), int(1750 * scale)
    img = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(img)
    small, body = _font(int(30 * scale)), _font(int(36 * scale))
    bold_small, bold_big = _font(int(30 * scale), True), _font(int(44 * scale), True)
    margin = int(90 * scale)
    y = int(110 * scale)
    header_left_w = int(560 * scale)
    for line in lines[:3]:
        if line.startswith("Số:"):
            left, _, right = line.partition(" ")
            number, _, place = right.partition(" ")
            left = f"{left} {number}"
            right = place
        else:
            split = line.find("CỘNG") if "CỘNG" in line else line.find("Độc")
            left, right = line[:split].strip(), line[split:].strip()
        draw.text((margin, y), left, font=bold_small, fill=0)
        draw.text((margin + header_left_w + int(40 * scale), y), right, font=bold_small, fill=0)
        y += int(62 * scale)
    y += int(40 * scale)
    table = [ln for ln in lines[3:] if ln[:1].isdigit() or ln.startswith("STT")]
    for line in lines[3:]:
        if line in table:
            if line is table[0]:
                y = _draw_table(draw, table, margin, y, scale, body)
            continue
        font = bold_big if line.isupper() else body
        text_w = draw.textlength(line, font=font)
        x = (width - text_w) / 2 if line.isupper() or line.startswith("Về") else margin
        draw.text((x, y), line, font=font, fill=0)
        y += int(66 * scale)
    _ = small
    return SyntheticPage(img, lines, dpi)


def _draw_table(
    draw: ImageDraw.ImageDraw,
    rows: list[str],
    x0: int,
    y: int,
    scale: float,
    font: ImageFont.FreeTypeFont,
) -> int:
    cols = [x0, x0 + int(110 * scale), x0 + int(640 * scale), x0 + int(960 * scale)]
    right = x0 + int(1320 * scale)
    row_h = int(64 * scale)
    top = y
    for row in rows:
        cells = _split_row(row)
        for x, cell in zip(cols, cells, strict=True):
            draw.text((x + int(12 * scale), y + int(12 * scale)), cell, font=font, fill=0)
        y += row_h
    for i in range(len(rows) + 1):
        draw.line([(x0, top + i * row_h), (right, top + i * row_h)], fill=0, width=2)
    for x in [*cols, right]:
        draw.line([(x, top), (x, y)], fill=0, width=2)
    return y + int(40 * scale)


def _split_row(row: str) -> list[str]:
    if row.startswith("STT"):
        return ["STT", "Họ và tên", "Ngày sinh", "Số tiền"]
    words = row.split()
    return [words[0], " ".join(words[1:-2]), words[-2], words[-1]]


# degradations ---------------------------------------------------------------------------


def skew(page: SyntheticPage, degrees: float) -> SyntheticPage:
    img = page.image.rotate(degrees, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
    return SyntheticPage(img, page.lines, page.dpi)


def noise(page: SyntheticPage, amount: float = 0.02, seed: int = 7) -> SyntheticPage:
    """Salt-and-pepper specks plus a grey stain, as on an old photocopy."""
    rng = random.Random(seed)
    img = page.image.copy()
    px = img.load()
    assert px is not None
    w, h = img.size
    for _ in range(int(w * h * amount / 10)):
        x, y = rng.randrange(w), rng.randrange(h)
        px[x, y] = 0 if rng.random() < 0.5 else 255
    stain = Image.new("L", img.size, 255)
    ImageDraw.Draw(stain).ellipse((w // 2, h // 2, w // 2 + w // 3, h // 2 + h // 5), fill=215)
    stain = stain.filter(ImageFilter.GaussianBlur(25))
    img = Image.composite(img, stain, img.point(lambda v: 255 if v < 128 else 0))
    return SyntheticPage(img, page.lines, page.dpi)


def jpeg_artefacts(page: SyntheticPage, quality: int = 25) -> SyntheticPage:
    buf = io.BytesIO()
    page.image.convert("RGB").save(buf, "JPEG", quality=quality)
    return SyntheticPage(Image.open(io.BytesIO(buf.getvalue())), page.lines, page.dpi)


def fax(page: SyntheticPage) -> SyntheticPage:
    """200 dpi, binarised: what a fax machine or a cheap bilevel scanner gives."""
    w, h = page.image.size
    factor = 200 / page.dpi
    small = page.image.resize((int(w * factor), int(h * factor)), Image.Resampling.LANCZOS)
    return SyntheticPage(small.point(lambda v: 255 if v > 150 else 0).convert("1"), page.lines, 200)


def upside_down(page: SyntheticPage) -> SyntheticPage:
    return SyntheticPage(page.image.rotate(180), page.lines, page.dpi)


def blank_smudge(dpi: int = 300) -> SyntheticPage:
    """A nearly unreadable page: faint, blurred scribbles. OCR must flag it for review."""
    rng = random.Random(3)
    img = Image.new("L", (int(1500 * dpi / 300), int(1750 * dpi / 300)), 235)
    draw = ImageDraw.Draw(img)
    for _ in range(60):
        x, y = rng.randrange(1400), rng.randrange(1650)
        draw.text((x, y), "ꟷ~≈", font=_font(40), fill=200)
    return SyntheticPage(img.filter(ImageFilter.GaussianBlur(4)), (), dpi)


def a4_sheet(lines: tuple[str, ...]) -> Image.Image:
    """The page as a full A4 sheet at 300 dpi, as the colour kinds photograph or scan it.

    The layout drawn 1.5 times larger and taken as 300 dpi of paper is 7.5 inches wide with
    13 pt body text (Decree 30/2020, Appendix I: 13-14 pt); blank paper around it makes it an
    A4 sheet (8.3 x 11.7 inches).
    """
    text = render_document(lines, dpi=450).image
    side, top = (2490 - text.width) // 2, 300
    return ImageOps.expand(text, (side, top, side, 3510 - text.height - top), fill=255)


DEGRADATIONS = ("clean", "skew", "noise", "jpeg", "fax", "upside_down", "photo", "stamped")
#: kinds whose every page is drawn at random (``seed``): light, cast, keystone, dpi, JPEG
COLOUR_KINDS = ("photo", "stamped")


def degraded(kind: str, page: SyntheticPage, seed: int = 0) -> SyntheticPage:
    """``page`` degraded as ``kind``; the colour kinds differ page by page with ``seed``."""
    if kind in COLOUR_KINDS:
        shot = _shot(kind, page.lines, seed)
        # each caller its own image: the JPEG decoded afresh (the same pixels) or a copy
        image = Image.open(io.BytesIO(shot.jpeg)) if shot.jpeg else shot.image.copy()
        return SyntheticPage(image, page.lines, shot.dpi, shot.jpeg, shot.corners)
    if kind == "clean":
        return page
    if kind == "skew":
        return skew(page, 2.5)
    if kind == "noise":
        return noise(skew(page, -1.5))
    if kind == "jpeg":
        return jpeg_artefacts(skew(page, 1.0))
    if kind == "fax":
        return fax(skew(page, -2.0))
    if kind == "upside_down":
        return upside_down(page)
    raise ValueError(kind)


@functools.lru_cache(maxsize=32)
def _shot(kind: str, lines: tuple[str, ...], seed: int) -> Shot:
    """A colour kind's picture, made once per process: a phone photo takes seconds to draw
    and the same seeds serve several tests."""
    return (photograph if kind == "photo" else stamped_scan)(a4_sheet(lines), 300, seed)


def suffix(page: SyntheticPage, kind: str) -> str:
    """The file type a page of ``kind`` comes in: JPEG from cameras and JPEG scanners."""
    return ".jpg" if kind == "jpeg" or page.jpeg is not None else ".png"


def save(page: SyntheticPage, path: Path) -> Path:
    if page.jpeg is not None and path.suffix.lower() in {".jpg", ".jpeg"}:
        path.write_bytes(page.jpeg)  # as the device wrote it, not encoded again
        return path
    fmt = "JPEG" if path.suffix.lower() in {".jpg", ".jpeg"} else None
    img = page.image.convert("RGB") if fmt == "JPEG" else page.image
    img.save(path, fmt, dpi=(page.dpi, page.dpi), **({"quality": 40} if fmt else {}))
    return path


# measuring ------------------------------------------------------------------------------


def normalise(text: str) -> str:
    """NFC, whitespace collapsed: CER counts characters, not layout."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def edit_distance(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def cer(expected: str, actual: str) -> float:
    ref, hyp = normalise(expected), normalise(actual)
    return edit_distance(ref, hyp) / max(1, len(ref))
