"""The one-stop-shop flow in Chromium: a citizen gets a certificate, signs and submits a
dossier with PIN + one-time code; an official returns a signed, sealed result."""

from __future__ import annotations

import sys
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pyotp
import pytest
from playwright.sync_api import Page, expect

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "api"))
from apitools import make_pdf
from webtools import PASSWORD, Live

pytestmark = pytest.mark.browser
AGENCY = "UBND Phường Tràng Tiền"
PIN = "135790"


def _login(page: Page, live: Live, path: str, username: str) -> None:
    page.goto(f"{live.url}{path}")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()


def _logout(page: Page, username: str) -> None:
    page.get_by_role("button", name=f"Đăng xuất ({username})").click()


def test_citizen_submits_and_signs_official_returns_result(
    page: Page, live: Live, tmp_path: Path, artifacts_dir: Path
) -> None:
    pki = live.services.pki
    official = pki.issue_official("Lê Thị Hằng", "Phó Chủ tịch", AGENCY)
    pki.issue_seal(AGENCY)
    live.services.accounts.bind_certificate("official1", official.serial)

    _login(page, live, "/enrol", "citizen1")  # 1. certificate request
    page.get_by_label("Họ và tên").fill("Nguyễn Thị Hoa")
    page.get_by_label("Số CCCD (12 chữ số)").fill("001203004567")
    page.get_by_role("button", name="Gửi yêu cầu").click()
    expect(page.locator("#done")).to_contain_text("pending")
    _logout(page, "citizen1")
    _login(page, live, "/officer/enrolments", "official1")
    page.locator("tr", has_text="Nguyễn Thị Hoa").get_by_role("button", name="Phê duyệt").click()
    expect(page.locator("tr", has_text="Nguyễn Thị Hoa")).to_contain_text("issued")
    _logout(page, "official1")

    _login(page, live, "/dossiers", "citizen1")  # 2. remote-signing credential
    page.get_by_label("Chọn mã PIN (6-12 chữ số)").fill(PIN)
    page.get_by_role("button", name="Kích hoạt").click()
    uri = page.locator("#otpauth").inner_text()
    totp = pyotp.TOTP(parse_qs(urlparse(uri).query)["secret"][0])
    page.screenshot(path=str(artifacts_dir / "dossier-otp-setup.png"), full_page=True)

    application = tmp_path / "don.pdf"  # 3. sign and submit
    application.write_bytes(make_pdf("Don de nghi cap giay phep xay dung"))
    page.get_by_label("Thủ tục hành chính").fill("Cấp giấy phép xây dựng")
    page.get_by_label("Cơ quan tiếp nhận").fill(AGENCY)
    page.get_by_label("Tệp PDF").set_input_files(str(application))
    page.get_by_label("PIN", exact=True).fill(PIN)
    page.get_by_label("Mã xác thực (OTP)").fill(totp.now())
    page.get_by_role("button", name="Ký và nộp").click()
    expect(page.locator("#receipt")).to_contain_text("HỢP LỆ")
    code = page.locator("#receipt-code").inner_text()
    page.screenshot(path=str(artifacts_dir / "dossier-receipt.png"), full_page=True)
    _logout(page, "citizen1")

    _login(page, live, "/officer/dossiers", "official1")  # 4. the official's inbox
    row = page.locator(f"#d-{code}")
    expect(row).to_contain_text("HỢP LỆ")
    result = tmp_path / "kq.pdf"
    result.write_bytes(make_pdf("Giay phep xay dung so 123/GP-UBND"))
    row.get_by_label("Tệp kết quả (PDF)").set_input_files(str(result))
    row.get_by_role("button", name="Ký, đóng dấu và trả kết quả").click()
    expect(page.locator(f"#d-{code}")).to_contain_text("Đã trả kết quả")
    page.screenshot(path=str(artifacts_dir / "dossier-inbox.png"), full_page=True)
    _logout(page, "official1")

    _login(page, live, "/dossiers", "citizen1")  # 5. notified, the citizen downloads the result
    expect(page.locator("#notices")).to_contain_text(f"Hồ sơ {code}")
    with page.expect_download() as download:
        page.get_by_role("link", name="Tải kết quả").click()
    saved = tmp_path / "ket-qua.pdf"
    download.value.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF")
    page.goto(f"{live.url}/v/{code}")  # 6. anyone checks it by the QR code's address
    expect(page.locator("#dossier-status")).to_have_text("Đã trả kết quả")
    expect(page.locator("#verdict")).to_have_text("HỢP LỆ")
    page.screenshot(path=str(artifacts_dir / "dossier-public.png"), full_page=True)
