"""The data disk fills up (a 64 MiB tmpfs as the data dir): uploads and ingests are refused
with ``storage_full`` (507) and leave nothing half-written; what was archived stays readable;
once space is freed the same requests succeed and fixity and the audit chain hold."""

from __future__ import annotations

from pathlib import Path

import pytest
from faulttools import assert_archive_sound, assert_scan_archived, fill

from api.settings import Settings
from tests.api.apitools import PIN, Kyso, citizen_credential, make_kyso, make_pdf, scan_image

pytestmark = [pytest.mark.faults, pytest.mark.slow]


def _upload(kyso: Kyso, image: bytes) -> tuple[int, dict[str, object]]:
    answer = kyso.client.post(
        "/api/v1/archive/scans", files={"file": ("s.png", image)}, headers=kyso.headers("archivist")
    )
    body: dict[str, object] = answer.json()
    return answer.status_code, body


def _ocr(kyso: Kyso, image: bytes) -> str:
    status, body = _upload(kyso, image)
    assert status == 202, body
    job = kyso.services.jobs.wait(str(body["job_id"]), 120)
    assert job.status == "succeeded", job.error
    return str(body["scan_id"])


def _archive(kyso: Kyso, scan_id: str, code: str) -> tuple[int, dict[str, object]]:
    answer = kyso.client.post(
        f"/api/v1/archive/scans/{scan_id}/archive",
        json={"dossier_code": code, "title": "Biên bản"},
        headers=kyso.headers("archivist"),
    )
    body: dict[str, object] = answer.json()
    return answer.status_code, body


def test_a_full_data_disk_refuses_work_cleanly_and_recovers(
    tmp_path: Path, small_disk: Path
) -> None:
    kyso = make_kyso(tmp_path, Settings(data_dir=small_disk))
    earlier = scan_image(["BIÊN BẢN số 1", "Độc lập - Tự do - Hạnh phúc"])
    status, stored = _archive(kyso, _ocr(kyso, earlier), "HS-DISK-1")
    assert status == 201, stored
    pending = scan_image(["BIÊN BẢN số 2", "Độc lập - Tự do - Hạnh phúc"])
    pending_scan = _ocr(kyso, pending)
    objects_before = sorted(p for p in (small_disk / "objects").rglob("*") if p.is_file())

    filler = fill(small_disk)
    status, body = _upload(kyso, scan_image(["BIÊN BẢN số 3"]))
    assert (status, body["error"]["code"]) == (507, "storage_full")  # type: ignore[index]
    status, body = _archive(kyso, pending_scan, "HS-DISK-2")
    assert (status, body["error"]["code"]) == (507, "storage_full")  # type: ignore[index]
    assert sorted(p for p in (small_disk / "objects").rglob("*") if p.is_file()) == objects_before
    search = kyso.client.get(
        "/api/v1/archive/search", params={"q": "bien ban"}, headers=kyso.headers("archivist")
    )
    assert search.status_code == 200 and len(search.json()) == 1  # reading still works

    filler.unlink()
    status, body = _archive(kyso, pending_scan, "HS-DISK-2")
    assert status == 201, body
    third = scan_image(["BIÊN BẢN số 3", "Độc lập - Tự do - Hạnh phúc"])
    status, body = _archive(kyso, _ocr(kyso, third), "HS-DISK-3")
    assert status == 201, body
    archive = kyso.services.archive
    assert_scan_archived(archive, str(stored["document_id"]), earlier)
    assert_scan_archived(archive, archive.catalog.document_ids("HS-DISK-2")[0], pending)
    assert len(archive.catalog.document_ids("HS-DISK-2")) == 1
    assert_archive_sound(archive)


def test_signing_and_auditing_over_http_on_a_full_disk_say_storage_full(
    tmp_path: Path, small_disk: Path
) -> None:
    kyso = make_kyso(tmp_path, Settings(data_dir=small_disk))
    credential, totp, _serial = citizen_credential(kyso)
    filler = fill(small_disk)
    submitted = kyso.client.post(
        "/api/v1/dossiers",
        files={"file": ("don.pdf", make_pdf("Don xin cap phep"), "application/pdf")},
        data={"service": "Cấp giấy phép xây dựng", "agency": "UBND Quận Hoàn Kiếm",
              "credential_id": credential, "pin": PIN, "otp": totp.now()},
        headers=kyso.headers("citizen"),
    )  # fmt: skip
    assert (submitted.status_code, submitted.json()["error"]["code"]) == (507, "storage_full")
    started = kyso.client.post(
        "/api/v1/archive/audits", json={"sample": 1.0}, headers=kyso.headers("archivist")
    )
    assert started.status_code == 202, started.text
    job = kyso.services.jobs.wait(started.json()["id"], 60)
    assert (job.status, job.error) == ("failed", "storage_full")  # not a crash, nor problems
    filler.unlink()
    assert_archive_sound(kyso.services.archive)
    kyso.services.close()
