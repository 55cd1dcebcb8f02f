"""Start-up recovery after a crash: interrupted ingests and orphaned temporary uploads.

A killed API process can leave a journalled ingest (invisible, never catalogued) and a
half-written temporary file. Only what is older than ``stale_ingest_minutes`` is touched, so a
process starting beside others that are still uploading leaves their work alone.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from api.wiring import Services

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Recovery:
    finished: int
    dropped: int
    temp_files: int


def _stale_files(folder: Path, before: float) -> list[Path]:
    """Plain files (temporary uploads) directly in ``folder`` last written before ``before``."""
    if not folder.is_dir():
        return []
    return [p for p in folder.iterdir() if p.is_file() and p.stat().st_mtime < before]


def recover(svc: Services) -> Recovery:
    age = timedelta(minutes=svc.settings.stale_ingest_minutes)
    cutoff = svc.clock.now() - age
    report = svc.archive.reconcile(started_before=cutoff)
    data = svc.settings.data_dir
    removed = 0
    for folder in (data / "tmp", data / "scans"):  # scans live in sub-folders, uploads as files
        for path in _stale_files(folder, time.time() - age.total_seconds()):
            path.unlink(missing_ok=True)
            removed += 1
    if report.finished or report.dropped or removed:
        log.warning(
            "recovered after a crash: %d ingests finished, %d dropped, %d temporary files removed",
            len(report.finished),
            len(report.dropped),
            removed,
        )
    return Recovery(len(report.finished), len(report.dropped), removed)
