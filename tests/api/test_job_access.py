"""``GET /api/v1/jobs/{id}``: only the job's owner and the roles that manage its kind read it;
anyone else gets the answer an unknown id gets. No server path is in a job's body.

Before: any signed-in user read any job (a citizen read an archivist's OCR job, with the
output path on the server and the metadata extracted from the scan).
"""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest
from apitools import PASSWORD, Kyso, scan_image
from servetools import Served, kyso_served

from api.accounts.service import Role
from api.settings import Settings
from api.wiring import build_services

LINES = ["ỦY BAN NHÂN DÂN QUẬN HOÀN KIẾM", "QUYẾT ĐỊNH số 123/QĐ-UBND"]
OUTSIDERS = ["citizen", "official", "agency"]


def _poll(client: httpx.Client, job_id: str, headers: dict[str, str]) -> dict[str, object]:
    deadline = time.monotonic() + 180
    while True:
        answer = client.get(f"/api/v1/jobs/{job_id}", headers=headers)
        assert answer.status_code == 200, answer.text
        job: dict[str, object] = answer.json()
        if job["status"] in ("succeeded", "failed"):
            return job
        assert time.monotonic() < deadline, job
        time.sleep(0.2)


def _unknown(answer: httpx.Response, job_id: str) -> bool:
    return answer.status_code == 404 and answer.json() == {
        "error": {"code": "job_unknown", "message": f"no job {job_id}"}
    }


@pytest.mark.slow
def test_an_archivists_ocr_job_is_unknown_to_other_roles_and_shows_no_server_path(
    tmp_path: Path,
) -> None:
    server: Served
    with kyso_served(tmp_path) as server, server.client() as client:
        archivist = server.kyso.headers("archivist")
        started = client.post(
            "/api/v1/archive/scans",
            files={"file": ("ho-so.png", scan_image(LINES))},
            headers=archivist,
        )
        assert started.status_code == 202, started.text
        job_id, scan_id = started.json()["job_id"], started.json()["scan_id"]
        job = _poll(client, job_id, archivist)
        assert job["status"] == "succeeded", job
        assert job["result"]["pages"] == 1  # type: ignore[index]

        for role in [*OUTSIDERS, "auditor"]:  # auditors follow audits, not the scan desk
            answer = client.get(f"/api/v1/jobs/{job_id}", headers=server.kyso.headers(role))
            assert _unknown(answer, job_id), (role, answer.status_code, answer.text)
        missing = "job_01jzzzzzzzzzzzzzzzzzzzzzzz"
        assert _unknown(client.get(f"/api/v1/jobs/{missing}", headers=archivist), missing)

        data_dir = str(tmp_path)
        for role in ("archivist", "admin"):
            answer = client.get(f"/api/v1/jobs/{job_id}", headers=server.kyso.headers(role))
            assert answer.status_code == 200, (role, answer.text)
            assert data_dir not in answer.text and "/scans/" not in answer.text, answer.text
            assert "output" not in answer.json()["result"]
        state = client.get(f"/api/v1/archive/scans/{scan_id}", headers=archivist)
        assert state.status_code == 200 and data_dir not in state.text, state.text

        audit = client.post(
            "/api/v1/archive/audits", json={"sample": 1.0}, headers=server.kyso.headers("auditor")
        )
        assert audit.status_code == 202, audit.text
        audit_id = audit.json()["id"]
        for role in ("auditor", "archivist", "admin"):
            assert _poll(client, audit_id, server.kyso.headers(role))["status"] == "succeeded"
        for role in OUTSIDERS:
            answer = client.get(f"/api/v1/jobs/{audit_id}", headers=server.kyso.headers(role))
            assert _unknown(answer, audit_id), (role, answer.text)


def test_the_owner_of_a_job_reads_it_and_others_of_the_same_role_do_not(kyso: Kyso) -> None:
    accounts = kyso.services.accounts
    other = accounts.create_user("official2", PASSWORD, Role.OFFICIAL, "Cán bộ khác", "UBND X")
    jobs = kyso.services.jobs
    job_id = jobs.submit("archive.audit", {"sample": 1.0}, owner="official1")
    jobs.wait(job_id, 60)
    own = kyso.client.get(f"/api/v1/jobs/{job_id}", headers=kyso.headers("official"))
    assert own.status_code == 200 and own.json()["kind"] == "archive.audit", own.text
    assert "owner" not in own.json()
    stranger = {"Authorization": f"Bearer {accounts.issue_token(other)}"}
    for headers in (stranger, kyso.headers("citizen")):
        answer = kyso.client.get(f"/api/v1/jobs/{job_id}", headers=headers)
        assert answer.status_code == 404 and answer.json()["error"]["code"] == "job_unknown"


@pytest.mark.redis
def test_a_celery_job_keeps_its_owner_in_redis(tmp_path: Path, redis_url: str) -> None:
    import redis

    queue_url = "redis://127.0.0.1:6379/10"  # this test's own database
    settings = Settings(data_dir=tmp_path, queue="celery", redis_url=queue_url)
    jobs = build_services(settings).jobs
    try:
        owned = jobs.submit("archive.audit", {"sample": 1.0}, owner="auditor1")
        scheduled = jobs.submit("archive.audit", {"sample": 1.0})
        assert (jobs.info(owned).status, jobs.info(owned).owner) == ("queued", "auditor1")
        assert jobs.info(scheduled).owner is None
        again = jobs.submit("archive.audit", {}, key="same", owner="archivist1")
        assert jobs.submit("archive.audit", {}, key="same", owner="x") == again
        assert jobs.info(again).owner == "archivist1"
    finally:
        redis.Redis.from_url(queue_url).flushdb()
