"""Keeping the archive over the API: disposal by two people, fixity audit reports."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

from apitools import Kyso, archive_on_clock

from archive.metadata import DocumentMeta
from common.clock import FrozenClock


def test_disposal_needs_ended_retention_and_a_second_person(kyso: Kyso) -> None:
    clock = FrozenClock(datetime(2020, 1, 1, tzinfo=UTC))
    kyso.services = archive_on_clock(kyso.client.app, kyso.services, clock)
    document = kyso.services.archive.put(
        io.BytesIO(b"so dang ky cong van den 2019"),
        dossier_code="HS-2019-9",
        meta=DocumentMeta(title="Sổ đăng ký công văn đến", retention="1"),
        media_type="text/plain",
    ).document_id
    archivist, auditor = kyso.headers("archivist"), kyso.headers("auditor")
    body = {"document_id": document, "reason": "hết thời hạn bảo quản"}
    early = kyso.client.post("/api/v1/archive/disposals", json=body, headers=archivist)
    assert early.status_code == 409 and early.json()["error"]["code"] == "archive_retention_active"
    clock.advance(timedelta(days=800))
    proposed = kyso.client.post("/api/v1/archive/disposals", json=body, headers=archivist)
    assert proposed.status_code == 201, proposed.text
    proposal = proposed.json()["id"]
    same = kyso.client.post(f"/api/v1/archive/disposals/{proposal}/approve", headers=archivist)
    assert same.status_code == 403
    approved = kyso.client.post(f"/api/v1/archive/disposals/{proposal}/approve", headers=auditor)
    assert approved.status_code == 200 and approved.json()["approved_by"] == "auditor1"
    assert kyso.services.archive.catalog.document(document).disposed_at is not None


def test_fixity_audit_reports_are_listed(kyso: Kyso) -> None:
    kyso.services.archive.put(
        io.BytesIO(b"ban goc"), dossier_code="HS-1", meta=DocumentMeta(title="Bản gốc"),
        media_type="text/plain",
    )  # fmt: skip
    started = kyso.client.post(
        "/api/v1/archive/audits", json={"sample": 1.0}, headers=kyso.headers("archivist")
    ).json()
    kyso.services.jobs.wait(started["id"], 60)
    runs = kyso.client.get("/api/v1/archive/audits", headers=kyso.headers("auditor")).json()
    assert len(runs) == 1 and runs[0]["checked"] == 1 and runs[0]["problems"] == []


def test_archivist_creates_a_dossier_with_its_circular_05_fields(kyso: Kyso) -> None:
    body = {
        "code": "HS-1990-001",
        "title": "Hồ sơ cấp phép xây dựng năm 1990",
        "fonds_code": "PHONG-UBND-HK",
        "retention": "permanent",
        "access_level": "internal",
        "start_date": "1990-01-05",
        "end_date": "1990-12-28",
        "keywords": ["xây dựng", "giấy phép"],
        "sheet_count": 48,
        "physical_condition": "giấy ố vàng, còn đọc được",
        "paper_original_code": "PHONG-UBND-HK/1990/001",
    }
    archivist = kyso.headers("archivist")
    created = kyso.client.post("/api/v1/archive/dossiers", json=body, headers=archivist)
    assert created.status_code == 201, created.text
    stored = kyso.client.get("/api/v1/archive/dossiers/HS-1990-001", headers=archivist).json()
    assert stored["paper_original_code"] == "PHONG-UBND-HK/1990/001"
    assert stored["keywords"] == ["xây dựng", "giấy phép"] and stored["sheet_count"] == 48
    again = kyso.client.post("/api/v1/archive/dossiers", json=body, headers=archivist)
    assert again.status_code == 409
    bad = kyso.client.post(
        "/api/v1/archive/dossiers",
        json={**body, "code": "HS-2", "end_date": "1989-01-01"},
        headers=archivist,
    )
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "archive_bad_dates"
