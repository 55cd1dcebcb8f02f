"""Metrics and readiness as an operator sees them."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from apitools import Kyso, citizen_signed_pdf, make_kyso, metric_value, scan_image

from api.settings import Settings
from archive.metadata import DocumentMeta

TOKEN = "prometheus-scrape-token-0123"


@pytest.fixture
def kyso(tmp_path: Path) -> Iterator[Kyso]:
    """A service that serves /metrics (KYSO_METRICS_TOKEN set)."""
    app = make_kyso(tmp_path, Settings(data_dir=tmp_path / "data", metrics_token=TOKEN))
    yield app
    app.services.close()


def _scrape(kyso: Kyso) -> str:
    answer = kyso.client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert answer.status_code == 200, answer.text
    return answer.text


def test_metrics_count_requests_and_verifications_by_indication(kyso: Kyso) -> None:
    kyso.client.get("/health")
    kyso.client.post(
        "/api/v1/verify",
        files={"file": ("a.pdf", citizen_signed_pdf(kyso.services), "application/pdf")},
    )
    text = _scrape(kyso)
    assert 'kyso_http_requests_total{method="GET",route="/health",status="200"} 1.0' in text
    assert 'kyso_verifications_total{indication="TOTAL_PASSED"} 1.0' in text
    assert "kyso_job_queue_depth 0.0" in text


def test_metrics_count_ocr_pages_and_jobs_run_in_the_api_process(kyso: Kyso) -> None:
    before = _scrape(kyso)
    answer = kyso.client.post(
        "/api/v1/archive/scans",
        files={"file": ("s.tif", scan_image(["QUYẾT ĐỊNH số 5"], pages=2, fmt="TIFF"))},
        headers=kyso.headers("archivist"),
    )
    assert kyso.services.jobs.wait(answer.json()["job_id"], 120).status == "succeeded"
    after = _scrape(kyso)
    for name, labels in [
        ("kyso_ocr_pages_total", {}),
        ("kyso_jobs_total", {"kind": "ocr.digitise", "status": "succeeded"}),
    ]:
        grown = metric_value(after, name, **labels) - metric_value(before, name, **labels)
        assert grown == (2 if name == "kyso_ocr_pages_total" else 1), name


def test_fixity_failures_of_the_last_audit_are_exported(kyso: Kyso) -> None:
    archive = kyso.services.archive
    stored = archive.put(
        io.BytesIO(b"ban goc"), dossier_code="HS-1", meta=DocumentMeta(title="Bản gốc"),
        media_type="text/plain",
    ).version  # fmt: skip
    path = archive.store.root / stored.storage_key  # type: ignore[attr-defined]
    path.chmod(0o644)
    path.write_bytes(b"ban goX")  # a flipped byte on disk
    jobs = kyso.services.jobs
    jobs.wait(jobs.submit("archive.audit", {"sample": 1.0}), 60)
    assert "kyso_fixity_failures_last_audit 1.0" in _scrape(kyso)


def test_ready_checks_every_backend(kyso: Kyso) -> None:
    response = kyso.client.get("/ready")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {
            "data_disk": "ok",
            "database": "ok",
            "object_store": "ok",
            "queue": "ok",
            "key_store": "ok",
        },
    }


def test_ready_says_503_and_why_when_the_object_store_is_gone(kyso: Kyso) -> None:
    import shutil

    shutil.rmtree(kyso.services.archive.store.root / "tmp")  # type: ignore[attr-defined]
    response = kyso.client.get("/ready")
    assert response.status_code == 503
    assert response.json()["checks"]["object_store"] == "archive_store_unavailable"


def test_every_log_line_of_a_request_carries_its_request_id(
    kyso: Kyso, caplog: pytest.LogCaptureFixture
) -> None:
    import json
    import logging

    from api.logs import JsonFormatter, RequestIdFilter

    caplog.set_level(logging.INFO)
    caplog.handler.addFilter(RequestIdFilter())
    response = kyso.client.post(
        "/api/v1/enrolments",
        json={"full_name": "Nguyễn Thị Hoa", "cccd": "001203004567"},
        headers={**kyso.headers("citizen"), "X-Request-ID": "abc123"},
    )
    assert response.headers["X-Request-ID"] == "abc123"
    mine = [r for r in caplog.records if getattr(r, "request_id", "-") == "abc123"]
    assert any("enrolment" in r.getMessage() for r in mine)
    line = json.loads(JsonFormatter().format(mine[0]))
    assert line["request_id"] == "abc123" and line["level"] == "INFO"
    generated = kyso.client.get("/health").headers["X-Request-ID"]
    assert len(generated) == 16 and generated != "abc123"
