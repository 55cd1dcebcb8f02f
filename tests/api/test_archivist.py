"""The archivist's desk over the API: scan -> OCR job -> review -> archive -> search."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from apitools import Kyso, make_kyso, scan_image

from api.settings import Settings

LINES = [
    "ỦY BAN NHÂN DÂN          CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "QUẬN HOÀN KIẾM                 Độc lập - Tự do - Hạnh phúc",
    "Số: 123/QĐ-UBND          Hà Nội, ngày 05 tháng 3 năm 2024",
    "",
    "QUYẾT ĐỊNH",
    "Về việc cấp giấy phép xây dựng nhà ở riêng lẻ",
]


def scan_png() -> bytes:
    return scan_image(LINES, size=(2480, 1200))


def _digitised(kyso: Kyso) -> tuple[str, dict[str, Any]]:
    """A scan uploaded by the archivist and its OCR job done: (scan id, its state)."""
    archivist = kyso.headers("archivist")
    started = kyso.client.post(
        "/api/v1/archive/scans",
        files={"file": ("qd-123.png", scan_png(), "image/png")},
        headers=archivist,
    )
    assert started.status_code == 202, started.text
    scan_id = started.json()["scan_id"]
    kyso.services.jobs.wait(started.json()["job_id"], 180)
    state = kyso.client.get(f"/api/v1/archive/scans/{scan_id}", headers=archivist).json()
    assert state["status"] == "succeeded", state
    return scan_id, state


def test_a_scan_is_digitised_reviewed_archived_and_found(kyso: Kyso) -> None:
    archivist = kyso.headers("archivist")
    scan_id, state = _digitised(kyso)
    suggested = state["result"]["metadata"]
    assert suggested["number_notation"]["value"] == "123/QĐ-UBND"
    assert suggested["document_type"]["value"].lower().startswith("quyết định")
    assert state["result"]["page_details"][0]["confidence"] > 50

    archived = kyso.client.post(
        f"/api/v1/archive/scans/{scan_id}/archive",
        json={
            "dossier_code": "HS-1990-001",
            "title": "Quyết định cấp giấy phép xây dựng",
            "number_notation": suggested["number_notation"]["value"],
            "document_type": "Quyết định",
            "issue_date": "2024-03-05",
            "access_level": "internal",
            "paper_code": "PHONG-01/HS-1990-001",
            "physical_condition": "giấy ố vàng",
        },
        headers=archivist,
    )
    assert archived.status_code == 201, archived.text
    document_id = archived.json()["document_id"]
    versions = kyso.services.archive.catalog.document(document_id).versions
    assert [v.kind for v in versions] == ["original", "ocr"]

    found = kyso.client.get(
        "/api/v1/archive/search", params={"q": "giay phep xay dung"}, headers=archivist
    )
    assert [h["document_id"] for h in found.json()] == [document_id]
    by_text = kyso.client.get(
        "/api/v1/archive/search", params={"q": "nha o rieng le"}, headers=archivist
    )
    assert [h["document_id"] for h in by_text.json()] == [document_id]  # OCR text is searchable
    anonymous = kyso.client.get("/api/v1/archive/search", params={"q": "giay phep xay dung"})
    assert anonymous.json() == []  # internal documents are not public


def test_unsupported_and_empty_scans_are_refused(kyso: Kyso) -> None:
    archivist = kyso.headers("archivist")
    exe = kyso.client.post(
        "/api/v1/archive/scans",
        files={"file": ("x.exe", b"MZ", "application/x")},
        headers=archivist,
    )
    assert exe.status_code == 400 and exe.json()["error"]["code"] == "scan_type_unsupported"
    empty = kyso.client.post(
        "/api/v1/archive/scans", files={"file": ("a.png", b"", "image/png")}, headers=archivist
    )
    assert empty.status_code == 400 and empty.json()["error"]["code"] == "scan_empty"
    assert kyso.client.get("/api/v1/archive/scans/scan_nope", headers=archivist).status_code == 404


def test_a_scan_is_digitised_with_the_default_relative_data_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``make run``'s data dir is ``var``, relative to the current folder: the OCR job found
    its scan at ``var/var/scans/...`` and failed every upload with ocr_unsupported_input."""
    monkeypatch.chdir(tmp_path)
    kyso = make_kyso(tmp_path, Settings(data_dir=Path("var")))
    _scan_id, state = _digitised(kyso)
    assert state["result"]["pages"] == 1
