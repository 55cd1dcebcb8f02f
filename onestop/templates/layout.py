"""A ``ResultDraft`` laid out on A4 as Decree 30/2020 Appendix I places its elements, with
fpdf2 (embedded subset TrueType fonts, ``onestop.templates.fonts``: Times New Roman's metric
twin, Liberation Serif, parsed once per process).

The signer block is the last thing on the page: the authority and title (7a), then a box
left free for the official's visible signature (``STAMP_SIZE``, the size of the default box of
``api/pdf_tasks.py``: the agency seal image over its left third, Decree 30/2020 Appendix I), then
the name (7b). ``RenderedResult.stamp_box`` is that box in PDF points on the last page, which
the signer gets so the stamp lands in the block wherever the content ends.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from fpdf import FPDF
from fpdf.enums import Align

from onestop.ports import Box
from onestop.templates.draft import Paragraph, ResultDraft
from onestop.templates.fonts import FAMILY, add_faces

# A4 in points; margins of Decree 30/2020 Appendix I: top and bottom 20-25 mm, left 30-35 mm,
# right 15-20 mm
WIDTH, HEIGHT = 595.28, 841.89
LEFT, RIGHT, TOP, BOTTOM = 85.0, 57.0, 57.0, 57.0
TEXT_WIDTH = WIDTH - LEFT - RIGHT
#: the official's stamp: the default box's size (api/pdf_tasks.OFFICIAL_BOX, 360 x 130 pt)
STAMP_SIZE = (360.0, 130.0)
STAMP_LEFT = WIDTH - 20.0 - STAMP_SIZE[0]
#: the header's two columns: the agency (2, 3) and the national motto, place and date (1, 4)
AGENCY_COLUMN = (LEFT - 30, 215.0)
MOTTO_COLUMN = (LEFT + 170, WIDTH - RIGHT - (LEFT + 170) + 25)


@dataclass(frozen=True)
class RenderedResult:
    pdf: bytes
    pages: int
    #: where the official's stamp goes on the last page (PDF points, origin bottom left)
    stamp_box: Box


def _nfc(text: str) -> str:
    # precomposed letters (ệ, not e + two combining marks): one glyph each, as the text layer
    return unicodedata.normalize("NFC", text)


class _Page(FPDF):
    def __init__(self) -> None:
        super().__init__(format="A4", unit="pt")
        add_faces(self)
        self.set_margins(LEFT, TOP, RIGHT)
        self.set_auto_page_break(True, BOTTOM)
        self.set_creator("kyso")
        self.add_page()

    def centred(
        self, column: tuple[float, float], y: float, text: str, style: str, size: int
    ) -> float:
        self.set_font(FAMILY, style, size)
        self.set_xy(column[0], y)
        self.cell(column[1], size + 3, _nfc(text), align="C")
        return y + size + 4

    def rule(self, column: tuple[float, float], y: float, text: str, size: int) -> None:
        """The short line under the agency or the motto: as long as the text above it."""
        self.set_font(FAMILY, "B", size)
        width = self.get_string_width(_nfc(text))
        middle = column[0] + column[1] / 2
        self.line(middle - width / 2, y, middle + width / 2, y)

    def paragraphs(self, y: float, items: tuple[Paragraph, ...], size: int = 14) -> None:
        self.set_y(y)
        with self.text_columns(text_align="J", line_height=1.15) as cols:
            for item in items:
                with cols.paragraph(
                    text_align=Align.C if item.align == "C" else Align.J,
                    first_line_indent=28 if item.align == "J" else 0,
                    bottom_margin=6,
                ) as par:
                    if item.label:
                        self.set_font(FAMILY, "B", size)
                        par.write(_nfc(item.label) + " ")
                    self.set_font(FAMILY, item.style, size)
                    par.write(_nfc(item.text))


def _header(page: _Page, draft: ResultDraft) -> float:
    y = TOP - 12
    left = y
    for line in draft.agency_lines:
        left = page.centred(AGENCY_COLUMN, left, line, "B", 13)
    page.rule(AGENCY_COLUMN, left + 1, draft.agency_lines[-1], 9)
    right = page.centred(MOTTO_COLUMN, y, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "B", 12)
    right = page.centred(MOTTO_COLUMN, right, "Độc lập - Tự do - Hạnh phúc", "B", 13)
    page.rule(MOTTO_COLUMN, right + 1, "Độc lập - Tự do - Hạnh phúc", 13)
    y = max(left, right) + 10
    page.centred(AGENCY_COLUMN, y, draft.notation, "", 13)
    page.centred(MOTTO_COLUMN, y, draft.place_date, "I", 13)
    y += 19
    if not draft.title:  # a letter: its subject under the number, box (5b)
        page.set_font(FAMILY, "", 12)
        page.set_xy(AGENCY_COLUMN[0], y)
        page.multi_cell(AGENCY_COLUMN[1], 15, _nfc(f"V/v {draft.subject}"), align="C")
        y = page.get_y() + 14
    else:
        y += 14
        y = page.centred((LEFT, TEXT_WIDTH), y, draft.title, "B", 14)
        if draft.subject:
            page.set_font(FAMILY, "B", 14)
            page.set_xy(LEFT, y)
            page.multi_cell(TEXT_WIDTH, 17, _nfc(draft.subject), align="C")
            y = page.get_y()
        page.rule((LEFT, TEXT_WIDTH), y + 4, "__________", 10)
        y += 12
    if draft.preview:
        page.set_font(FAMILY, "B", 10)
        page.set_xy(WIDTH - RIGHT - 160, 20)
        page.cell(160, 12, "BẢN XEM TRƯỚC - CHƯA CẤP SỐ", align="R")
    return y


def _signer(page: _Page, draft: ResultDraft) -> Box:
    lines = len(draft.signer_lines)
    needed = 8 + 18 * lines + STAMP_SIZE[1] + 22
    y = page.get_y() + 8
    if y + needed > HEIGHT - BOTTOM:
        page.add_page()
        y = TOP
    block = (STAMP_LEFT, STAMP_SIZE[0])
    top = y
    for line in draft.signer_lines:
        y = page.centred(block, y, line, "B", 13) + 1
    stamp_top = y + 2
    page.centred(block, stamp_top + STAMP_SIZE[1] + 4, draft.signer_name, "B", 13)
    page.set_font(FAMILY, "BI", 12)
    page.set_xy(LEFT, top)
    page.cell(STAMP_LEFT - LEFT, 14, _nfc("Nơi nhận:"))
    page.set_font(FAMILY, "", 11)
    for n, receiver in enumerate(draft.recipients):
        page.set_xy(LEFT, top + 15 + 13 * n)
        page.cell(STAMP_LEFT - LEFT, 13, _nfc(f"- {receiver}"))
    # the box in PDF coordinates (origin bottom left)
    bottom = HEIGHT - stamp_top - STAMP_SIZE[1]
    return (
        STAMP_LEFT,
        round(bottom, 2),
        STAMP_LEFT + STAMP_SIZE[0],
        round(bottom + STAMP_SIZE[1], 2),
    )


def render(draft: ResultDraft) -> RenderedResult:
    """The draft on A4 pages; the signer block (and its stamp box) ends the last page."""
    page = _Page()
    y = _header(page, draft)
    page.paragraphs(y, draft.heading + draft.body)
    box = _signer(page, draft)
    return RenderedResult(bytes(page.output()), page.page, box)
