"""Vietnamese-aware text folding for diacritic-insensitive search.

``fold("Hồ sơ lưu trữ Đà Nẵng")`` gives ``"ho so luu tru da nang"``. Unicode decomposition
removes tone and vowel marks, but ``đ``/``Đ`` (U+0111/U+0110) is a letter of its own with no
decomposition, so it is mapped to ``d`` explicitly. The same Python function feeds both the
SQLite FTS5 index and the PostgreSQL tsvector, so both databases give the same answers.
"""

from __future__ import annotations

import re
import unicodedata

_D_MAP = str.maketrans({"đ": "d", "Đ": "d"})
_NON_WORD = re.compile(r"[^0-9a-z]+")


def fold(text: str) -> str:
    """Lower-case, strip diacritics (including đ→d) and collapse punctuation to spaces."""
    decomposed = unicodedata.normalize("NFD", text.translate(_D_MAP))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NON_WORD.sub(" ", stripped.lower()).strip()


def tokens(text: str) -> list[str]:
    """The folded words of ``text`` (what a search query is split into)."""
    return [word for word in fold(text).split(" ") if word]
