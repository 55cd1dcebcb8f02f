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


def _archive_signed(kyso: Kyso, signed: bytes, access: str = "public") -> str:
    import io

    from archive.metadata import DocumentMeta

    result = kyso.services.archive.put(
        io.BytesIO(signed),
        dossier_code="HS-2026-000123",
        meta=DocumentMeta(
            title="Giấy phép xây dựng",
            number_notation="123/GP-UBND",
            issuing_body="UBND Quận Hoàn Kiếm",
            access_level=access,  # type: ignore[arg-type]
        ),
        kind="signed",
        media_type="application/pdf",
    )
    return result.document_id


def test_hash_lookup_says_whether_the_agency_issued_a_document(kyso: Kyso) -> None:
    import hashlib

    signed = citizen_signed_pdf(kyso.services)
    document_id = _archive_signed(kyso, signed)
    digest = hashlib.sha256(signed).hexdigest()
    answer = kyso.client.post("/api/v1/verify/hash", json={"sha256": digest}).json()
    assert answer["issued"] is True and answer["document_id"] == document_id
    assert answer["number"] == "123/GP-UBND"
    other = kyso.client.post("/api/v1/verify/hash", json={"sha256": "0" * 64}).json()
    assert other == {"issued": False, "document_id": None, "title": None, "number": None,
                     "issuing_body": None, "kind": None, "stored_at": None}  # fmt: skip
    bad = kyso.client.post("/api/v1/verify/hash", json={"sha256": "xyz"})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_request"


def test_qr_landing_page_shows_the_archived_result_and_its_verdict(kyso: Kyso) -> None:
    document_id = _archive_signed(kyso, citizen_signed_pdf(kyso.services))
    page = kyso.client.get(f"/v/{document_id}")
    assert page.status_code == 200
    assert "Giấy phép xây dựng" in page.text and "HỢP LỆ" in page.text
    assert kyso.client.get("/v/d-unknown").status_code == 404


def test_restricted_documents_reveal_nothing_but_their_existence(kyso: Kyso) -> None:
    import hashlib

    signed = citizen_signed_pdf(kyso.services, cccd="079090001234")
    document_id = _archive_signed(kyso, signed, access="restricted")
    answer = kyso.client.post(
        "/api/v1/verify/hash", json={"sha256": hashlib.sha256(signed).hexdigest()}
    ).json()
    assert answer["issued"] is True and answer["title"] is None
    page = kyso.client.get(f"/v/{document_id}")
    assert "Giấy phép" not in page.text and "không công khai" in page.text
