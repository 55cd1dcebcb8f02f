"""Results as an agency issues them: kyso's own templates (``onestop.templates``, Decree
30/2020 layouts) filled with varied data, rendered as the result desk renders them.

Three kinds (a decision, a certificate, a reply letter) of one agency (a ward's people's
committee), so every result of a kind shares its template's boilerplate: the motto, the
agency, "Nơi nhận:", the signer's titles and headings, as when an agency issues all its results
from one template. Each is filled (``fill``) and laid out (``render``) exactly as
``ResultDesk.issue`` does; its signer block's box is where ``issue_result`` puts the
official's stamp. Every document is built from a seed, so the corpus has many different names,
numbers, dates and amounts rather than one page tuned on.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from common.clock import VN_TZ
from onestop.model import Dossier
from onestop.ports import Box
from onestop.status import DossierStatus
from onestop.templates.draft import DossierFacts, fill
from onestop.templates.layout import render
from onestop.templates.spec import template

FONTS = Path("/usr/share/fonts/truetype/liberation2")
KINDS = ("decision", "certificate", "letter")
#: the agency issuing every result of the corpus (its officials' agency)
AGENCY = "UBND Phường Tràng Tiền"
PLACE = "Hà Nội"

SURNAMES = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Phan", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ")
MIDDLE = ("Văn", "Thị", "Đức", "Minh", "Ngọc", "Thanh", "Quốc", "Hữu", "Thu", "Kim")
GIVEN = (
    "An", "Bình", "Cường", "Dũng", "Hùng", "Hoa", "Lan", "Mai", "Nam", "Phương", "Quân",
    "Sơn", "Thắng", "Tuấn", "Vân", "Yến", "Ánh", "Hằng", "Đạt", "Khoa", "Trang", "Hiếu",
)  # fmt: skip
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
    #: the signer block's box for the official's stamp (PDF points, origin bottom left)
    stamp_box: Box | None = None


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


def _rendered(
    name: str, rng: random.Random, citizen: str, typed: dict[str, str]
) -> tuple[bytes, Box, str]:
    """The template ``name`` filled for a dossier of AGENCY, numbered: (pdf, stamp box,
    notation as printed after "Số:")."""
    issued = _date(rng, 2025, 2026)
    moment = datetime(issued[2], issued[1], issued[0], 9, 30, tzinfo=VN_TZ)
    dossier = Dossier(
        code="HS" + "".join(rng.choice("0123456789") for _ in range(10)),
        service="Xác nhận thông tin",
        agency=AGENCY,
        owner="citizen1",
        status=DossierStatus("submitted"),
        submitted_at=moment - timedelta(days=rng.randint(2, 9)),
        promised_at=moment + timedelta(days=3),
        returned_at=None,
        submission_document="none",
        submission_indication="TOTAL_PASSED",
        result_document=None,
    )
    signer = " ".join(_name(rng))
    facts = DossierFacts(dossier, citizen, signer)
    draft = fill(template(name), facts, {"place": PLACE, **typed}, number=rng.randint(100, 899),
                 issued_at=moment)  # fmt: skip
    out = render(draft)
    return out.pdf, out.stamp_box, draft.notation.removeprefix("Số: ")


def _decision(rng: random.Random) -> tuple[str, dict[str, str], list[Field]]:
    surname, middle, given = _name(rng)
    born = _date(rng, 1950, 2000)
    asked = _date(rng, 2025, 2026)
    amount = _money(rng)
    support = rng.choice(SUPPORT)
    born_text = f"{born[0]:02d}/{born[1]:02d}/{born[2]}"
    street = rng.choice(STREETS)
    articles = (
        f"{support.capitalize()} cho ông (bà) {surname} {middle} {given}, sinh ngày {born_text}, "
        f"thường trú tại số {rng.randint(2, 180)} đường {street}, với số tiền {_dots(amount)} "
        f"đồng ({_millions_words(amount)}).\n"
        f"Kinh phí chi từ nguồn ngân sách phường năm {asked[2]}; Văn phòng Ủy ban nhân dân thực "
        f"hiện chi trả trong thời hạn {rng.randint(5, 15)} ngày làm việc.\n"
        "Quyết định này có hiệu lực kể từ ngày ký. Chánh Văn phòng và công dân có tên tại "
        "Điều 1 chịu trách nhiệm thi hành Quyết định này."
    )
    typed = {
        "subject": f"Về việc {support}",
        "grounds": "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015;\n"
        f"Xét đơn đề nghị ngày {asked[0]:02d} tháng {asked[1]:02d} năm {asked[2]} của công dân "
        "và đề nghị của Văn phòng Ủy ban nhân dân.",
        "articles": articles,
        "recipients": "Như Điều 3;\nLưu: VT.",
        "signer_authority": "TM. ỦY BAN NHÂN DÂN",
        "signer_title": "CHỦ TỊCH",
    }
    citizen = f"{surname} {middle} {given}"
    fields = [
        Field("amount", _dots(amount)),
        Field("date", born_text),
        Field("name", given),
    ]
    return citizen, typed, fields


def _certificate(rng: random.Random) -> tuple[str, dict[str, str], list[Field]]:
    surname, middle, given = _name(rng)
    born = _date(rng, 1955, 2004)
    since = _date(rng, 2005, 2020)
    born_text = f"{born[0]:02d}/{born[1]:02d}/{born[2]}"
    since_text = f"{since[0]:02d}/{since[1]:02d}/{since[2]}"
    fee = rng.randint(2, 9) * 10_000
    body = (
        f"Sinh ngày: {born_text}\n"
        f"Nơi thường trú: số {rng.randint(3, 250)} đường {rng.choice(STREETS)}, {PLACE}.\n"
        f"Đã đăng ký thường trú tại địa chỉ trên từ ngày {since_text} đến nay, chấp hành tốt "
        "chủ trương của Đảng, chính sách và pháp luật của Nhà nước.\n"
        f"Giấy chứng nhận có giá trị trong thời hạn {rng.randint(3, 12)} tháng kể từ ngày ký; "
        f"lệ phí đã thu {_dots(fee)} đồng."
    )
    typed = {
        "subject": "Về thông tin cư trú",
        "body": body,
        "recipients": "Công dân;\nLưu: VT.",
        "signer_authority": "TM. ỦY BAN NHÂN DÂN",
        "signer_title": "KT. CHỦ TỊCH",
    }
    citizen = f"{surname} {middle} {given}"
    fields = [
        Field("amount", _dots(fee)),
        Field("date", since_text),
        Field("name", given),
    ]
    return citizen, typed, fields


def _letter(rng: random.Random) -> tuple[str, dict[str, str], list[Field]]:
    topic = rng.choice(LETTER_TOPICS)
    surname, middle, given = _name(rng)
    asked = _date(rng, 2025, 2026)
    asked_text = f"{asked[0]:02d}/{asked[1]:02d}/{asked[2]}"
    fee = rng.randint(1, 9) * 5_000
    body = (
        f"Ủy ban nhân dân Phường Tràng Tiền nhận được đơn của ông (bà) ghi ngày {asked_text} "
        f"đề nghị {topic}.\n"
        "Sau khi xem xét, Ủy ban nhân dân trả lời như sau: hồ sơ của ông (bà) đã đủ điều kiện; "
        f"đề nghị ông (bà) đến Bộ phận một cửa trong thời hạn {rng.randint(3, 20)} ngày làm "
        "việc để nhận kết quả và nộp lệ phí theo quy định.\n"
        f"Lệ phí phải nộp là {_dots(fee)} đồng. Ủy ban nhân dân trả lời để ông (bà) được biết "
        "và thực hiện./."
    )
    typed = {
        "subject": topic,
        "addressee": f"Ông (bà) {surname} {middle} {given}",
        "body": body,
        "recipients": "Như trên;\nLưu: VT, VP.",
        "signer_authority": "TL. CHỦ TỊCH",
        "signer_title": "CHÁNH VĂN PHÒNG",
    }
    citizen = f"{surname} {middle} {given}"
    fields = [
        Field("amount", _dots(fee)),
        Field("date", asked_text),
        Field("name", given),
    ]
    return citizen, typed, fields


_BUILDERS = {"decision": _decision, "certificate": _certificate, "letter": _letter}


def typed_fields(kind: str, seed: int) -> tuple[dict[str, str], tuple[Field, ...]]:
    """What the official types for the result of ``kind`` built from ``seed`` (the template's
    fields, ``place`` included), and the values worth forging but its number (the register
    gives it when the result is issued through ``ResultDesk.issue``)."""
    _citizen, typed, fields = _BUILDERS[kind](random.Random(f"{kind}-{seed}"))
    return {"place": PLACE, **typed}, tuple(fields)


def make_document(kind: str, seed: int) -> ResultDocument:
    """The unsigned result of ``kind`` built from ``seed`` (same seed, same document)."""
    rng = random.Random(f"{kind}-{seed}")
    citizen, typed, fields = _BUILDERS[kind](rng)
    pdf, box, notation = _rendered(kind, rng, citizen, typed)
    return ResultDocument(kind, seed, pdf, (Field("number", notation), *fields), box)
