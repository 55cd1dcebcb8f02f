"""Which other registered result a paper shows, when it is not a copy of the original named.

A copy of another result B of the same template and agency, checked with result A's code,
lines up with A and holds most of A's words (the same sentences; only names, numbers, dates,
amounts and the address differ), so the comparison alone calls it a changed copy of A. Here:

1. the document number printed on the paper ("Số: 12/QĐ-UBND") is read from the OCR's words
   with the archive's metadata parser (``ocr.metadata``);
2. when it is in the notation of A's register (the same ``/QĐ-UBND``) but is not A's number,
   the agency's register (``api.numbering``) says which result was issued under it, in the
   year printed on the paper or A's year;
3. the paper is compared with that result's original, and ``verify.printed.other.shows_other``
   decides whether it is B's (every page holds B's words far better than A's).

A number that is A's, unreadable, of another notation or not issued, or a result B that the
caller may not see (not public) or that the paper does not match better, leaves the answer
about A unchanged. Nothing here costs OCR: the scan was read once; B's text layer is read.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import sessionmaker

from api.numbering import SqlNumberRegister
from api.printcheck.originals import Original, find_original
from api.wiring import Services
from archive.metadata import DocumentRecord
from ocr.metadata import suggest_metadata
from onestop.numbering import RegisterEntry, RegisterKey
from verify.printed.compare import InkProbe, compare_print
from verify.printed.errors import PrintOriginalMissing, PrintOriginalRestricted
from verify.printed.model import PrintComparison, ScanPage, ScanWord
from verify.printed.original import original_pages
from verify.printed.other import shows_other
from verify.printed.tokens import key

log = logging.getLogger(__name__)
_NUMBER = re.compile(r"^(\d{1,6})/(.+)$")


@dataclass(frozen=True)
class OtherResult:
    """The registered result the paper is a copy of."""

    #: its look-up code (the dossier code its QR code names, else its document id)
    code: str
    document: DocumentRecord
    #: the document number read on the paper
    printed_number: str
    #: the paper compared with that result's original
    comparison: PrintComparison


@dataclass(frozen=True)
class PrintedNumber:
    number: int
    #: the notation after the number: ``QĐ-UBND``, ``UBND-VP``
    notation: str
    #: the year of the date printed beside it, when it was read
    year: int | None

    @property
    def text(self) -> str:
        return f"{self.number:02d}/{self.notation}"


def _lines(words: Sequence[ScanWord]) -> list[str]:
    """The OCR's words as lines of text: the OCR gives them line by line, left to right, so a
    word left of the one before it or on another row starts a new line."""
    lines: list[list[str]] = []
    previous: ScanWord | None = None
    for word in words:
        if previous is None:
            lines.append([word.text])
        else:
            height = max(1.0, previous.box[3] - previous.box[1])
            rise = (word.box[1] + word.box[3] - previous.box[1] - previous.box[3]) / 2
            if word.box[0] < previous.box[2] - 0.5 * height or abs(rise) > height:
                lines.append([word.text])
            else:
                lines[-1].append(word.text)
        previous = word
    return [" ".join(line) for line in lines]


def printed_number(page: ScanPage) -> PrintedNumber | None:
    """The document number printed on the page ("Số: 12/QĐ-UBND"), if the OCR read one."""
    found = suggest_metadata(["\n".join(_lines(page.words))])
    if found.number_notation is None:
        return None
    match = _NUMBER.match(found.number_notation.value.replace("Ð", "Đ"))
    if match is None:
        return None
    year = int(found.issue_date.value[:4]) if found.issue_date is not None else None
    return PrintedNumber(int(match.group(1)), match.group(2).rstrip(".,;:"), year)


def registered(
    register: SqlNumberRegister, original_id: str, read: PrintedNumber, notation: str
) -> RegisterEntry | None:
    """The result issued under the number read, in the register of the original (whose
    printed notation is ``notation``); None when the number is the original's own."""
    issued = register.issued_as(original_id)
    ours = _NUMBER.match(notation)
    if issued is None or ours is None or key(ours.group(2)) != key(read.notation):
        return None
    register_key, entry = issued
    if read.number == entry.number:
        return None
    years = dict.fromkeys(y for y in (read.year, register_key.year) if y is not None)
    for year in years:
        key_of_year = RegisterKey(register_key.agency, register_key.doc_type, year)
        other = register.issued_number(key_of_year, read.number)
        if other is not None and other.document_id not in (None, original_id):
            return other
    return None


def other_result(
    svc: Services,
    original: Original,
    scans: Sequence[ScanPage],
    ink: Sequence[InkProbe | None],
    against: PrintComparison,
    *,
    public_only: bool,
    layout_text: Sequence[str] = (),
) -> OtherResult | None:
    """The registered result the paper shows instead of ``original`` (see the module)."""
    read = printed_number(scans[0]) if scans else None
    notation = original.document.meta.number_notation
    if read is None or not notation:
        return None
    register = SqlNumberRegister(sessionmaker(svc.engine, expire_on_commit=False))
    entry = registered(register, original.document.id, read, notation)
    if entry is None or entry.document_id is None:
        return None
    try:
        other = find_original(svc, entry.document_id, public_only=public_only)
    except (PrintOriginalMissing, PrintOriginalRestricted) as exc:
        # not public, or no longer archived: nothing to compare with, nothing said about it
        log.info("print check: the number read names a result not compared (%s)", exc.code)
        return None
    theirs = compare_print(scans, original_pages(other.pdf), ink, layout_text=layout_text)
    if not shows_other(against, theirs):
        return None
    return OtherResult(entry.dossier_code or other.code, other.document, read.text, theirs)
