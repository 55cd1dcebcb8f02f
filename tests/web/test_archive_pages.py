"""The archivist in Chromium: upload a scan, watch the OCR job, review, archive, search."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "api"))
from test_archivist import scan_png
from webtools import PASSWORD, Live

pytestmark = pytest.mark.browser


def test_archivist_digitises_reviews_archives_and_finds_a_decision(
    page: Page, live: Live, tmp_path: Path, artifacts_dir: Path
) -> None:
    page.goto(f"{live.url}/login?next=/archive")
    page.get_by_label("Tên đăng nhập").fill("archivist1")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    scan = tmp_path / "qd-123.png"
    scan.write_bytes(scan_png())
    page.get_by_label("Tệp scan (PDF, TIFF, JPEG, PNG)").set_input_files(str(scan))
    page.get_by_role("button", name="Số hoá", exact=True).click()
    expect(page.locator("#progress")).to_contain_text("Đã nhận dạng xong", timeout=120_000)
    expect(page.get_by_label("Số, ký hiệu")).to_have_value("123/QĐ-UBND")
    page.screenshot(path=str(artifacts_dir / "archive-review.png"), full_page=True)
    page.get_by_label("Mã hồ sơ", exact=True).fill("HS-1990-001")
    page.get_by_label("Trích yếu / tiêu đề").fill("Quyết định cấp giấy phép xây dựng")
    page.get_by_label("Mã hồ sơ giấy gốc").fill("PHONG-01/HS-1990-001")
    page.get_by_role("button", name="Lưu trữ", exact=True).click()
    expect(page.locator("#archived")).to_contain_text("Đã lưu trữ")
    page.get_by_label("Tìm kiếm (không cần dấu)").fill("giay phep xay dung")
    page.get_by_role("button", name="Tìm", exact=True).click()
    expect(page.locator("#hits")).to_contain_text("Quyết định cấp giấy phép xây dựng")
    page.screenshot(path=str(artifacts_dir / "archive-search.png"), full_page=True)


def _sign_in(page: Page, live: Live, username: str) -> None:
    page.goto(f"{live.url}/login?next=/archive/keeping")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()


def test_fixity_audit_and_two_person_disposal_in_the_browser(
    page: Page, live: Live, artifacts_dir: Path
) -> None:
    import io
    from datetime import UTC, datetime, timedelta

    from apitools import archive_on_clock

    from archive.metadata import DocumentMeta
    from common.clock import FrozenClock

    clock = FrozenClock(datetime(2020, 1, 1, tzinfo=UTC))
    live.services = archive_on_clock(live.app, live.services, clock)
    document = live.services.archive.put(
        io.BytesIO(b"so cong van den 2019"),
        dossier_code="HS-2019-9",
        meta=DocumentMeta(title="Sổ công văn đến", retention="1"),
        media_type="text/plain",
    ).document_id
    clock.advance(timedelta(days=800))

    _sign_in(page, live, "archivist1")
    page.get_by_role("button", name="Kiểm tra ngay").click()
    for _ in range(60):  # the audit runs as a background job: reload until its report shows
        if page.locator("#audits tbody tr").count():
            break
        page.wait_for_timeout(500)
        page.reload()
    expect(page.locator("#audits tbody tr").first).to_contain_text("1")
    page.get_by_label("Mã tài liệu").fill(document)
    page.get_by_label("Lý do").fill("hết thời hạn bảo quản")
    page.get_by_role("button", name="Đề nghị huỷ").click()
    expect(page.locator("#proposals")).to_contain_text("proposed")
    expect(page.locator("#proposals").get_by_role("button", name="Phê duyệt")).to_have_count(0)
    page.get_by_role("button", name="Đăng xuất (archivist1)").click()

    _sign_in(page, live, "auditor1")
    page.locator("#proposals").get_by_role("button", name="Phê duyệt").click()
    expect(page.locator("#proposals")).to_contain_text("executed")
    page.screenshot(path=str(artifacts_dir / "archive-keeping.png"), full_page=True)
    assert live.services.archive.catalog.document(document).disposed_at is not None
