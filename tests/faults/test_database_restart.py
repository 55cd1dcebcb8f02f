"""PostgreSQL crashes and comes back while archivists are archiving: every request either
succeeds or is refused with ``database_unavailable``; once the database is back, retried
ingests land exactly once, nothing half-stored is visible, fixity and the audit chain hold."""

from __future__ import annotations

import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from faulttools import PrivatePostgres, assert_archive_sound, assert_scan_archived

from api.settings import Settings
from tests.api.apitools import Kyso, make_kyso, scan_image

pytestmark = [pytest.mark.faults, pytest.mark.postgres, pytest.mark.slow]
SCANS = 4


def _digitised_scans(kyso: Kyso) -> dict[str, bytes]:
    """Scans uploaded and OCRed, ready to archive: scan id -> the scan's bytes."""
    headers = kyso.headers("archivist")
    scans: dict[str, bytes] = {}
    jobs = []
    for number in range(SCANS):
        image = scan_image([f"QUYẾT ĐỊNH số {number + 101}/QĐ-UBND", "Độc lập - Tự do"])
        answer = kyso.client.post(
            "/api/v1/archive/scans", files={"file": ("scan.png", image)}, headers=headers
        )
        assert answer.status_code == 202, answer.text
        scans[answer.json()["scan_id"]] = image
        jobs.append(answer.json()["job_id"])
    for job_id in jobs:
        job = kyso.services.jobs.wait(job_id, 120)
        assert job.status == "succeeded", job.error
    return scans


class Archivist(threading.Thread):
    """Archives the scans round after round (a repeat is deduplicated) until told to stop."""

    def __init__(self, kyso: Kyso, scans: dict[str, bytes]) -> None:
        super().__init__(daemon=True)
        self.kyso, self.scans = kyso, scans
        self.stop = threading.Event()
        self.seen: Counter[str] = Counter()
        self.documents: dict[str, set[str]] = {scan_id: set() for scan_id in scans}

    def run(self) -> None:
        while not self.stop.is_set():
            for number, scan_id in enumerate(self.scans):
                body = {"dossier_code": f"HS-PG-{number}", "title": f"Quyết định {number}"}
                answer = self.kyso.client.post(
                    f"/api/v1/archive/scans/{scan_id}/archive",
                    json=body,
                    headers=self.kyso.headers("archivist"),
                )
                if answer.status_code == 201:
                    self.seen["201"] += 1
                    self.documents[scan_id].add(answer.json()["document_id"])
                else:
                    self.seen[f"{answer.status_code} {answer.json()['error']['code']}"] += 1

    def wait_for(self, key: str, count: int, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while self.seen[key] < count:
            assert time.monotonic() < deadline, f"waited for {count} x {key}: {self.seen}"
            time.sleep(0.05)


def test_postgres_crash_during_ingest_loses_nothing_and_duplicates_nothing(
    tmp_path: Path, private_postgres: PrivatePostgres
) -> None:
    settings = Settings(data_dir=tmp_path / "data", database_url=private_postgres.url)
    kyso = make_kyso(tmp_path, settings)
    scans = _digitised_scans(kyso)
    worker = Archivist(kyso, scans)
    worker.start()
    try:
        worker.wait_for("201", 3, 60)
        private_postgres.crash()  # mid-stream: some request is usually half-way through
        worker.wait_for("503 database_unavailable", 2, 60)
        assert kyso.client.get("/ready").status_code == 503
        private_postgres.start()
        before = worker.seen["201"]
        worker.wait_for("201", before + 2 * SCANS, 120)  # two more rounds after recovery
    finally:
        worker.stop.set()
        worker.join(60)
    assert set(worker.seen) <= {"201", "503 database_unavailable"}, worker.seen
    assert kyso.client.get("/ready").status_code == 200
    archive = kyso.services.archive
    for number, (scan_id, image) in enumerate(scans.items()):
        assert len(worker.documents[scan_id]) == 1  # every retry found the same document
        (document_id,) = worker.documents[scan_id]
        assert archive.catalog.document_ids(f"HS-PG-{number}") == [document_id]
        assert_scan_archived(archive, document_id, image)
    assert_archive_sound(archive)
