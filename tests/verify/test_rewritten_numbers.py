"""A page whose numbers the next signer writes back differently is not a change after signing.

PDF writers such as fpdf2 (and many office exports) write reals with trailing zeros
(``/MediaBox [0 0 595.00 842.00]``); pyHanko, adding the official's signature widget to the
page's /Annots, writes the page object again with ``595``. The page says the same: the
agency's certified result must verify TOTAL_PASSED, not INDETERMINATE with
``incremental_content_change`` on ``/MediaBox``."""

from __future__ import annotations

import asyncio

from signing.options import Level, Placement, ReservedField, SignOptions
from signing.stamps import StampKind, content_for
from tests.verify.conftest import Kit
from verify import Indication, verify_pdf


def _page_with_real_numbers() -> bytes:
    """A page as fpdf2 writes it: ``/MediaBox [0 0 595.00 842.00]``."""
    from fpdf import FPDF

    writer = FPDF(format=(595, 842), unit="pt")
    writer.add_page()
    writer.set_font("Helvetica", size=14)
    writer.text(72, 80, "Giay xac nhan")
    return bytes(writer.output())


def test_a_certified_result_with_real_numbers_passes(kit: Kit) -> None:
    reserve = ReservedField("ChuKyCanBo", Placement(1, (215.0, 30.0, 575.0, 160.0)))
    certified = asyncio.run(kit.signer(kit.seal.serial).sign(
        _page_with_real_numbers(), SignOptions(level=Level.B_B, certify=True, reserve=(reserve,))
    ))  # fmt: skip
    assert certified.pdf is not None
    stamp = content_for(StampKind.OFFICIAL, kit.official.certificate.subject)
    signed = asyncio.run(kit.signer(kit.official.serial).sign(
        certified.pdf, SignOptions(level=Level.B_B, field_name="ChuKyCanBo", stamp=stamp)
    ))  # fmt: skip
    assert signed.pdf is not None
    report = verify_pdf(signed.pdf, kit.options())
    assert report.indication is Indication.TOTAL_PASSED, [f.code for f in report.all_findings()]
