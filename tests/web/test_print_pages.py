"""Verifying a printed copy in Chromium: from the QR landing page, a phone photo through the
camera input; the answer shows the change, drawn on the picture."""

from __future__ import annotations

import asyncio
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from webtools import Live

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "verify" / "printed"))
from print_corpus import Issued, degrade, forge, issue, printed, ready_official
from print_documents import make_document

pytestmark = [pytest.mark.browser, pytest.mark.slow]
WAIT = 300_000  # ms: the OCR of a photo on a busy machine; no assertion is about time


def _issued(live: Live, kind: str, seed: int) -> Issued:
    """Issued in a thread of its own: Playwright's sync API keeps an event loop in this one."""
    ready_official(live.services)
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, issue(live.services, make_document(kind, seed))).result()


def test_a_photo_taken_from_the_landing_page_shows_the_forged_amount(
    page: Page, live: Live, tmp_path: Path, artifacts_dir: Path
) -> None:
    issued = _issued(live, "decision", 501)
    field = next(f for f in issued.document.fields if f.kind == "amount")
    paper, forgery = forge(printed(issued.pdf), issued.pdf, field, 11)
    photo, suffix = degrade(paper, "photo", 11)
    picture = tmp_path / f"anh{suffix}"
    picture.write_bytes(photo)

    page.goto(f"{live.url}/v/{issued.code}")
    expect(page.locator("#verdict")).to_contain_text("HỢP LỆ")
    page.get_by_role("link", name="Kiểm tra bản in của tài liệu này").click()
    expect(page.locator("#fixed-code")).to_have_text(issued.code)
    camera = page.get_by_label("Chụp ảnh giấy tờ")
    assert camera.get_attribute("capture") == "environment"
    assert camera.get_attribute("accept") == "image/*"
    camera.set_input_files(str(picture))
    page.get_by_role("button", name="Kiểm tra bản in").click()
    expect(page.locator("#paper-verdict")).to_have_text("BẢN IN ĐÃ BỊ SỬA ĐỔI", timeout=WAIT)
    expect(page.locator("#original-verdict")).to_have_text("HỢP LỆ")
    changes = page.locator("#changes-1")
    expect(changes).to_contain_text(forgery.before)
    expect(changes).to_contain_text(forgery.after)
    drawn = page.locator("img.print-page")
    expect(drawn).to_have_count(1)
    assert drawn.evaluate("img => img.naturalWidth") > 500  # the picture decoded in the page
    page.screenshot(path=str(artifacts_dir / "print-check-changed.png"), full_page=True)


def test_the_upload_page_reads_the_code_from_a_clean_scan(
    page: Page, live: Live, tmp_path: Path, artifacts_dir: Path
) -> None:
    issued = _issued(live, "letter", 502)
    scan, suffix = degrade(printed(issued.pdf), "scan300", 12)
    path = tmp_path / f"quet{suffix}"
    path.write_bytes(scan)
    page.goto(f"{live.url}/verify/print")
    page.get_by_label("Hoặc chọn tệp (PDF, JPEG, PNG)").set_input_files(str(path))
    page.get_by_role("button", name="Kiểm tra bản in").click()
    expect(page.locator("#paper-verdict")).to_have_text("BẢN IN KHỚP VỚI BẢN GỐC", timeout=WAIT)
    expect(page.locator("#original-title")).to_contain_text("Kết quả")
    page.screenshot(path=str(artifacts_dir / "print-check-matches.png"), full_page=True)
