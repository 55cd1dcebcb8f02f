"""Results as an agency issues them: Decree 30/2020 layouts filled with varied data, as PDF.

Three kinds (a decision, a certificate, a reply letter), each drawn with fpdf2 in Liberation
Serif (metric-compatible with Times New Roman, Vietnamese glyphs) on A4, leaving the bottom
right free for the official's signature stamp that ``api.dossiers.issue_result`` adds. Every
document is built from a seed, so the corpus has many different names, numbers, dates and
amounts rather than one page tuned on.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path

from fpdf import FPDF

FONTS = Path("/usr/share/fonts/truetype/liberation2")
KINDS = ("decision", "certificate", "letter")

SURNAMES = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Phan", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ")
MIDDLE = ("Văn", "Thị", "Đức", "Minh", "Ngọc", "Thanh", "Quốc", "Hữu", "Thu", "Kim")
GIVEN = (
    "An", "Bình", "Cường", "Dũng", "Hùng", "Hoa", "Lan", "Mai", "Nam", "Phương", "Quân",
    "Sơn", "Thắng", "Tuấn", "Vân", "Yến", "Ánh", "Hằng", "Đạt", "Khoa", "Trang", "Hiếu",
)  # fmt: skip
WARDS = (
    ("PHƯỜNG TRÀNG TIỀN", "Hà Nội"),
    ("PHƯỜNG BẾN NGHÉ", "Thành phố Hồ Chí Minh"),
    ("XÃ HÒA TIẾN", "Đà Nẵng"),
    ("PHƯỜNG VĨNH NINH", "Huế"),
    ("XÃ TÂN PHÚ", "Cần Thơ"),
)
STREETS = ("Lý Thường Kiệt", "Trần Hưng Đạo", "Lê Lợi", "Hai Bà Trưng", "Nguyễn Huệ")
SUPPORT = ("hỗ trợ sửa chữa nhà ở", "hỗ trợ học phí", "trợ cấp xã hội hằng tháng")
LETTER_TOPICS = (
    "việc cấp bản sao trích lục hộ tịch",
    "việc xác nhận thông tin cư trú",
    "kiến nghị về sửa chữa đường giao thông",
)
UNITS = ("", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")


@dataclass(frozen=True)
class Field:
    """A value printed on the page that a forger would change, with its kind."""

    kind: str  # number, amount, date, name
    text: str


@dataclass(frozen=True)
class ResultDocument:
    kind: str
    seed: int
    pdf: bytes
    #: the words worth forging, as printed (a text-layer word, less trailing punctuation)
    fields: tuple[Field, ...] = field(default=())


def _name(rng: random.Random) -> tuple[str, str, str]:
    return rng.choice(SURNAMES), rng.choice(MIDDLE), rng.choice(GIVEN)


def _date(rng: random.Random, start: int, end: int) -> tuple[int, int, int]:
    return rng.randint(10, 28), rng.randint(1, 12), rng.randint(start, end)


def _money(rng: random.Random) -> int:
    return rng.randint(12, 95) * 500_000


def _dots(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def _millions_words(value: int) -> str:
    """The amount in words for the round millions used here (e.g. "Mười lăm triệu đồng")."""
    millions, rest = divmod(value, 1_000_000)
    tens, units = divmod(millions, 10)
    words = ["mười" if tens == 1 else f"{UNITS[tens]} mươi"] if tens else []
    if units:
        unit = UNITS[units]
        if units == 5 and tens:
            unit = "lăm"
        elif units == 1 and tens > 1:
            unit = "mốt"
        words.append(unit)
    text = " ".join(words) + " triệu"
    if rest:
        text += " năm trăm nghìn"
    return text[0].upper() + text[1:] + " đồng"


class _Page(FPDF):
    def __init__(self) -> None:
        # A4 in whole points (fpdf2 still writes them as reals: 595.00, 842.00)
        super().__init__(format=(595, 842), unit="pt")
        for style, name in (("", "Regular"), ("B", "Bold"), ("I", "Italic"), ("BI", "BoldItalic")):
            self.add_font("Serif", style, str(FONTS / f"LiberationSerif-{name}.ttf"))
        self.set_margins(57, 40, 42)
        self.set_auto_page_break(False)
        self.add_page()

    def header_block(
        self, ward: str, city: str, notation: str, issued: tuple[int, int, int]
    ) -> None:
        left_w, right_x = 210.0, 250.0
        self.set_font("Serif", "B", 12)
        self.set_xy(57, 45)
        self.cell(left_w, 15, "ỦY BAN NHÂN DÂN", align="C")
        self.set_xy(right_x, 45)
        self.cell(300, 15, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", align="C")
        self.set_xy(57, 60)
        self.cell(left_w, 15, ward, align="C")
        self.set_font("Serif", "B", 13)
        self.set_xy(right_x, 60)
        self.cell(300, 15, "Độc lập - Tự do - Hạnh phúc", align="C")
        self.line(120, 78, 205, 78)
        self.line(330, 78, 470, 78)
        self.set_font("Serif", "", 13)
        self.set_xy(57, 92)
        self.cell(left_w, 16, f"Số: {notation}", align="C")
        self.set_font("Serif", "I", 13)
        self.set_xy(right_x, 92)
        day, month, year = issued
        self.cell(300, 16, f"{city}, ngày {day:02d} tháng {month:02d} năm {year}", align="C")

    def centred(self, y: float, lines: list[tuple[str, str, int]]) -> float:
        for text, style, size in lines:
            self.set_font("Serif", style, size)
            self.set_xy(57, y)
            self.cell(496, size + 4, text, align="C")
            y += size + 6
        return y + 6

    def paragraph(self, y: float, text: str, style: str = "", indent: float = 28) -> float:
        self.set_font("Serif", style, 13)
        self.set_xy(57 + indent, y)
        self.multi_cell(496 - indent, 17, text, align="L")
        return self.get_y() + 3

    def signer(self, office: str, title: str, name: str, receivers: list[str]) -> None:
        self.set_font("Serif", "BI", 12)
        self.set_xy(57, 560)
        self.cell(180, 14, "Nơi nhận:")
        self.set_font("Serif", "", 11)
        for n, receiver in enumerate(receivers):
            self.set_xy(57, 576 + 14 * n)
            self.cell(180, 13, f"- {receiver};" if n < len(receivers) - 1 else f"- {receiver}.")
        self.set_font("Serif", "B", 13)
        for n, text in enumerate((office, title)):
            self.set_xy(300, 560 + 17 * n)
            self.cell(253, 16, text, align="C")
        self.set_xy(300, 660)
        self.cell(253, 16, name, align="C")


def _decision(rng: random.Random) -> tuple[bytes, list[Field]]:
    ward, city = rng.choice(WARDS)
    number = rng.randint(100, 899)
    notation = f"{number}/QĐ-UBND"
    issued = _date(rng, 2025, 2026)
    surname, middle, given = _name(rng)
    born = _date(rng, 1950, 2000)
    amount = _money(rng)
    support = rng.choice(SUPPORT)
    chair = " ".join(_name(rng))
    page = _Page()
    page.header_block(ward, city, notation, issued)
    y = page.centred(130, [("QUYẾT ĐỊNH", "B", 14), (f"Về việc {support}", "B", 13)])
    y = page.centred(y, [(f"CHỦ TỊCH ỦY BAN NHÂN DÂN {ward}", "B", 13)])
    y = page.paragraph(
        y, "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015;", "I"
    )
    y = page.paragraph(
        y, f"Xét đơn đề nghị ngày {issued[0]:02d} tháng {issued[1]:02d} năm {issued[2]} "
        "của công dân và đề nghị của Văn phòng Ủy ban nhân dân.", "I",
    )  # fmt: skip
    y = page.centred(y + 4, [("QUYẾT ĐỊNH:", "B", 13)])
    born_text = f"{born[0]:02d}/{born[1]:02d}/{born[2]}"
    street = rng.choice(STREETS)
    y = page.paragraph(
        y, f"Điều 1. {support.capitalize()} cho ông (bà) {surname} {middle} {given}, sinh ngày "
        f"{born_text}, thường trú tại số {rng.randint(2, 180)} đường {street}, với số tiền "
        f"{_dots(amount)} đồng ({_millions_words(amount)}).",
    )  # fmt: skip
    y = page.paragraph(
        y, "Điều 2. Kinh phí chi từ nguồn ngân sách phường năm "
        f"{issued[2]}; Văn phòng Ủy ban nhân dân thực hiện chi trả trong thời hạn "
        f"{rng.randint(5, 15)} ngày làm việc.",
    )  # fmt: skip
    page.paragraph(
        y, "Điều 3. Quyết định này có hiệu lực kể từ ngày ký. Chánh Văn phòng và "
        "công dân có tên tại Điều 1 chịu trách nhiệm thi hành Quyết định này.",
    )  # fmt: skip
    page.signer("TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH", chair, ["Như Điều 3", "Lưu: VT"])
    fields = [
        Field("number", notation),
        Field("amount", _dots(amount)),
        Field("date", born_text),
        Field("name", given),
    ]
    return bytes(page.output()), fields


def _certificate(rng: random.Random) -> tuple[bytes, list[Field]]:
    ward, city = rng.choice(WARDS)
    notation = f"{rng.randint(10, 499)}/GXN-UBND"
    issued = _date(rng, 2025, 2026)
    surname, middle, given = _name(rng)
    born = _date(rng, 1955, 2004)
    since = _date(rng, 2005, 2020)
    house = rng.randint(3, 250)
    street = rng.choice(STREETS)
    page = _Page()
    page.header_block(ward, city, notation, issued)
    y = page.centred(130, [("GIẤY XÁC NHẬN", "B", 14), ("Về thông tin cư trú", "B", 13)])
    y = page.paragraph(y, f"Ủy ban nhân dân {ward.lower().title()} xác nhận:", "", 28)
    born_text = f"{born[0]:02d}/{born[1]:02d}/{born[2]}"
    y = page.paragraph(y, f"Ông (bà): {surname} {middle} {given}", "B")
    y = page.paragraph(y, f"Sinh ngày: {born_text}")
    y = page.paragraph(y, f"Nơi thường trú: số {house} đường {street}, {city}.")
    since_text = f"{since[0]:02d}/{since[1]:02d}/{since[2]}"
    y = page.paragraph(
        y, f"Đã đăng ký thường trú tại địa chỉ trên từ ngày {since_text} đến nay, chấp hành "
        "tốt chủ trương của Đảng, chính sách và pháp luật của Nhà nước.",
    )  # fmt: skip
    fee = rng.randint(2, 9) * 10_000
    page.paragraph(
        y, f"Giấy xác nhận có giá trị trong thời hạn {rng.randint(3, 12)} tháng kể từ ngày ký; "
        f"lệ phí đã thu {_dots(fee)} đồng.",
    )  # fmt: skip
    chair = " ".join(_name(rng))
    page.signer("TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", chair, ["Công dân", "Lưu: VT"])
    fields = [
        Field("number", notation),
        Field("amount", _dots(fee)),
        Field("date", since_text),
        Field("name", given),
    ]
    return bytes(page.output()), fields


def _letter(rng: random.Random) -> tuple[bytes, list[Field]]:
    ward, city = rng.choice(WARDS)
    notation = f"{rng.randint(100, 999)}/UBND-VP"
    issued = _date(rng, 2025, 2026)
    topic = rng.choice(LETTER_TOPICS)
    surname, middle, given = _name(rng)
    asked = _date(rng, 2025, 2026)
    page = _Page()
    page.header_block(ward, city, notation, issued)
    page.set_font("Serif", "", 12)
    page.set_xy(57, 112)
    page.multi_cell(210, 15, f"V/v {topic}", align="C")
    y = page.centred(160, [(f"Kính gửi: Ông (bà) {surname} {middle} {given}", "", 14)])
    asked_text = f"{asked[0]:02d}/{asked[1]:02d}/{asked[2]}"
    y = page.paragraph(
        y, f"Ủy ban nhân dân {ward.lower().title()} nhận được đơn của ông (bà) ghi ngày "
        f"{asked_text} đề nghị {topic}.",
    )  # fmt: skip
    days = rng.randint(3, 20)
    y = page.paragraph(
        y, "Sau khi xem xét, Ủy ban nhân dân trả lời như sau: hồ sơ của ông (bà) đã đủ điều "
        f"kiện; đề nghị ông (bà) đến Bộ phận một cửa trong thời hạn {days} ngày làm việc "
        "để nhận kết quả và nộp lệ phí theo quy định.",
    )  # fmt: skip
    fee = rng.randint(1, 9) * 5_000
    page.paragraph(
        y, f"Lệ phí phải nộp là {_dots(fee)} đồng. Ủy ban nhân dân trả lời để ông (bà) được "
        "biết và thực hiện./.",
    )  # fmt: skip
    chair = " ".join(_name(rng))
    page.signer("TL. CHỦ TỊCH", "CHÁNH VĂN PHÒNG", chair, ["Như trên", "Lưu: VT, VP"])
    fields = [
        Field("number", notation),
        Field("amount", _dots(fee)),
        Field("date", asked_text),
        Field("name", given),
    ]
    return bytes(page.output()), fields


def make_document(kind: str, seed: int) -> ResultDocument:
    """The unsigned result of ``kind`` built from ``seed`` (same seed, same document)."""
    rng = random.Random(f"{kind}-{seed}")
    build = {"decision": _decision, "certificate": _certificate, "letter": _letter}[kind]
    pdf, fields = build(rng)
    return ResultDocument(kind, seed, pdf, tuple(fields))
