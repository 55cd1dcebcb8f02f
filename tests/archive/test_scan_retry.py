"""Archiving a scan again over HTTP (a lost answer, a restarted server) answers the same
document and adds no version (issue 20, item 2: a restart made the retry add an OCR version)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from api.settings import Settings
from tests.api.apitools import make_kyso, scan_image
from tests.faults.faulttools import KysoServer, wait_scan

pytestmark = pytest.mark.slow
LINES = ["ỦY BAN NHÂN DÂN QUẬN HOÀN KIẾM", "BIÊN BẢN BÀN GIAO số 7", "Độc lập - Tự do - Hạnh phúc"]
REQUEST = {"dossier_code": "HS-RETRY", "title": "Biên bản bàn giao", "access_level": "internal"}


def _archive(client: httpx.Client, headers: dict[str, str], scan_id: str) -> str:
    answer = client.post(f"/api/v1/archive/scans/{scan_id}/archive", json=REQUEST, headers=headers)
    assert answer.status_code == 201, answer.text
    return str(answer.json()["document_id"])


def test_archiving_a_scan_again_even_after_a_restart_is_the_same_document(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    kyso = make_kyso(tmp_path, Settings(data_dir=data))  # accounts and tokens, then the server
    headers = kyso.headers("archivist")
    server = KysoServer(data)
    server.start()
    try:
        client = httpx.Client(base_url=server.url, timeout=60)
        image = scan_image(LINES)
        started = client.post(
            "/api/v1/archive/scans", files={"file": ("bb.png", image)}, headers=headers
        )
        assert started.status_code == 202, started.text
        scan_id = started.json()["scan_id"]
        wait_scan(client, headers, scan_id)
        document_id = _archive(client, headers, scan_id)
        assert _archive(client, headers, scan_id) == document_id  # the answer was lost: retry

        server.kill()
        server.start()  # the in-process queue forgot the OCR job
        assert _archive(client, headers, scan_id) == document_id

        # killed after both versions were stored, before the scan recorded it: the OCR job
        # runs again after the restart (new PDF/A bytes) and the retry still adds nothing
        (data / "scans" / scan_id / "archived.json").unlink()
        server.kill()
        server.start()
        wait_scan(client, headers, scan_id)  # asking for the scan's state starts the job again
        assert _archive(client, headers, scan_id) == document_id
    finally:
        server.kill()
    archive = kyso.services.archive
    assert archive.catalog.document_ids("HS-RETRY") == [document_id]
    versions = archive.catalog.document(document_id).versions
    assert [(v.number, v.kind) for v in versions] == [(1, "original"), (2, "ocr")]
    assert b"".join(archive.read(document_id, 1)[1]) == image
    assert archive.catalog.pending_ingests() == []
