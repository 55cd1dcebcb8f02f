"""The API process is killed (SIGKILL) in the middle of an upload and in the middle of an
in-process OCR job: after a restart nothing half-received is kept, the job runs again, earlier
originals are intact and the service works as before."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from faulttools import KysoServer, assert_archive_sound, assert_scan_archived, wait_scan

from api.settings import Settings
from tests.api.apitools import Kyso, make_kyso, scan_image

pytestmark = [pytest.mark.faults, pytest.mark.slow]
LINES = ["ỦY BAN NHÂN DÂN QUẬN HOÀN KIẾM", "Độc lập - Tự do - Hạnh phúc", "GIẤY XÁC NHẬN số 9"]
BOUNDARY = "kyso-fault-boundary"


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[tuple[Kyso, KysoServer]]:
    data, spool = tmp_path / "data", tmp_path / "spool"
    spool.mkdir()
    kyso = make_kyso(tmp_path, Settings(data_dir=data))  # accounts, PKI; then the real server
    server = KysoServer(
        data,
        KYSO_MAX_UPLOAD_MB="1024",
        KYSO_STALE_INGEST_MINUTES="0",  # one process: whatever is pending is a leftover
        TMPDIR=str(spool),  # where the multipart parser spools request bodies
    )
    server.start()
    try:
        yield kyso, server
    finally:
        server.kill()


def _slow_multipart(sending: threading.Event) -> Iterator[bytes]:
    yield (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="big.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n%PDF-1.7\n"
    ).encode()
    block = os.urandom(1 << 20)
    for number in range(400):
        if number == 24:
            sending.set()
        yield block
        time.sleep(0.01)
    yield f"\r\n--{BOUNDARY}--\r\n".encode()


def _spooled_files(spool: Path) -> list[Path]:
    """What is left in the spool but the sockets of multiprocessing's forkserver (``pymp-*``
    folders, which a killed process group cannot remove and which hold no request bytes)."""
    return [
        path
        for path in spool.rglob("*")
        if not (path.is_dir() and path.name.startswith("pymp-")) and not path.is_socket()
    ]


def _archive_scan(client: httpx.Client, headers: dict[str, str], scan_id: str, code: str) -> str:
    answer = client.post(
        f"/api/v1/archive/scans/{scan_id}/archive",
        json={"dossier_code": code, "title": "Giấy xác nhận"},
        headers=headers,
    )
    assert answer.status_code == 201, answer.text
    return str(answer.json()["document_id"])


def test_killing_the_api_mid_upload_and_mid_job_loses_nothing(
    setup: tuple[Kyso, KysoServer], tmp_path: Path
) -> None:
    kyso, server = setup
    data = kyso.services.settings.data_dir
    headers = kyso.headers("archivist")
    client = httpx.Client(base_url=server.url, timeout=60)
    earlier = scan_image(LINES)
    answer = client.post(
        "/api/v1/archive/scans", files={"file": ("a.png", earlier)}, headers=headers
    )
    assert answer.status_code == 202, answer.text
    earlier_scan = answer.json()["scan_id"]
    wait_scan(client, headers, earlier_scan, 0)
    earlier_id = _archive_scan(client, headers, earlier_scan, "HS-KILL-1")

    # 1. killed while a 400 MiB upload streams in
    sending, failure = threading.Event(), []

    def upload() -> None:
        try:
            client.post(
                "/api/v1/archive/scans",
                content=_slow_multipart(sending),
                headers={**headers, "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"},
            )
        except httpx.HTTPError as exc:
            failure.append(exc)

    uploader = threading.Thread(target=upload)
    uploader.start()
    assert sending.wait(60)
    server.kill()
    uploader.join(60)
    assert failure, "the upload must have been cut off"
    assert [p.name for p in (data / "scans").iterdir()] == [earlier_scan]
    assert _spooled_files(tmp_path / "spool") == []  # the spooled body went with the process

    # 2. killed while the in-process queue OCRs a 4-page scan
    server.start()
    paged = scan_image(LINES, pages=4, fmt="TIFF")
    answer = client.post("/api/v1/archive/scans", files={"file": ("b.tif", paged)}, headers=headers)
    assert answer.status_code == 202, answer.text
    paged_scan = answer.json()["scan_id"]
    assert wait_scan(client, headers, paged_scan, 1) == "running"
    server.kill()

    server.start()  # the restarted process finds the job unknown and runs it again
    assert wait_scan(client, headers, paged_scan, 0) == "succeeded"
    paged_id = _archive_scan(client, headers, paged_scan, "HS-KILL-2")
    assert client.get("/ready").status_code == 200
    server.kill()

    archive = kyso.services.archive
    assert_scan_archived(archive, earlier_id, earlier)
    assert_scan_archived(archive, paged_id, paged)
    assert archive.catalog.document_ids("HS-KILL-1") == [earlier_id]
    assert not (data / "tmp").exists() or list((data / "tmp").iterdir()) == []
    assert_archive_sound(archive)
