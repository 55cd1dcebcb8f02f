"""Child process for the crash tests: killed in the middle of an ingest.

Usage: python ingest_child.py DATABASE_URL folder ROOT [--after-store]
       python ingest_child.py DATABASE_URL s3 ENDPOINT BUCKET ACCESS SECRET
Default: ingests an endless slow stream and prints ``UPLOADING`` once tens of megabytes have
been handed to the store. With ``--after-store``: stores a small PDF completely, prints
``STORED`` while its signature is being checked (before the catalog records it), then waits.
"""

from __future__ import annotations

import io
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from api.database import make_engine
from archive.catalog.sql import SqlCatalog
from archive.ingest import Archive
from archive.metadata import DocumentMeta, SignatureSummary
from archive.store.base import ObjectStore
from common.clock import SystemClock

SIGNAL_AFTER = 40 * 1024 * 1024
AFTER_STORE = b"%PDF-1.7 bien ban ban giao " + bytes(range(256)) * 40


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


class StalledVerifier:
    """Reached after the bytes are stored and before the catalog records them."""

    def summarise(self, chunks: Iterator[bytes]) -> SignatureSummary | None:
        b"".join(chunks)
        print("STORED", flush=True)
        while True:
            time.sleep(1)


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
    if "--after-store" in sys.argv:
        archive.verifier = StalledVerifier()
        archive.put(
            io.BytesIO(AFTER_STORE),
            dossier_code="HS-GHOST",
            meta=DocumentMeta(title="Biên bản bàn giao", retention="10"),
            media_type="application/pdf",
        )
        return
    archive.put(
        EndlessStream(),  # type: ignore[arg-type]
        dossier_code="HS-CRASH",
        meta=DocumentMeta(title="never finishes"),
    )


if __name__ == "__main__":
    main()
