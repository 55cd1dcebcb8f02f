"""Words compared the way OCR errs: diacritics kept for the answer, confusions forgiven.

A word has three forms:

- its text (NFC, diacritics kept): what the answer shows;
- its key: without tone and vowel marks (``đ`` is ``d``), case-folded, letters and digits only:
  what the alignment compares, since Tesseract often misses or swaps a mark on a photo
  ("Hằng" read "Hãng" or "Hang") while the letters stay;
- its edits against another key: the character edits left once OCR's usual confusions are
  forgiven (``0``/``o``, ``1``/``l``/``i``, ``5``/``s``, ``8``/``b``, ``rn``/``m`` ...).

A letter read as a digit (or back) is forgiven; a digit turning into another digit, or a digit
appearing or disappearing, is never forgiven:
that is exactly what a forger does to a document number, an amount or a date
(123/QĐ-UBND -> 128/QĐ-UBND), and Tesseract rarely does on a readable print.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

#: letters OCR reads for one another on print (after case folding and mark stripping); a
#: letter read as a digit or back is forgiven whatever the pair
_CONFUSABLE = {
    frozenset(pair)
    for pair in (("i", "l"), ("i", "j"), ("l", "t"), ("e", "c"), ("u", "v"), ("c", "o"))
}
#: letters OCR drops or adds on its own (thin strokes, specks)
_THIN = frozenset("iljtfr")
#: character groups OCR reads as one another: folded before comparing
_GROUPS = (("rn", "m"), ("vv", "w"), ("cl", "d"), ("ii", "u"), ("ri", "n"))
_FORGIVEN = 0.25


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def strip_marks(text: str) -> str:
    """Vietnamese without tone and vowel marks: ``Nguyễn Văn Đức`` -> ``Nguyen Van Duc``."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn")


@lru_cache(maxsize=65536)
def key(text: str) -> str:
    """What two words must share to be the same word as far as OCR can tell."""
    return "".join(c for c in strip_marks(text).casefold() if c.isalnum())


def _folded(text: str) -> str:
    for group, single in _GROUPS:
        text = text.replace(group, single)
    return text


@dataclass(frozen=True)
class Edits:
    """The character edits between two keys that OCR confusions do not explain."""

    hard: int
    #: a hard edit touches a digit (changed, added or removed)
    digits: bool
    #: length of the original's key
    length: int
    #: edits explained as confusions
    forgiven: int = 0


def _cost(a: str, b: str) -> float:
    if a == b:
        return 0.0
    if a.isdigit() and b.isdigit():
        return 1.0
    if a.isdigit() != b.isdigit():
        # a letter read as a digit or back ("Số" read "S6", "1" read "l"): forgers change
        # digits into digits, OCR confuses shapes across the two
        return _FORGIVEN
    return _FORGIVEN if frozenset((a, b)) in _CONFUSABLE else 1.0


def _indel(c: str) -> float:
    return _FORGIVEN if c in _THIN else 1.0


@lru_cache(maxsize=16384)
def edits(original: str, printed: str) -> Edits:
    """Weighted alignment of two keys (edit distance where confusions cost a quarter)."""
    a, b = _folded(original), _folded(printed)
    rows, cols = len(a) + 1, len(b) + 1
    cost = [[0.0] * cols for _ in range(rows)]
    for i in range(1, rows):
        cost[i][0] = cost[i - 1][0] + _indel(a[i - 1])
    for j in range(1, cols):
        cost[0][j] = cost[0][j - 1] + _indel(b[j - 1])
    for i in range(1, rows):
        for j in range(1, cols):
            cost[i][j] = min(
                cost[i - 1][j - 1] + _cost(a[i - 1], b[j - 1]),
                cost[i - 1][j] + _indel(a[i - 1]),
                cost[i][j - 1] + _indel(b[j - 1]),
            )
    hard = forgiven = 0
    digits = False
    i, j = len(a), len(b)
    while i or j:
        if i and j and cost[i][j] == cost[i - 1][j - 1] + _cost(a[i - 1], b[j - 1]):
            step, pair = _cost(a[i - 1], b[j - 1]), (a[i - 1], b[j - 1])
            i, j = i - 1, j - 1
        elif i and cost[i][j] == cost[i - 1][j] + _indel(a[i - 1]):
            step, pair = _indel(a[i - 1]), (a[i - 1], "")
            i -= 1
        else:
            step, pair = _indel(b[j - 1]), ("", b[j - 1])
            j -= 1
        if step >= 1.0:
            hard += 1
            digits = digits or any(c.isdigit() for c in pair)
        elif step > 0:
            forgiven += 1
    return Edits(hard, digits, len(a), forgiven)
