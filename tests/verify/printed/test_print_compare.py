"""The comparison of paper and original, on words laid out exactly: real text layers of generated
results (pdftotext), the paper's words placed by a known rotation, scale and perspective, then
changed the way OCR errs or the way a forger does."""

from __future__ import annotations

import math
import re
from dataclasses import replace

import numpy as np
import pytest
from PIL import Image, ImageDraw
from print_documents import make_document

from onestop.templates.fixed import fixed_texts
from verify.printed.compare import compare_print, locate
from verify.printed.geometry import Homography
from verify.printed.model import (
    ChangeKind,
    OriginalPage,
    PrintVerdict,
    ScanPage,
    ScanWord,
)
from verify.printed.original import original_pages
from verify.printed.paper import sheet
from verify.printed.qr import verify_target
from verify.printed.tokens import edits, key, strip_marks


@pytest.fixture(scope="module")
def decision() -> OriginalPage:
    return original_pages(make_document("decision", 7).pdf)[0]


def _camera(degrees: float = 2.0) -> Homography:
    """Points of the page to pixels of a photo: 300 dpi, turned, shifted, in perspective."""
    s = 300 / 72
    c, n = math.cos(math.radians(degrees)), math.sin(math.radians(degrees))
    return Homography((s * c, -s * n, 140.0, s * n, s * c, 90.0, 0.00002, 0.00004, 1.0))


def _paper(original: OriginalPage, camera: Homography, **changed: str) -> ScanPage:
    """The page as an OCR with confidence 95 reads it; ``changed`` maps a word to its reading
    ("" leaves it unread)."""
    words = []
    for word in original.words:
        text = changed.get(word.text, word.text)
        if text:
            words.append(ScanWord(text, camera.box(word.box), 95.0))
    return ScanPage(1, 3000, 3800, tuple(words), 95.0)


def test_keys_drop_marks_and_case_but_keep_letters_and_digits() -> None:
    assert strip_marks("Nguyễn Văn Đức") == "Nguyen Van Duc"
    assert key("125/QĐ-UBND,") == "125qdubnd"
    assert edits(key("125/QĐ-UBND"), key("l25/QD-UBND")).hard == 0  # 1 read as l
    changed = edits(key("125/QĐ-UBND"), key("128/QĐ-UBND"))
    assert (changed.hard, changed.digits) == (1, True)
    assert edits(key("15.000.000"), key("5.000.000")).digits  # a digit dropped is a change
    assert edits(key("Phường"), key("Phuờng")).hard == 0
    assert edits(key("Hằng"), key("Hùng")).hard == 1


def test_the_same_words_under_turn_scale_and_perspective_match(decision: OriginalPage) -> None:
    camera = _camera()
    located = locate(_paper(decision, camera), decision)
    assert located is not None
    x, y = located.point(*camera.point(300.0, 400.0))
    assert abs(x - 300.0) < 0.5 and abs(y - 400.0) < 0.5
    result = compare_print([_paper(decision, camera)], [decision])
    assert result.verdict is PrintVerdict.MATCHES
    assert result.pages[0].coverage == 1.0 and not result.changes


def test_ocr_confusions_and_lost_marks_are_not_changes(decision: OriginalPage) -> None:
    notation = next(w.text for w in decision.words if "/QĐ-UBND" in w.text)
    noisy = {
        "Số:": "S6:",
        "Hạnh": "Hanh",
        "nhân": "nhăn",
        "phúc": "phuc",
        "đồng": "dòng",
        "Căn": "Cán",
        notation: notation.replace("1", "l").replace("Đ", "D"),
    }
    result = compare_print([_paper(decision, _camera(), **noisy)], [decision])
    assert result.verdict is PrintVerdict.MATCHES, result.changes
    assert result.pages[0].noise >= 5


def test_a_changed_document_number_is_found_with_its_place_on_the_paper(
    decision: OriginalPage,
) -> None:
    notation = next(w for w in decision.words if "/QĐ-UBND" in w.text)
    forged = notation.text[:2] + str((int(notation.text[2]) + 5) % 10) + notation.text[3:]
    camera = _camera()
    result = compare_print([_paper(decision, camera, **{notation.text: forged})], [decision])
    assert result.verdict is PrintVerdict.CHANGED
    [change] = result.changes
    assert (change.kind, change.original, change.printed) == (
        ChangeKind.CHANGED, notation.text, forged,
    )  # fmt: skip
    assert change.reason == "digits" and change.line.startswith("Số:")
    expected = camera.box(notation.box)
    assert all(abs(a - b) < 1.0 for a, b in zip(change.region, expected, strict=True))


def test_a_changed_name_is_a_change_and_unsure_digits_are_a_doubt(decision: OriginalPage) -> None:
    name = next(w.text for w in decision.words if w.text.endswith(",") and w.text[0].isupper())
    result = compare_print([_paper(decision, _camera(), **{name: "Xuân,"})], [decision])
    assert [c.printed for c in result.changes] == ["Xuân,"]
    amount = next(w for w in decision.words if re.fullmatch(r"\d+\.\d{3}\.\d{3}", w.text))
    page = _paper(decision, _camera())
    blurred = tuple(
        replace(w, text="9" + w.text[1:], confidence=45.0) if w.text == amount.text else w
        for w in page.words
    )
    unsure = compare_print([replace(page, words=blurred)], [decision])
    assert unsure.verdict is PrintVerdict.INCONCLUSIVE
    assert [d.original for d in unsure.doubts] == [amount.text]


def test_a_word_missing_on_blank_paper_is_removed_but_not_where_there_is_ink(
    decision: OriginalPage,
) -> None:
    camera = _camera()
    target = next(w for w in decision.words if w.text == "Điều")
    page = _paper(decision, camera, Điều="")
    spot = camera.box(target.box)

    def blank_there(box: tuple[float, float, float, float]) -> float:
        inside = abs(box[0] - spot[0]) < 3 and abs(box[1] - spot[1]) < 3
        return 0.0 if inside else 0.2

    removed = compare_print([page], [decision], [blank_there])
    assert removed.verdict is PrintVerdict.CHANGED
    assert {(c.kind, c.original) for c in removed.changes} == {(ChangeKind.REMOVED, "Điều")}
    inked = compare_print([page], [decision], [lambda box: 0.2])
    assert inked.verdict is PrintVerdict.MATCHES


def test_words_written_on_blank_paper_are_added(decision: OriginalPage) -> None:
    camera = _camera()
    page = _paper(decision, camera)
    bottom = max(w.box[3] for w in decision.words if w.box[3] < 500)
    extra = [
        ScanWord(text, camera.box((100 + 60 * i, bottom + 30, 150 + 60 * i, bottom + 43)), 93.0)
        for i, text in enumerate(("Điều", "4.", "Miễn", "thuế"))
    ]
    result = compare_print([replace(page, words=page.words + tuple(extra))], [decision])
    [change] = result.changes
    assert change.kind is ChangeKind.ADDED and change.printed == "Điều 4. Miễn thuế"


def test_a_page_of_another_document_is_not_matched(decision: OriginalPage) -> None:
    other = original_pages(make_document("letter", 3).pdf)[0]
    result = compare_print([_paper(other, _camera())], [decision])
    assert result.verdict is PrintVerdict.INCONCLUSIVE
    assert not result.pages[0].aligned and result.missing_pages == (1,)


def test_another_result_of_the_agency_lines_up_but_is_another_document(
    decision: OriginalPage,
) -> None:
    # the same agency, motto, "Nơi nhận:" and signer titles at the same places: the layout
    # aligns, but the decision's own words (names, numbers, content) are not on the paper
    other = original_pages(make_document("certificate", 7).pdf)[0]
    result = compare_print([_paper(other, _camera())], [decision], layout_text=fixed_texts())
    [page] = result.pages
    assert page.other_document and not page.aligned and page.original_page == 0
    assert not page.changes and not page.doubts
    assert result.verdict is PrintVerdict.INCONCLUSIVE and result.missing_pages == (1,)
    # the boilerplate is what the two share: without it, the decision's words are rarer still
    assert page.distinctive < page.coverage < 0.3


def test_every_value_of_a_copy_forged_is_still_a_changed_copy(decision: OriginalPage) -> None:
    """A forger who rewrites the number, the amount, a date and the name still leaves the
    document's own words: a changed copy, not another document."""
    words = [w.text for w in decision.words]
    forged = {}
    for value in make_document("decision", 7).fields:  # the words the corpus's forgers change
        word = next(w for w in words if w.rstrip(",.;:)").endswith(value.text))
        digit = next((c for c in "98" if c != word[0]), "7")
        forged[word] = "Xuân," if value.kind == "name" else digit + word[1:]
    forged = {k: v for k, v in forged.items() if k != v}
    result = compare_print([_paper(decision, _camera(), **forged)], [decision],
                           layout_text=fixed_texts())  # fmt: skip
    assert result.verdict is PrintVerdict.CHANGED and not result.pages[0].other_document
    assert {(c.original, c.printed) for c in result.changes} == set(forged.items())


def test_a_page_is_compared_with_the_original_page_whose_own_words_it_holds(
    decision: OriginalPage,
) -> None:
    letter = original_pages(make_document("letter", 3).pdf)[0]
    originals = [replace(letter, number=1), replace(decision, number=2)]
    result = compare_print([_paper(decision, _camera())], originals, layout_text=fixed_texts())
    assert result.pages[0].original_page == 2 and result.missing_pages == (1,)
    assert result.verdict is PrintVerdict.MATCHES


def test_the_qr_code_names_a_code_on_this_service_or_elsewhere() -> None:
    ours = verify_target("https://kyso.example.vn/v/HS0123456789", "https://kyso.example.vn/")
    assert ours is not None and (ours.code, ours.foreign) == ("HS0123456789", False)
    other = verify_target("https://evil.example/v/HS0123456789", "https://kyso.example.vn")
    assert other is not None and other.foreign
    assert verify_target("WIFI:S:cafe;;", "https://kyso.example.vn") is None


def test_the_sheet_is_cut_out_of_a_photo_and_a_scan_is_left_alone() -> None:
    desk = Image.new("RGB", (1200, 1600), (90, 70, 50))
    paper = Image.new("RGB", (900, 1250), (235, 235, 230))
    ImageDraw.Draw(paper).text((100, 100), "Số: 125/QĐ-UBND", fill=(0, 0, 0))
    desk.paste(paper.rotate(3, expand=True, fillcolor=(90, 70, 50)), (130, 150))
    cut = sheet(desk)
    assert abs(cut.width - 965) < 30 and abs(cut.height - 1295) < 30
    corners = np.asarray(cut.convert("L"))[[0, 0, -1, -1], [0, -1, 0, -1]]
    assert corners.min() == 255  # the desk in the corners painted white
    scan = Image.new("L", (800, 1000), 250)
    assert sheet(scan) is scan


def test_one_letter_of_a_name_counts_only_when_read_surely(decision: OriginalPage) -> None:
    name = next(w for w in decision.words if w.text.endswith(",") and w.text[0].isupper())
    forged = ("L" if name.text[0] == "T" else "T") + name.text[1:]  # one letter changed
    page = _paper(decision, _camera(), **{name.text: forged})

    def read_at(confidence: float) -> ScanPage:
        words = tuple(
            replace(w, confidence=confidence) if w.text == forged else w for w in page.words
        )
        return replace(page, words=words)

    sure = compare_print([read_at(96.0)], [decision])
    assert [(c.original, c.printed) for c in sure.changes] == [(name.text, forged)]
    unsure = compare_print([read_at(90.0)], [decision])  # how OCR reads "Hữu" as "Hitu"
    assert unsure.verdict is PrintVerdict.INCONCLUSIVE and not unsure.changes
    cut = compare_print([_paper(decision, _camera(), **{name.text: name.text[1:]})], [decision])
    assert not cut.changes  # a letter lost at the edge: the OCR cut the word
