"""When a difference between paper and original is a change, a doubt, or OCR noise.

The rules, in the order they apply to a block of the original's words and the printed words
aligned with it:

1. Same keys after OCR's usual confusions are forgiven (marks, ``0``/``o``, ``rn``/``m`` ...),
   or printed words read with less than ``noise_confidence`` (specks, the seal's strokes):
   noise.
2. A digit changed, added or removed (a document number, an amount, a date): a change when
   Tesseract read the printed words with at least ``digit_confidence``, or read the letters
   around the digits exactly (``/QĐ-UBND``); a doubt otherwise.
3. Letters changed (a name, a word): a change when two letters or more differ and Tesseract
   was sure of what it read (``letter_confidence``), or one letter differs and it was very
   sure (``sure_confidence``); a doubt when it was fairly sure (``doubt_confidence``) and the
   word matters (a capitalised word, likely a name); noise otherwise. One letter lost at a
   word's edge ("CỘNG" read "ÔNG") is never more than a doubt.
   For rules 2 and 3, printed words covering less than ``read_width`` of the original words'
   width are a part of them read: a doubt, unless the paper is blank beside them (a digit or a
   letter erased).
4. Printed words with no counterpart in the original: added when read with at least
   ``added_confidence`` and long enough to be a word (or holding digits).
5. Words of the original with nothing read in their place: removed when the paper is blank
   there (less ink than ``blank_ink``) and the OCR read the words around it (its line, or
   the lines before and after, on a page read to at least ``min_coverage``); noise when there
   is ink (the OCR missed it), a doubt for a missed word holding digits.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from verify.printed.tokens import Edits, edits, key


@dataclass(frozen=True)
class Thresholds:
    #: printed words read with less confidence than this are noise, whatever they say
    noise_confidence: float = 30.0
    digit_confidence: float = 50.0
    letter_confidence: float = 80.0
    doubt_confidence: float = 60.0
    added_confidence: float = 80.0
    #: a word needs this many letters to count as added (digits count whatever the length)
    added_letters: int = 3
    #: share of dark pixels under which the paper is blank where a word should be
    blank_ink: float = 0.015
    #: a single letter changed is a change only when read at least this surely (OCR turns
    #: "Hữu" into "Hitu" at 90; a forger's "Quân" -> "Tuấn" reads 96)
    sure_confidence: float = 95.0
    #: share of the original words' width the printed words must cover for their difference
    #: to be a change; below it the OCR read part of the word only, unless the rest is blank
    read_width: float = 0.6
    #: share of the original's words that must be found on a scanned page for the page to
    #: count as read: below it, words not found are not called removed, and the page alone
    #: cannot be said to match
    min_coverage: float = 0.6
    #: share of the original page's distinctive words (not the layout's fixed text) that must
    #: be found on a scanned page for it to be a copy of that page at all: below it the page
    #: shows another document of the same layout, not a changed copy (a forger changes a few
    #: words; another result of the template shares its boilerplate and little else)
    min_distinctive: float = 0.4
    #: the distinctive words a page needs for that rule to apply (a page of boilerplate only
    #: cannot be told from another)
    distinctive_words: int = 8
    #: the paper is taken for a copy of another result its printed number names only when each
    #: page holds at least this share of that result's distinctive words ...
    other_distinctive: float = 0.8
    #: ... and this much more of them than of the original's: a forger who paints another
    #: result's number on a copy leaves the rest of the copy, which matches the original better
    other_margin: float = 0.1


class Judgement(StrEnum):
    NOISE = "noise"
    DOUBT = "doubt"
    CHANGE = "change"


@dataclass(frozen=True)
class Verdict:
    judgement: Judgement
    reason: str


NOISE = Verdict(Judgement.NOISE, "")


def different(original: list[str], printed: list[str], confidence: float, t: Thresholds) -> Verdict:
    """Rules 1-3 for aligned word groups (texts as printed and in the original)."""
    mine, read = "".join(key(w) for w in original), "".join(key(w) for w in printed)
    found: Edits = edits(mine, read)
    if found.hard == 0 or confidence < t.noise_confidence:
        return NOISE
    if found.digits:
        if confidence >= t.digit_confidence or _rest_exact(original, printed):
            return Verdict(Judgement.CHANGE, "digits")
        return Verdict(Judgement.DOUBT, "digits")
    # one letter lost at a word's edge ("CỘNG" read "ÔNG"): the OCR cut the word
    cut = (
        found.hard == 1 and len(read) < len(mine) and (mine.endswith(read) or mine.startswith(read))
    )
    if not cut and confidence >= (t.letter_confidence if found.hard >= 2 else t.sure_confidence):
        return Verdict(Judgement.CHANGE, "letters")
    named = any(w[:1].isupper() for w in original + printed)
    if named and confidence >= t.doubt_confidence:
        return Verdict(Judgement.DOUBT, "letters")
    return NOISE


def _rest_exact(original: list[str], printed: list[str]) -> bool:
    """The letters around the digits read exactly, marks included ("843/QĐ-UBND" for
    "848/QĐ-UBND"), with as many digits: the word was legible, whatever its confidence."""
    mine, read = "".join(original), "".join(printed)
    letters = [c for c in mine if c.isalpha()]
    return (
        len(letters) >= 3
        and letters == [c for c in read if c.isalpha()]
        and sum(c.isdigit() for c in mine) == sum(c.isdigit() for c in read)
    )


def added(printed: str, confidence: float, t: Thresholds) -> Verdict:
    """Rule 4 for one printed word the original does not have."""
    letters = key(printed)
    has_digits = any(c.isdigit() for c in letters)
    if confidence < t.added_confidence or not (has_digits or len(letters) >= t.added_letters):
        return NOISE
    return Verdict(Judgement.CHANGE, "added")


def missing(original: str, ink: float | None, t: Thresholds) -> Verdict:
    """Rule 5 for one word of the original that nothing printed was aligned with."""
    if ink is not None and ink < t.blank_ink:
        return Verdict(Judgement.CHANGE, "removed")
    if any(c.isdigit() for c in original):
        return Verdict(Judgement.DOUBT, "unread")
    return NOISE
