"""The pages as people use them, in Chromium; screenshots go to test-artifacts/."""

from __future__ import annotations

import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "api"))
from apitools import citizen_signed_pdf, tampered
from webtools import PASSWORD, Live

pytestmark = pytest.mark.browser


def _upload(page: Page, live: Live, tmp_path: Path, data: bytes, name: str) -> None:
    pdf = tmp_path / name
    pdf.write_bytes(data)
    page.goto(f"{live.url}/verify")
    expect(page.get_by_role("heading", name="Xác minh tài liệu")).to_be_visible()
    page.get_by_label("Tệp PDF").set_input_files(str(pdf))
    page.get_by_role("button", name="Kiểm tra").click()


def test_verification_page_says_valid_for_a_signed_pdf_and_not_valid_when_tampered(
    page: Page, live: Live, tmp_path: Path, artifacts_dir: Path
) -> None:
    # Playwright's sync API runs an event loop in this thread: sign in another one
    with ThreadPoolExecutor(1) as pool:
        signed = pool.submit(citizen_signed_pdf, live.services).result()
    _upload(page, live, tmp_path, signed, "hop-le.pdf")
    expect(page.locator("#verdict")).to_have_text("HỢP LỆ")
    report = page.frame_locator("iframe.report")
    expect(report.get_by_text("Nguyễn Thị Hoa").first).to_be_visible()
    page.screenshot(path=str(artifacts_dir / "verify-valid.png"), full_page=True)

    _upload(page, live, tmp_path, tampered(signed), "bi-sua.pdf")
    expect(page.locator("#verdict")).to_have_text("KHÔNG HỢP LỆ")
    page.screenshot(path=str(artifacts_dir / "verify-tampered.png"), full_page=True)

    page.goto(f"{live.url}/verify?lang=en")
    expect(page.get_by_role("heading", name="Verify a document")).to_be_visible()


def test_a_refused_upload_is_explained_in_the_pages_language(
    page: Page, live: Live, tmp_path: Path
) -> None:
    _upload(page, live, tmp_path, b"day khong phai PDF", "ghi-chu.pdf")
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Lỗi: tệp không phải là PDF [")
    page.goto(f"{live.url}/verify?lang=en")
    page.get_by_label("PDF file").set_input_files(str(tmp_path / "ghi-chu.pdf"))
    page.get_by_role("button", name="Check").click()
    expect(page.get_by_role("alert")).to_contain_text("not a PDF [")
    expect(page.get_by_role("alert")).not_to_contain_text("tệp không phải")


def test_citizen_requests_a_certificate_and_an_official_approves_it(
    page: Page, live: Live, artifacts_dir: Path
) -> None:
    page.goto(f"{live.url}/enrol")
    page.get_by_label("Tên đăng nhập").fill("citizen1")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.get_by_label("Họ và tên").fill("Trần Thị Mai")
    page.get_by_label("Số CCCD (12 chữ số)").fill("001190004321")
    page.get_by_label("Số điện thoại").fill("0987654321")
    page.get_by_role("button", name="Gửi yêu cầu").click()
    expect(page.locator("#done")).to_contain_text("pending")
    page.screenshot(path=str(artifacts_dir / "enrol-requested.png"), full_page=True)
    page.get_by_role("button", name="Đăng xuất (citizen1)").click()

    page.goto(f"{live.url}/officer/enrolments")
    page.get_by_label("Tên đăng nhập").fill("official1")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    row = page.locator("tr", has_text="Trần Thị Mai")
    expect(row).to_contain_text("001******321")
    row.get_by_role("button", name="Phê duyệt").click()
    expect(page.locator("tr", has_text="Trần Thị Mai")).to_contain_text("issued")
    page.screenshot(path=str(artifacts_dir / "enrol-approved.png"), full_page=True)
    issued = live.services.pki.active_for_cccd("001190004321")
    assert issued is not None and issued.common_name == "Trần Thị Mai"


def test_a_form_post_without_the_csrf_token_is_refused(page: Page, live: Live) -> None:
    page.goto(f"{live.url}/login")
    response = page.request.post(
        f"{live.url}/login", form={"username": "citizen1", "password": PASSWORD}
    )
    assert response.status == 403
    assert response.json()["error"]["code"] == "csrf_failed"


def test_the_api_docs_render_in_the_browser_under_kysos_csp(page: Page, live: Live) -> None:
    """/docs shows the API's operations, with no script blocked by the Content-Security-Policy
    and nothing fetched from another host (a city network may have no internet)."""
    blocked: list[str] = []
    page.on("console", lambda message: blocked.append(message.text))
    elsewhere: list[str] = []
    page.on(
        "request",
        lambda request: None if request.url.startswith(live.url) else elsewhere.append(request.url),
    )
    page.goto(f"{live.url}/docs")
    expect(page.locator(".opblock-summary-path", has_text="/api/v1/verify").first).to_be_visible()
    assert [text for text in blocked if "Content Security Policy" in text] == []
    assert elsewhere == []
