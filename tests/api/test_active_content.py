"""PDFs with active content (JavaScript, /AA, launch, links, attachments, RichMedia) through
the service: verification, signing (dossier submission and result), OCR intake and archive
ingest run and follow none of it, reports say it is there, and every route that sends a stored
or uploaded PDF back sends a sandboxed attachment, never something shown inline."""

from __future__ import annotations

from collections.abc import Iterator
from email.message import Message
from urllib.parse import unquote

import pytest
from apitools import PIN, Kyso, all_routes, citizen_credential, make_pdf
from fastapi.routing import APIRoute
from test_dossiers import AGENCY, _official_ready

from api.deps import CSRF_COOKIE, SESSION_COOKIE
from tests.verify.pdftraps import CODES, HitServer, active_pdf, hit_server
from verify.active import scan_bytes

#: every route that sends a stored or uploaded PDF back (the test below fails on a new one)
PDF_DOWNLOADS = {"/api/v1/dossiers/{code}/result.pdf", "/dossiers/{code}/result.pdf"}


@pytest.fixture
def server() -> Iterator[HitServer]:
    with hit_server() as running:
        yield running


def _codes(report: dict[str, object]) -> set[str]:
    findings = list(report["findings"])  # type: ignore[call-overload]
    for signature in report["signatures"]:  # type: ignore[attr-defined]
        findings += signature["findings"]
    return {f["code"] for f in findings}


def test_verification_reports_active_content_and_follows_none_of_it(
    kyso: Kyso, server: HitServer
) -> None:
    data = active_pdf(make_pdf(), server.url)
    response = kyso.client.post(
        "/api/v1/verify", files={"file": ("hoso.pdf", data, "application/pdf")}
    )
    assert response.status_code == 200, response.text
    assert set(CODES.values()) <= _codes(response.json())
    kyso.client.cookies.set(CSRF_COOKIE, "t")
    page = kyso.client.post(
        "/verify?lang=en",
        files={"file": ("hoso.pdf", data, "application/pdf")},
        data={"csrf_token": "t"},
    )
    assert page.status_code == 200
    assert "contains JavaScript" in page.text and "launch.exe" in page.text
    assert server.hits == []


def _assert_attachment(response: object, code: str) -> None:
    headers = response.headers  # type: ignore[attr-defined]
    assert response.status_code == 200, response.text  # type: ignore[attr-defined]
    assert headers["content-type"] == "application/pdf"
    disposition = headers["content-disposition"]
    assert disposition.startswith("attachment;") and "inline" not in disposition
    assert not set(disposition) & {"\r", "\n", "\x00"}
    parsed = Message()
    parsed["content-disposition"] = disposition
    assert parsed.get_filename() == f"{code}.pdf"
    assert f"filename*=UTF-8''{code}.pdf" in disposition
    policies = headers.get_list("content-security-policy")
    assert len(policies) == 1 and "sandbox" in policies[0].split(";")[0], policies
    assert "default-src 'none'" in policies[0]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"


def test_signing_and_archiving_active_pdfs_follow_nothing_and_results_download_as_attachments(
    kyso: Kyso, server: HitServer
) -> None:
    _official_ready(kyso)
    credential, totp, _serial = citizen_credential(kyso)
    submitted = kyso.client.post(
        "/api/v1/dossiers",
        files={"file": ("don.pdf", active_pdf(make_pdf(), server.url), "application/pdf")},
        data={"service": "Cấp giấy phép xây dựng", "agency": AGENCY,
              "credential_id": credential, "pin": PIN, "otp": totp.now()},
        headers=kyso.headers("citizen"),
    )  # fmt: skip
    assert submitted.status_code == 201, submitted.text
    # the archive verified what it stored: the signature covers the scripts, no change after
    assert submitted.json()["submission_indication"] == "TOTAL_PASSED"
    code = submitted.json()["code"]
    returned = kyso.client.post(
        f"/api/v1/dossiers/{code}/result",
        files={
            "file": ("kq.pdf", active_pdf(make_pdf("Giay phep"), server.url), "application/pdf")
        },
        headers=kyso.headers("official"),
    )
    assert returned.status_code == 200, returned.text

    api = kyso.client.get(f"/api/v1/dossiers/{code}/result.pdf", headers=kyso.headers("citizen"))
    _assert_attachment(api, code)
    session = kyso.services.accounts.issue_token(
        kyso.services.accounts.by_username("citizen1"), "session"
    )
    kyso.client.cookies.set(SESSION_COOKIE, session)
    page = kyso.client.get(f"/dossiers/{code}/result.pdf")
    kyso.client.cookies.clear()
    _assert_attachment(page, code)
    assert page.content == api.content

    report = kyso.client.post(
        "/api/v1/verify", files={"file": ("kq.pdf", api.content, "application/pdf")}
    ).json()
    assert report["indication"] == "TOTAL_PASSED", report
    codes = _codes(report)
    assert {"active_javascript", "active_launch", "active_embedded_files"} <= codes
    assert "active_content_added" not in codes
    landing = kyso.client.get(f"/v/{code}")
    assert landing.status_code == 200 and "JavaScript" in landing.text
    assert server.hits == []


def test_ocr_intake_follows_nothing_and_its_pdfa_copy_carries_no_active_content(
    kyso: Kyso, server: HitServer
) -> None:
    archivist = kyso.headers("archivist")
    source = active_pdf(make_pdf(), server.url)
    started = kyso.client.post(
        "/api/v1/archive/scans",
        files={"file": ("ho-so-cu.pdf", source, "application/pdf")},
        headers=archivist,
    )
    assert started.status_code == 202, started.text
    kyso.services.jobs.wait(started.json()["job_id"], 180)
    scan_id = started.json()["scan_id"]
    state = kyso.client.get(f"/api/v1/archive/scans/{scan_id}", headers=archivist).json()
    assert state["status"] == "succeeded", state["error"]
    archived = kyso.client.post(
        f"/api/v1/archive/scans/{scan_id}/archive",
        json={"dossier_code": "HS-1990-007", "title": "Hồ sơ có mã chạy", "access_level": "public"},
        headers=archivist,
    )
    assert archived.status_code == 201, archived.text
    document_id = archived.json()["document_id"]
    original = b"".join(kyso.services.archive.read(document_id, 1)[1])
    assert original == source  # the original is kept unchanged, scripts and all
    copy = b"".join(kyso.services.archive.read(document_id, 2)[1])
    # the searchable PDF/A copy: no script, launch, attachment, multimedia (ISO 19005-2 §6)
    assert {item.kind for item in scan_bytes(copy)} <= {"link"}
    assert server.hits == []


def test_every_pdf_download_route_is_known_and_checked(kyso: Kyso) -> None:
    """A route sending PDFs back must be added to PDF_DOWNLOADS (and to the test above)."""
    getters = {
        path
        for path, route in all_routes(kyso.client.app)
        if isinstance(route, APIRoute) and "GET" in route.methods
    }
    assert "/api/v1/me" in getters and "/verify" in getters  # the walk sees every router
    assert getters >= PDF_DOWNLOADS
    suspicious = {p for p in getters if ".pdf" in p or "download" in p or "file" in p}
    assert suspicious == PDF_DOWNLOADS


def test_the_download_name_is_a_safe_attachment_whatever_it_is_given() -> None:
    from api.downloads import content_disposition

    for name in (
        "../../etc/passwd", "..\\..\\x.pdf", "/etc/shadow", "a\x00b.pdf", 'x"; filename=evil.exe',
        "kq.pdf\r\nSet-Cookie: kyso_session=stolen", "hoá\u202egnp.pdf", "d" * 1000 + ".pdf",
        "Quyết định số 123.pdf", "Quye\u0302\u0301t đi\u0323nh.pdf", "", "....",
    ):  # fmt: skip
        header = content_disposition(name)
        assert header.isascii() and header.startswith('attachment; filename="')
        assert not set(header) & {"\r", "\n", "\x00", "\u202e"}
        fallback = header.split('filename="', 1)[1].split('"', 1)[0]
        assert fallback and "/" not in fallback and "\\" not in fallback and ".." not in fallback
        utf8 = unquote(header.split("filename*=UTF-8''", 1)[1])
        assert utf8 == utf8.strip() and "/" not in utf8 and "\\" not in utf8
        assert not set(utf8) & {"\r", "\n", "\x00", "\u202e", '"'} and len(utf8) <= 120
        assert not utf8.startswith(".")
    composed = unquote(content_disposition("Quye\u0302\u0301t đi\u0323nh.pdf").split("''")[1])
    assert composed == "Quyết định.pdf"  # NFC: what the user typed, composed
    assert 'filename="Quyet_dinh.pdf"' in content_disposition("Quyết định.pdf")
    assert content_disposition("d" * 1000 + ".pdf").endswith(".pdf")
