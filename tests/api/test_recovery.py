"""Start-up recovery: what a crash left behind (a journalled ingest, a temporary upload) is
cleaned up when it is older than ``stale_ingest_minutes``; younger work of a sibling process is
left alone."""

from __future__ import annotations

import io
import os
import time
from pathlib import Path

from api.recovery import recover
from api.settings import Settings
from api.wiring import Services, build_services
from archive.metadata import DocumentMeta, DossierMeta


def _leftovers(svc: Services) -> tuple[str, Path]:
    """A journalled ingest whose bytes never arrived, and a half-written temporary upload."""
    svc.archive.catalog.create_dossier(DossierMeta("HS-R", "HS-R"), actor="test")
    svc.archive.catalog.begin_ingest("i_cut_off", {"dossier_code": "HS-R"})
    partial = svc.settings.data_dir / "tmp" / "tmpabc123"
    partial.parent.mkdir(parents=True, exist_ok=True)
    partial.write_bytes(b"%PDF-1.7 half an upload")
    return "i_cut_off", partial


def test_young_leftovers_are_left_to_the_process_that_may_still_own_them(tmp_path: Path) -> None:
    svc = build_services(Settings(data_dir=tmp_path))
    ingest, partial = _leftovers(svc)
    assert recover(svc).dropped == 0
    assert [i for i, _ in svc.archive.catalog.pending_ingests()] == [ingest]
    assert partial.exists()


def test_stale_leftovers_are_dropped_and_the_archive_still_works(tmp_path: Path) -> None:
    svc = build_services(Settings(data_dir=tmp_path))
    _ingest, partial = _leftovers(svc)
    stale = time.time() - 3 * 3600
    os.utime(partial, (stale, stale))
    later = build_services(Settings(data_dir=tmp_path, stale_ingest_minutes=0))
    done = recover(later)
    assert (done.dropped, done.temp_files) == (1, 1)
    assert later.archive.catalog.pending_ingests() == []
    assert not partial.exists()
    stored = later.archive.put(
        io.BytesIO(b"sau khi khoi phuc"), dossier_code="HS-R", meta=DocumentMeta(title="x")
    )
    assert b"".join(later.archive.read(stored.document_id)[1]) == b"sau khi khoi phuc"
