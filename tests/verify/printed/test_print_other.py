"""Another result of the same template told from a changed copy, on words laid out exactly:
two decisions of one template and agency (only names, numbers, dates, amounts and the address
differ), the paper's words placed by a known camera as an OCR reading them at 95 would."""

from __future__ import annotations

import math

import pytest
from print_documents import make_document

from api.printcheck.other import printed_number
from onestop.templates.fixed import fixed_texts
from verify.printed.compare import compare_print
from verify.printed.geometry import Homography
from verify.printed.model import OriginalPage, PrintVerdict, ScanPage, ScanWord
from verify.printed.original import original_pages
from verify.printed.other import as_another_document, shows_other


@pytest.fixture(scope="module")
def two() -> tuple[OriginalPage, OriginalPage]:
    return (
        original_pages(make_document("decision", 7).pdf)[0],
        original_pages(make_document("decision", 8).pdf)[0],
    )


def _paper(original: OriginalPage, **changed: str) -> ScanPage:
    """The page as the OCR reads it through a camera turned 2 degrees; ``changed`` maps a word
    to what is printed instead."""
    s, c, n = 300 / 72, math.cos(math.radians(2)), math.sin(math.radians(2))
    camera = Homography((s * c, -s * n, 140.0, s * n, s * c, 90.0, 0.00002, 0.00004, 1.0))
    words = tuple(
        ScanWord(changed.get(w.text, w.text), camera.box(w.box), 95.0) for w in original.words
    )
    return ScanPage(1, 3000, 3800, words, 95.0)


def _notation(page: OriginalPage) -> str:
    return next(w.text for w in page.words if "/QĐ-UBND" in w.text)


def test_the_printed_number_and_year_are_read_from_the_ocr_words(
    two: tuple[OriginalPage, OriginalPage],
) -> None:
    a, _b = two
    read = printed_number(_paper(a))
    assert read is not None
    assert read.text == _notation(a) and read.notation == "QĐ-UBND"
    year = next(w.text for w in a.words if w.text.isdigit() and len(w.text) == 4)
    assert read.year == int(year)  # "Hà Nội, ngày .. tháng .. năm 2025" beside it
    unread = _paper(a, **{"Số:": "", _notation(a): ""})
    assert printed_number(unread) is None


def test_another_result_of_the_template_is_that_result_not_this_one_changed(
    two: tuple[OriginalPage, OriginalPage],
) -> None:
    a, b = two
    paper = _paper(b)
    against_a = compare_print([paper], [a], layout_text=fixed_texts())
    against_b = compare_print([paper], [b], layout_text=fixed_texts())
    # the known failure the register fixes: against A alone, B's paper is A "changed"
    assert against_a.verdict is PrintVerdict.CHANGED and not against_a.pages[0].other_document
    assert 0.5 < against_a.pages[0].distinctive < 0.8
    assert against_b.verdict is PrintVerdict.MATCHES
    assert shows_other(against_a, against_b)
    answer = as_another_document(against_a, 1)
    assert answer.verdict is PrintVerdict.ANOTHER_DOCUMENT and not answer.changes
    [page] = answer.pages
    assert page.other_document and not page.aligned and answer.missing_pages == (1,)


def test_a_copy_with_another_results_number_painted_on_stays_a_changed_copy(
    two: tuple[OriginalPage, OriginalPage],
) -> None:
    a, b = two
    paper = _paper(a, **{_notation(a): _notation(b)})
    against_a = compare_print([paper], [a], layout_text=fixed_texts())
    against_b = compare_print([paper], [b], layout_text=fixed_texts())
    assert not shows_other(against_a, against_b)
    assert against_a.verdict is PrintVerdict.CHANGED
    assert [(c.original, c.printed) for c in against_a.changes] == [(_notation(a), _notation(b))]


def test_a_clean_copy_is_its_own_original_whatever_else_it_resembles(
    two: tuple[OriginalPage, OriginalPage],
) -> None:
    a, b = two
    paper = _paper(a)
    against_a = compare_print([paper], [a], layout_text=fixed_texts())
    assert not shows_other(against_a, compare_print([paper], [b], layout_text=fixed_texts()))
    assert not shows_other(against_a, compare_print([paper], [a], layout_text=fixed_texts()))
