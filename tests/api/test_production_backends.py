"""The same flows on the production parts: PostgreSQL, Celery workers on Redis, S3 (SeaweedFS)."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from apitools import Kyso, make_kyso
from test_archivist import test_a_scan_is_digitised_reviewed_archived_and_found as archivist_flow
from test_dossiers import (
    test_citizen_submits_official_returns_a_certified_result_anyone_can_check as citizen_flow,
)

from api.settings import Settings
from tests.s3 import SeaweedFS, seaweedfs  # noqa: F401 - the session fixture

REDIS = "redis://127.0.0.1:6379/8"
KYSO = str(Path(sys.executable).parent / "kyso")


@pytest.fixture
def production(
    tmp_path: Path,
    postgres_url: str,
    seaweedfs: SeaweedFS,  # noqa: F811 - the fixture imported above
    redis_url: str,
) -> Iterator[Kyso]:
    import redis

    redis.Redis.from_url(REDIS).flushdb()
    env = {
        "KYSO_DATA_DIR": str(tmp_path / "data"),
        "KYSO_DATABASE_URL": postgres_url,
        "KYSO_OBJECT_STORE": "s3",
        "KYSO_S3_ENDPOINT": seaweedfs.endpoint,
        "KYSO_S3_ACCESS_KEY": seaweedfs.access_key,
        "KYSO_S3_SECRET_KEY": seaweedfs.secret_key,
        "KYSO_S3_BUCKET": "kyso-" + secrets.token_hex(6),
        "KYSO_QUEUE": "celery",
        "KYSO_REDIS_URL": REDIS,
        "KYSO_JOB_VISIBILITY_TIMEOUT": "120",
    }
    for key, value in env.items():
        os.environ[key] = value  # Settings() in this process and the worker read the same
    try:
        kyso = make_kyso(tmp_path, Settings())
        worker = subprocess.Popen(
            [KYSO, "worker", "--pool", "solo", "--concurrency", "1"],
            env={**os.environ, "OMP_THREAD_LIMIT": "1"},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            yield kyso
        finally:
            os.killpg(worker.pid, signal.SIGTERM)
            worker.wait(timeout=30)
            kyso.services.engine.dispose()
    finally:
        for key in env:
            os.environ.pop(key, None)


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.s3
@pytest.mark.slow
def test_one_stop_shop_flow_on_production_parts(production: Kyso) -> None:
    assert production.services.engine.dialect.name == "postgresql"
    assert type(production.services.archive.store).__name__ == "S3Store"
    citizen_flow(production)


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.s3
@pytest.mark.slow
def test_archivist_flow_with_a_celery_worker_on_production_parts(production: Kyso) -> None:
    assert type(production.services.jobs).__name__ == "CeleryQueue"
    archivist_flow(production)
