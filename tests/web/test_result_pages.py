"""The official's result-from-a-template page in Chromium: choose a template, fill it,
preview (no number taken), issue (numbered, sealed, signed); the citizen downloads it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy.orm import sessionmaker

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "onestop"))
from desk_fakes import a_dossier
from test_dossier_flow import AGENCY, _login
from webtools import Live

from api.dossiers import SqlDossiers

pytestmark = pytest.mark.browser


def _text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "page.pdf"
    path.write_bytes(pdf)
    done = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, timeout=30, check=True
    )
    return done.stdout.decode()


def test_an_official_fills_a_letter_previews_it_and_issues_it_numbered(
    page: Page, live: Live, tmp_path: Path, artifacts_dir: Path
) -> None:
    pki = live.services.pki
    official = pki.issue_official("Lê Thị Hằng", "Chánh Văn phòng", AGENCY)
    pki.issue_seal(AGENCY)
    live.services.accounts.bind_certificate("official1", official.serial)
    dossiers = SqlDossiers(sessionmaker(live.services.engine, expire_on_commit=False))
    dossiers.add(a_dossier("HSWEB0000001", agency=AGENCY))

    _login(page, live, "/officer/dossiers", "official1")
    page.locator("#d-HSWEB0000001").get_by_role("link", name="Soạn kết quả theo mẫu").click()
    page.get_by_label("Mẫu văn bản").select_option("letter")
    page.get_by_role("button", name="Chọn mẫu").click()
    page.get_by_label("Địa danh (place)").fill("Hà Nội")
    page.get_by_label("Chức vụ người ký (title, e.g. CHỦ TỊCH)").fill("Chánh Văn phòng")
    page.get_by_label("Quyền hạn ký (e.g. TM. ỦY BAN NHÂN DÂN, KT. CHỦ TỊCH)").fill("TL. Chủ tịch")
    page.get_by_label("Nội dung (one paragraph a line)").fill(
        "Ủy ban nhân dân phường đã nhận hồ sơ của ông (bà) {citizen}.\n"
        "Đề nghị ông (bà) đến nhận kết quả."
    )
    with page.context.expect_page() as opened:
        page.get_by_role("button", name="Xem trước (PDF)").click()
    preview = opened.value
    preview.wait_for_load_state()
    fetched = page.request.post(
        f"{live.url}/officer/dossiers/HSWEB0000001/template/preview",
        form={
            "csrf_token": page.locator("input[name=csrf_token]").first.input_value(),
            "template": "letter",
            "f_place": "Hà Nội",
            "f_signer_title": "Chánh Văn phòng",
        },
    )
    assert preview.url.endswith("/template/preview")
    assert fetched.headers["content-type"] == "application/pdf"
    assert "CHƯA CẤP SỐ" in _text(fetched.body(), tmp_path)
    preview.close()
    page.screenshot(path=str(artifacts_dir / "result-template-form.png"), full_page=True)

    page.get_by_role("button", name="Cấp số, ký, đóng dấu và trả kết quả").click()
    expect(page.locator("#issued")).to_contain_text("01/UBND-VP")
    with page.expect_download() as download:
        page.get_by_role("link", name="Tải kết quả").click()
    signed = Path(download.value.path()).read_bytes()
    text = _text(signed, tmp_path)
    assert "Số: 01/UBND-VP" in text and "Người dùng" in text  # the live fixture's names
    assert "Đề nghị ông (bà) đến nhận kết quả." in text
    page.goto(f"{live.url}/v/HSWEB0000001")
    expect(page.locator("body")).to_contain_text("Đã trả kết quả")
