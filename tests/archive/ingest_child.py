"""Child process for the crash test: ingests an endless slow stream until killed.

Usage: python ingest_child.py DATABASE_URL folder ROOT
       python ingest_child.py DATABASE_URL s3 ENDPOINT BUCKET ACCESS SECRET
Prints ``UPLOADING`` once tens of megabytes have been handed to the store.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from api.database import make_engine
from archive.catalog.sql import SqlCatalog
from archive.ingest import Archive
from archive.metadata import DocumentMeta
from archive.store import ObjectStore
from common.clock import SystemClock

SIGNAL_AFTER = 40 * 1024 * 1024


class EndlessStream:
    def __init__(self) -> None:
        self.sent = 0
        self.signalled = False
        self.block = os.urandom(1024 * 1024)

    def read(self, size: int = -1) -> bytes:
        if self.sent >= SIGNAL_AFTER:
            if not self.signalled:
                print("UPLOADING", flush=True)
                self.signalled = True
            time.sleep(0.05)
        n = len(self.block) if size < 0 else min(size, len(self.block))
        self.sent += n
        return self.block[:n]


def main() -> None:
    url, kind = sys.argv[1], sys.argv[2]
    clock = SystemClock()
    store: ObjectStore
    if kind == "folder":
        from archive.store.folder import FolderStore

        store = FolderStore(Path(sys.argv[3]), clock)
    else:
        from minio import Minio

        from archive.store.s3 import S3Store

        client = Minio(sys.argv[3], access_key=sys.argv[5], secret_key=sys.argv[6], secure=False)
        store = S3Store(client, sys.argv[4], clock)
    archive = Archive(store, SqlCatalog(make_engine(url), clock))
    archive.put(
        EndlessStream(),  # type: ignore[arg-type]
        dossier_code="HS-CRASH",
        meta=DocumentMeta(title="never finishes"),
    )


if __name__ == "__main__":
    main()
