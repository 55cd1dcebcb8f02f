"""The text every result of kyso's templates prints whatever the dossier and the official's
fields: the layout's boilerplate (Decree 30/2020 Appendix I).

A printed-copy check (``verify.printed``) is told these words so that two results of one
template are not taken for the same document because they share the motto, the agency's
"ỦY BAN NHÂN DÂN", "Nơi nhận:", the signer's titles and the template's headings and default
sentences: what tells a result apart is the rest (names, numbers, dates, amounts, content).
"""

from __future__ import annotations

import re
from functools import lru_cache

from onestop.templates.spec import TEMPLATES

#: printed by the layout itself (layout.py, draft.py) on every result
_LAYOUT = (
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "Độc lập - Tự do - Hạnh phúc",
    "Số:",
    "ngày tháng năm",
    "Nơi nhận:",
    "Lưu: VT.",
    "ỦY BAN NHÂN DÂN",
    "Về việc",
    "QUYẾT ĐỊNH:",
    "Điều",
    "Kính gửi:",
    "V/v",
    "Ông (bà):",
    "chứng nhận: xác nhận:",
    "BẢN XEM TRƯỚC - CHƯA CẤP SỐ",
)
#: the signer block (7a) as agencies fill it: the authority marks of Decree 30/2020 Appendix I
#: (TM., KT., TL., TUQ., Q.) and the usual titles; an agency prints the same ones on every result
_SIGNER = (
    "TM. KT. TL. TUQ. Q.",
    "CHỦ TỊCH",
    "PHÓ CHỦ TỊCH",
    "CHÁNH VĂN PHÒNG",
    "GIÁM ĐỐC",
    "PHÓ GIÁM ĐỐC",
    "TRƯỞNG PHÒNG",
)
_PLACEHOLDER = re.compile(r"\{[a-z]+\}")


@lru_cache(maxsize=1)
def fixed_texts() -> tuple[str, ...]:
    """The layout's and the templates' fixed texts: titles and each field's default sentence
    without its placeholders (what the dossier fills in differs from result to result)."""
    texts = list(_LAYOUT + _SIGNER)
    for spec in TEMPLATES.values():
        if spec.title:
            texts.append(spec.title)
        texts.extend(_PLACEHOLDER.sub(" ", f.default) for f in spec.fields if f.default)
    return tuple(texts)
