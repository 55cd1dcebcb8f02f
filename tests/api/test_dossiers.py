"""The one-stop-shop flow over the API: submit and sign, inbox, certified result, look-up."""

from __future__ import annotations

from datetime import UTC, datetime

from apitools import PIN, Kyso, citizen_credential, make_pdf

from api.dossiers import dossier_desk
from onestop.model import promised_date

AGENCY = "UBND Quận Hoàn Kiếm"


def _official_ready(kyso: Kyso) -> None:
    pki = kyso.services.pki
    official = pki.issue_official("Lê Thị Hằng", "Phó Chủ tịch", AGENCY)
    pki.issue_seal(AGENCY)
    kyso.services.accounts.bind_certificate("official1", official.serial)


def _submit(
    kyso: Kyso, credential: str, otp: str, pdf: bytes | None = None
) -> tuple[int, dict[str, object]]:
    pdf = pdf or make_pdf("Don xin cap giay phep xay dung")
    response = kyso.client.post(
        "/api/v1/dossiers",
        files={"file": ("don.pdf", pdf, "application/pdf")},
        data={
            "service": "Cấp giấy phép xây dựng",
            "agency": AGENCY,
            "credential_id": credential,
            "pin": PIN,
            "otp": otp,
        },
        headers=kyso.headers("citizen"),
    )
    return response.status_code, response.json()


def test_citizen_submits_official_returns_a_certified_result_anyone_can_check(kyso: Kyso) -> None:
    _official_ready(kyso)
    credential, totp, _serial = citizen_credential(kyso)
    status, receipt = _submit(kyso, credential, totp.now())
    assert status == 201, receipt
    code = str(receipt["code"])
    assert receipt["status"] == "submitted"
    assert receipt["submission_indication"] == "TOTAL_PASSED"
    assert str(receipt["track_url"]).endswith(f"/v/{code}")

    inbox = kyso.client.get("/api/v1/dossiers", headers=kyso.headers("official")).json()
    assert [d["code"] for d in inbox] == [code]
    tracking = kyso.client.get(f"/v/{code}")
    assert "Đang giải quyết" in tracking.text
    assert kyso.client.get(f"/qr/{code}.png").headers["content-type"] == "image/png"

    returned = kyso.client.post(
        f"/api/v1/dossiers/{code}/result",
        files={"file": ("kq.pdf", make_pdf("Giay phep xay dung so 123"), "application/pdf")},
        headers=kyso.headers("official"),
    )
    assert returned.status_code == 200, returned.text
    assert returned.json()["status"] == "returned"

    notices = kyso.client.get("/api/v1/notifications", headers=kyso.headers("citizen")).json()
    assert any(code in n["text"] and n["link"] == f"/v/{code}" for n in notices)
    result = kyso.client.get(f"/api/v1/dossiers/{code}/result.pdf", headers=kyso.headers("citizen"))
    assert result.status_code == 200
    report = kyso.client.post(
        "/api/v1/verify", files={"file": ("kq.pdf", result.content, "application/pdf")}
    ).json()
    assert report["indication"] == "TOTAL_PASSED", report
    names = str([s["signer"] for s in report["signatures"]])
    assert AGENCY in names and "Lê Thị Hằng" in names
    landing = kyso.client.get(f"/v/{code}")
    assert "Đã trả kết quả" in landing.text and "HỢP LỆ" in landing.text
    chain = (
        kyso.services.catalog.audit_log.verify()
    )  # the hash-chained audit log holds the whole flow
    assert chain.ok


def test_wrong_code_signs_nothing_and_files_nothing(kyso: Kyso) -> None:
    _official_ready(kyso)
    credential, _totp, _serial = citizen_credential(kyso)
    status, body = _submit(kyso, credential, "000000")
    assert status == 401 and body["error"]["code"] == "authorization_failed"  # type: ignore[index]
    assert kyso.client.get("/api/v1/dossiers", headers=kyso.headers("citizen")).json() == []


def test_a_pdf_whose_page_tree_qpdf_cannot_read_is_refused_not_a_500(kyso: Kyso) -> None:
    # found by fuzzing: qpdf raises QpdfRuntimeError, not pikepdf.PdfError, on this tree
    broken = (
        b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
        b"2 0 obj\n<< /Type /Pages /Kids [3 0 R 4 0 R] >>\nendobj\n"
        b"3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>\nendobj\n"
        b"4 0 obj\n42\nendobj\ntrailer\n<< /Root 1 0 R /Size 5 >>\n%%EOF\n"
    )
    _official_ready(kyso)
    credential, totp, _serial = citizen_credential(kyso)
    status, body = _submit(kyso, credential, totp.now(), broken)
    assert (status, body["error"]["code"]) == (400, "pdf_unreadable")  # type: ignore[index]
    assert kyso.client.get("/api/v1/dossiers", headers=kyso.headers("citizen")).json() == []


def test_a_dossier_is_invisible_to_other_citizens(kyso: Kyso) -> None:
    _official_ready(kyso)
    credential, totp, _serial = citizen_credential(kyso)
    _status, receipt = _submit(kyso, credential, totp.now())
    other = kyso.services.accounts.create_user(
        "citizen9", "mat-khau-rat-dai-999", kyso.services.accounts.by_username("citizen1").role, "X"
    )
    headers = {"Authorization": f"Bearer {kyso.services.accounts.issue_token(other)}"}
    assert (
        kyso.client.get(f"/api/v1/dossiers/{receipt['code']}", headers=headers).status_code == 404
    )


def test_promised_date_skips_weekends() -> None:
    friday = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)  # 10:00 in Hanoi
    assert promised_date(friday, 5).date().isoformat() == "2026-11-27"
    assert promised_date(friday, 1).strftime("%A %H:%M") == "Monday 17:00"


def test_the_landing_page_is_public_and_shows_no_personal_data(kyso: Kyso) -> None:
    _official_ready(kyso)
    credential, totp, _serial = citizen_credential(kyso)
    _status, receipt = _submit(kyso, credential, totp.now())
    code = str(receipt["code"])
    citizen = kyso.services.accounts.by_username("citizen1")
    record = dossier_desk(kyso.services).get(code, citizen)
    assert kyso.client.get(f"/api/v1/dossiers/{code}").status_code == 401  # the record: signed in
    for role in (None, "archivist", "official"):  # not signed in, no dossiers, the agency's
        page = kyso.client.get(f"/v/{code}", headers=kyso.headers(role))
        assert page.status_code == 200
        assert "Đang giải quyết" in page.text and "Cấp giấy phép xây dựng" in page.text
        assert "citizen1" not in page.text and record.submission_document not in page.text
