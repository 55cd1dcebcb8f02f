from __future__ import annotations

from apitools import Kyso, citizen_signed_pdf, tampered


def _verify(kyso: Kyso, data: bytes, name: str = "hoso.pdf") -> tuple[int, dict[str, object]]:
    response = kyso.client.post("/api/v1/verify", files={"file": (name, data, "application/pdf")})
    return response.status_code, response.json()


def test_a_citizen_signed_pdf_verifies_as_total_passed(kyso: Kyso) -> None:
    status, report = _verify(kyso, citizen_signed_pdf(kyso.services))
    assert status == 200
    assert report["indication"] == "TOTAL_PASSED", report
    signatures = report["signatures"]
    assert isinstance(signatures, list) and len(signatures) == 1
    assert "Nguyễn Thị Hoa" in str(signatures[0])
    assert "001203004567" not in str(report)  # the CCCD is masked in reports


def test_a_tampered_pdf_is_total_failed(kyso: Kyso) -> None:
    status, report = _verify(kyso, tampered(citizen_signed_pdf(kyso.services)))
    assert status == 200
    assert report["indication"] == "TOTAL_FAILED"


def test_not_a_pdf_and_too_large_uploads_get_clear_errors(kyso: Kyso) -> None:
    status, body = _verify(kyso, b"GIF89a not a pdf")
    assert status == 400 and body["error"] == {
        "code": "not_a_pdf",
        "message": "the file is not a PDF",
    }
    big = kyso.client.post(
        "/api/v1/verify",
        content=b"x" * 10,
        headers={"Content-Type": "application/pdf", "Content-Length": str(2 * 1024**3)},
    )
    assert big.status_code == 413 and big.json()["error"]["code"] == "upload_too_large"


def test_pages_carry_security_headers(kyso: Kyso) -> None:
    response = kyso.client.get("/verify")
    assert response.status_code == 200
    assert response.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "Xác minh tài liệu" in response.text
