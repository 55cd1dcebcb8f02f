"""Redis (the Celery broker and result store) crashes while a worker is OCRing a scan: the
service refuses new work with ``queue_unavailable`` instead of half-accepting it, the job
finishes once Redis is back, and the scan is archived whole."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from faulttools import (
    PrivateRedis,
    assert_archive_sound,
    assert_scan_archived,
    start_worker,
    stop_process_group,
)

from api.jobs.base import JobInfo
from api.settings import Settings
from tests.api.apitools import Kyso, make_kyso, scan_image

pytestmark = [pytest.mark.faults, pytest.mark.redis, pytest.mark.slow]
LINES = ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "QUYẾT ĐỊNH số 7"]


def _upload(kyso: Kyso, image: bytes) -> tuple[int, dict[str, object]]:
    answer = kyso.client.post(
        "/api/v1/archive/scans",
        files={"file": ("scan.tif", image)},
        headers=kyso.headers("archivist"),
    )
    body: dict[str, object] = answer.json()
    return answer.status_code, body


def _wait(kyso: Kyso, scan_id: object, seconds: float, log: Path) -> JobInfo:
    deadline = time.monotonic() + seconds
    while True:
        state = kyso.client.get(
            f"/api/v1/archive/scans/{scan_id}", headers=kyso.headers("archivist")
        ).json()
        job = JobInfo("", "", state["status"], state["done"], state["total"], state["result"])
        if job.status in ("succeeded", "failed") or time.monotonic() > deadline:
            assert job.status == "succeeded", (state, log.read_text()[-3000:])
            return job
        time.sleep(0.2)


def test_redis_crash_mid_ocr_job_refuses_new_work_then_finishes_the_job(
    tmp_path: Path, private_redis: PrivateRedis
) -> None:
    data = tmp_path / "data"
    settings = Settings(
        data_dir=data, queue="celery", redis_url=private_redis.url, job_visibility_timeout=5
    )
    kyso = make_kyso(tmp_path, settings)
    log = tmp_path / "worker.log"
    env = {
        "KYSO_DATA_DIR": str(data),
        "KYSO_QUEUE": "celery",
        "KYSO_REDIS_URL": private_redis.url,
        "KYSO_JOB_VISIBILITY_TIMEOUT": "5",
    }
    worker = start_worker(env, log)
    try:
        first = scan_image(LINES, pages=4, fmt="TIFF")
        status, started = _upload(kyso, first)
        assert status == 202, started
        deadline = time.monotonic() + 120
        while kyso.services.jobs.info(str(started["job_id"])).done < 1:  # mid-job
            assert time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.1)
        private_redis.crash()

        second = scan_image([*LINES, "Phụ lục"], fmt="TIFF")
        status, refused = _upload(kyso, second)
        assert (status, refused["error"]["code"]) == (503, "queue_unavailable")  # type: ignore[index]
        assert [p.name for p in (data / "scans").iterdir()] == [started["scan_id"]]
        ready = kyso.client.get("/ready")
        assert ready.status_code == 503 and ready.json()["checks"]["queue"] == "queue_unavailable"

        private_redis.start()  # same data folder: the queue and job states come back
        job = _wait(kyso, started["scan_id"], 240, log)
        assert job.result is not None and job.result["pages"] == 4
        status, accepted = _upload(kyso, second)
        assert status == 202, accepted
        _wait(kyso, accepted["scan_id"], 120, log)
        assert worker.poll() is None, "the worker survived the outage"
    finally:
        stop_process_group(worker)

    archive = kyso.services.archive
    for number, (scan_id, image) in enumerate(
        [(started["scan_id"], first), (accepted["scan_id"], second)]
    ):
        answer = kyso.client.post(
            f"/api/v1/archive/scans/{scan_id}/archive",
            json={"dossier_code": f"HS-Q-{number}", "title": "Quyết định"},
            headers=kyso.headers("archivist"),
        )
        assert answer.status_code == 201, answer.text
        assert_scan_archived(archive, answer.json()["document_id"], image)
    assert_archive_sound(archive)
