"""Archive-record suggestions read from the text (Circular 02/2019/TT-BNV document fields).

The layout of an administrative document is fixed by Decree 30/2020, Appendix I: issuing body
top-left, national motto top-right, ``Số: <number>/<notation>`` under the body, ``<place>, ngày
<d> tháng <m> năm <y>`` under the motto, then the document type and its summary line.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from ocr.results import MetadataSuggestions, Suggestion

_MOTTO = (
    re.compile(r"C[ỘO]NG\s+H[ÒO]A\s+X[ÃA]\s+H[ỘO]I\s+CH[ỦU]\s+NGH[ĨI]A\s+VI[ỆE]T\s+NAM", re.I),
    re.compile(r"Đ[ộo]c\s+l[ậa]p\s*[-–—]\s*T[ựu]\s+do\s*[-–—]\s*H[ạa]nh\s+ph[úu]c", re.I),
)
_NUMBER = re.compile(r"\bS[ốô]\s*[:;.]?\s*(\d{1,6}\s*/\s*[\wĐđ][\wĐđ./-]*)")
_PLACE_DATE = re.compile(
    r"(?:^|(?<=\s))((?:[A-ZĐÀ-Ỹ][\w]*\s+){0,3}[A-ZĐÀ-Ỹ][\w]*)\s*,\s*"
    r"ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})"
)
#: document types of Decree 30/2020 (Article 7) and common results, as printed in capitals
_TYPES = (
    "QUYẾT ĐỊNH",
    "NGHỊ QUYẾT",
    "CHỈ THỊ",
    "QUY CHẾ",
    "QUY ĐỊNH",
    "THÔNG BÁO",
    "HƯỚNG DẪN",
    "CHƯƠNG TRÌNH",
    "KẾ HOẠCH",
    "PHƯƠNG ÁN",
    "ĐỀ ÁN",
    "BÁO CÁO",
    "BIÊN BẢN",
    "TỜ TRÌNH",
    "HỢP ĐỒNG",
    "CÔNG ĐIỆN",
    "GIẤY CHỨNG NHẬN",
    "GIẤY ỦY QUYỀN",
    "GIẤY MỜI",
    "GIẤY GIỚI THIỆU",
    "GIẤY PHÉP",
    "GIẤY NGHỈ PHÉP",
    "PHIẾU GỬI",
    "PHIẾU CHUYỂN",
    "THƯ CÔNG",
    "CÔNG VĂN",
)
_NOTATION_TYPES = {
    "QĐ": "QUYẾT ĐỊNH",
    "NQ": "NGHỊ QUYẾT",
    "CT": "CHỈ THỊ",
    "TB": "THÔNG BÁO",
    "HD": "HƯỚNG DẪN",
    "KH": "KẾ HOẠCH",
    "BC": "BÁO CÁO",
    "BB": "BIÊN BẢN",
    "TTr": "TỜ TRÌNH",
    "HĐ": "HỢP ĐỒNG",
    "GP": "GIẤY PHÉP",
}


def _clean_line(line: str) -> str:
    line = unicodedata.normalize("NFC", line)
    for motto in _MOTTO:
        line = motto.sub(" ", line)
    return " ".join(line.split())


def _fold(text: str) -> str:
    """Without diacritics (Đ kept apart): a type title read as "QUYET ĐINH" still counts."""
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


_FOLDED_TYPES = {_fold(kind): kind for kind in _TYPES}


def _is_upper(line: str) -> bool:
    letters = [c for c in line if c.isalpha()]
    return len(letters) >= 3 and sum(c.isupper() for c in letters) / len(letters) > 0.8


def _title_case(text: str) -> str:
    return text[:1] + text[1:].lower() if text else text


def suggest_metadata(pages: Sequence[str]) -> MetadataSuggestions:
    """Suggestions from the text of each page (the first match wins, with its page number)."""
    found: dict[str, Suggestion] = {}
    for number, text in enumerate(pages, 1):
        lines = [clean for raw in text.splitlines() if (clean := _clean_line(raw))]
        _scan_page(lines, number, found)
        if len(found) == 6:
            break
    return MetadataSuggestions(**found)


def _scan_page(lines: list[str], page: int, found: dict[str, Suggestion]) -> None:
    header: list[str] = []
    type_index: int | None = None
    for i, line in enumerate(lines):
        number = _NUMBER.search(line)
        if number and "number_notation" not in found:
            found["number_notation"] = Suggestion(re.sub(r"\s+", "", number.group(1)), page)
            by_notation = _type_from_notation(found["number_notation"].value)
            if by_notation and "document_type" not in found:
                found["document_type"] = Suggestion(_title_case(by_notation), page)
        when = _PLACE_DATE.search(line)
        if when and "issue_date" not in found:
            day, month, year = (int(g) for g in when.group(2, 3, 4))
            if 1 <= day <= 31 and 1 <= month <= 12:
                found["issue_date"] = Suggestion(f"{year:04d}-{month:02d}-{day:02d}", page)
                found.setdefault("issue_place", Suggestion(when.group(1), page))
        bare = _NUMBER.sub(" ", line).strip()
        kind = _FOLDED_TYPES.get(_fold(bare))
        if kind and type_index is None:
            type_index = i
            found.setdefault("document_type", Suggestion(_title_case(kind), page))
        elif type_index is None and i < 8 and _is_upper(bare) and not number:
            header.append(bare)
        if line.startswith(("V/v", "V/V")) and "title" not in found:
            found.setdefault("document_type", Suggestion("Công văn", page))
            found["title"] = Suggestion(line[3:].strip(" :"), page)
    if header and "issuing_body" not in found:
        found["issuing_body"] = Suggestion(" ".join(header), page)
    if type_index is not None and "title" not in found:
        for line in lines[type_index + 1 : type_index + 3]:
            if not _is_upper(line) and len(line) > 8:
                found["title"] = Suggestion(line, page)
                break


def _type_from_notation(notation: str) -> str | None:
    after = notation.split("/", 1)[-1]
    head = after.split("-", 1)[0]
    return _NOTATION_TYPES.get(head)
