"""Background jobs: the in-process pool and Celery workers on the machine's Redis."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from apitools import metric_value, scan_image

from api.jobs.base import JSON, JobKind, Progress, Registry
from api.jobs.inprocess import InProcessQueue
from api.settings import Settings
from api.wiring import build_services
from common.errors import InputError, NotFoundError

KYSO = str(Path(sys.executable).parent / "kyso")
TEST_REDIS = "redis://127.0.0.1:6379/7"
LINES = ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "QUYẾT ĐỊNH số 123"]


def _scan(path: Path, pages: int) -> Path:
    path.write_bytes(scan_image(LINES, pages=pages, fmt="TIFF"))
    return path


def test_in_process_queue_runs_a_job_and_reports_progress() -> None:
    seen: list[tuple[int, int]] = []

    def count(payload: JSON, progress: Progress) -> JSON:
        total = int(str(payload["n"]))
        for i in range(total):
            progress(i + 1, total)
            seen.append((i + 1, total))
        return {"sum": total * (total + 1) // 2}

    registry = Registry()
    registry.add(JobKind("count", count))
    queue = InProcessQueue(registry)
    job_id = queue.submit("count", {"n": 4}, key="once")
    assert queue.submit("count", {"n": 4}, key="once") == job_id  # idempotent by key
    done = queue.wait(job_id, 10)
    assert (done.status, done.result, done.done, done.total) == ("succeeded", {"sum": 10}, 4, 4)
    assert seen == [(1, 4), (2, 4), (3, 4), (4, 4)]
    with pytest.raises(InputError):
        queue.submit("nope", {})
    with pytest.raises(NotFoundError):
        queue.info("job_missing")
    queue.shutdown()


def test_fixity_audit_runs_through_the_embedded_queue(tmp_path: Path) -> None:
    services = build_services(Settings(data_dir=tmp_path))
    job = services.jobs.wait(services.jobs.submit("archive.audit", {"sample": 1.0}), 60)
    assert job.status == "succeeded", job.error
    assert job.result is not None and job.result["problems"] == []


@pytest.fixture
def celery_env(tmp_path: Path, redis_url: str) -> Iterator[dict[str, str]]:
    import redis

    redis.Redis.from_url(TEST_REDIS).flushdb()  # kyso's test database: no jobs left from before
    env = {
        **os.environ,
        "KYSO_DATA_DIR": str(tmp_path / "data"),
        "KYSO_QUEUE": "celery",
        "KYSO_REDIS_URL": TEST_REDIS,
        "KYSO_JOB_VISIBILITY_TIMEOUT": "4",
        "OMP_THREAD_LIMIT": "1",
    }
    yield env


def _worker(env: dict[str, str], log: Path, *options: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [KYSO, "worker", "--pool", "solo", "--concurrency", "1", *options],
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


@pytest.mark.faults
@pytest.mark.redis
@pytest.mark.slow
def test_celery_job_whose_worker_is_killed_is_run_again_not_lost(
    tmp_path: Path, celery_env: dict[str, str]
) -> None:
    settings = Settings(
        data_dir=Path(celery_env["KYSO_DATA_DIR"]),
        queue="celery",
        redis_url=celery_env["KYSO_REDIS_URL"],
        job_visibility_timeout=4,
    )
    queue = build_services(settings).jobs
    source = _scan(tmp_path / "scan.tif", pages=4)
    output = tmp_path / "out.pdf"
    log = tmp_path / "worker.log"
    first = _worker(celery_env, log)
    second = None
    try:
        job_id = queue.submit("ocr.digitise", {"source": str(source), "output": str(output)})
        deadline = time.monotonic() + 120
        while queue.info(job_id).done < 1:
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        os.killpg(first.pid, signal.SIGKILL)  # the worker dies mid-job
        first.wait()
        assert queue.info(job_id).status != "succeeded"
        second = _worker(celery_env, log)
        job = queue.wait(job_id, 180)
        assert job.status == "succeeded", log.read_text()[-3000:]
        assert job.result is not None and job.result["pages"] == 4
        text = subprocess.run(["pdftotext", str(output), "-"], capture_output=True, text=True)
        assert "Hạnh phúc" in text.stdout
    finally:
        for proc in (first, second):
            if proc is not None and proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


@pytest.mark.redis
@pytest.mark.slow
def test_a_celery_worker_serves_its_job_metrics(tmp_path: Path, celery_env: dict[str, str]) -> None:
    import socket

    import httpx

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings = Settings(
        data_dir=Path(celery_env["KYSO_DATA_DIR"]), queue="celery", redis_url=TEST_REDIS
    )
    queue = build_services(settings).jobs
    log = tmp_path / "worker.log"
    metrics_dir = tmp_path / "prom"
    metrics_dir.mkdir()
    env = {**celery_env, "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)}
    worker = _worker(env, log, "--metrics-port", str(port))
    try:
        source = _scan(tmp_path / "scan.tif", pages=2)
        output = str(tmp_path / "o.pdf")
        ok = queue.submit("ocr.digitise", {"source": str(source), "output": output})
        bad = queue.submit("ocr.digitise", {"source": ""})
        assert queue.wait(ok, 180).status == "succeeded", log.read_text()[-3000:]
        assert queue.wait(bad, 60).status == "failed"
        text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()
    assert metric_value(text, "kyso_jobs_total", kind="ocr.digitise", status="succeeded") == 1
    assert metric_value(text, "kyso_jobs_total", kind="ocr.digitise", status="failed") == 1
    assert metric_value(text, "kyso_ocr_pages_total") == 2
    assert metric_value(text, "kyso_job_seconds_count", kind="ocr.digitise") == 2
