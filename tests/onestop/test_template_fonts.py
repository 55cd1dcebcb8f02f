"""The result templates' faces are parsed once per process, and yet every document embeds a
subset of its own: the glyphs of its text, with diacritics, and no glyphs of another."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path

import pikepdf
import pytest
from fontTools import ttLib
from fpdf.fonts import TTFFont

from common.subprocess_run import run
from onestop.model import Dossier
from onestop.status import DossierStatus
from onestop.templates import fonts
from onestop.templates.draft import DossierFacts, fill
from onestop.templates.layout import render
from onestop.templates.spec import DECISION

NOW = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)
DOSSIER = Dossier(
    code="HSFONT000001", service="Cấp giấy phép xây dựng", agency="UBND Quận Hoàn Kiếm",
    owner="citizen1", status=DossierStatus.SUBMITTED, submitted_at=NOW, promised_at=NOW,
    returned_at=None, submission_document="d1", submission_indication="TOTAL_PASSED",
    result_document=None,
)  # fmt: skip
FIELDS = {"place": "Hà Nội", "signer_title": "Chủ tịch"}
#: letters the first document's text has none of (in the articles: the regular face)
RARE = "Ỹ ỹ Ẵ ẵ Ữ ữ Ỗ ỗ"


def _decision(citizen: str, articles: str | None = None) -> bytes:
    typed = {**FIELDS, **({"articles": articles} if articles else {})}
    draft = fill(DECISION, DossierFacts(DOSSIER, citizen, "Lê Thị Hằng"), typed,
                 number=7, issued_at=NOW)  # fmt: skip
    return render(draft).pdf


def _embedded(pdf: bytes) -> dict[str, ttLib.TTFont]:
    """Each embedded TrueType font by its base name (``ABCDEF+Name`` for a subset)."""
    found: dict[str, ttLib.TTFont] = {}
    with pikepdf.open(BytesIO(pdf)) as doc:
        for page in doc.pages:
            for font in page.Resources.Font.values():
                (descendant,) = font.DescendantFonts
                data = descendant.FontDescriptor.FontFile2.read_bytes()
                found[str(font.BaseFont)[1:]] = ttLib.TTFont(BytesIO(data))
    return found


def _text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    return run(["pdftotext", str(path), "-"], timeout=30).stdout.decode()


def test_fpdf2_fonts_have_no_attribute_the_per_document_copy_does_not_know() -> None:
    # a new fpdf2 with new state in TTFFont: decide whether each document needs its own
    assert set(TTFFont.__slots__) == fonts.PER_DOCUMENT | fonts.SHARED
    assert not fonts.PER_DOCUMENT & fonts.SHARED


def test_faces_are_parsed_once_and_each_document_embeds_its_own_glyphs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _decision("Trần Thị Ánh Nguyệt")  # the faces are parsed by now, whichever test ran
    parsed: list[object] = []
    original = TTFFont.__init__

    def counted(self: TTFFont, *args: object, **kwargs: object) -> None:
        parsed.append(args)
        original(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(TTFFont, "__init__", counted)
    second = _decision("Vũ Thị Ỹ", f"Cấp phép cho ông (bà) {RARE}.")
    again = _decision("Trần Thị Ánh Nguyệt")
    assert parsed == []  # two documents, no face parsed again

    text = _text(second, tmp_path)
    assert "Vũ Thị Ỹ" in text and RARE in text and "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Trần Thị Ánh Nguyệt" in _text(again, tmp_path)
    full = ttLib.TTFont(fonts.template_fonts()[""])
    name = re.sub("[ ()]", "", full["name"].getBestFullName())  # as fpdf2 names the face
    for pdf, wanted in ((first, "hiệu lực kể từ ngày ký"), (second, RARE)):  # articles
        embedded = _embedded(pdf)
        assert len(embedded) == 4 and all(re.match(r"[A-Z]{6}\+", n) for n in embedded)
        regular = next(f for n, f in embedded.items() if n.endswith("+" + name))
        assert len(regular.getGlyphOrder()) < len(full.getGlyphOrder()) / 10  # a subset
        drawn = regular.getBestCmap()
        assert {c for c in wanted if c != " "} <= {chr(u) for u in drawn}
    first_regular = next(f for n, f in _embedded(first).items() if n.endswith("+" + name))
    assert not {ord(c) for c in RARE if c != " "} & set(first_regular.getBestCmap())
    again_regular = next(f for n, f in _embedded(again).items() if n.endswith("+" + name))
    assert again_regular.getBestCmap() == first_regular.getBestCmap()  # nothing of the second
