"""A copy of another result of the same template, told from a changed copy of this one.

Results made from one template share their boilerplate, and an official types their content
with the same sentences: only the name, numbers, dates, amounts and address differ. The paper
of another result B then holds 65-75% of result A's distinctive words, and compared with A it
reads as a copy of A with many values changed. The page alone cannot tell the two apart; the
printed document number can name the other result (the caller looks it up in the agency's
register), and the paper compared with B's original then decides:

- the paper is B's when every scanned page holds at least ``Thresholds.other_distinctive`` of
  B's page's distinctive words and ``Thresholds.other_margin`` more of them than of A's page;
- otherwise it stays what the comparison with A says. A forger who paints B's number onto a
  copy of A leaves A's names, amounts and dates: the paper holds A's words (one changed) far
  better than B's, and is still a changed copy of A, the number listed among the changes.
"""

from __future__ import annotations

from verify.printed.judge import Thresholds
from verify.printed.model import PageComparison, PrintComparison, PrintVerdict


def shows_other(
    against: PrintComparison, other: PrintComparison, thresholds: Thresholds | None = None
) -> bool:
    """The paper, compared with this original (``against``) and with another one (``other``),
    is a copy of the other one rather than a changed copy of this one."""
    t = thresholds or Thresholds()
    if not other.pages or len(other.pages) != len(against.pages):
        return False
    return all(
        theirs.aligned
        and not theirs.other_document
        and theirs.distinctive >= t.other_distinctive
        and theirs.distinctive >= ours.distinctive + t.other_margin
        for ours, theirs in zip(against.pages, other.pages, strict=True)
    )


def as_another_document(against: PrintComparison, original_pages: int) -> PrintComparison:
    """The comparison with this original once the paper is known to show another document:
    no page is a copy of this original's, nothing is listed as changed on it."""
    pages = tuple(
        PageComparison(
            page.page,
            0,
            False,
            page.words_compared,
            coverage=page.coverage,
            distinctive=page.distinctive,
            other_document=True,
        )
        for page in against.pages
    )
    return PrintComparison(
        PrintVerdict.ANOTHER_DOCUMENT, pages, tuple(range(1, original_pages + 1))
    )
