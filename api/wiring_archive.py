"""Builds the archive (object store + catalog) from Settings; the only place it reads them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from api.build import open_database
from api.settings import Settings
from archive.catalog.sql import SqlCatalog
from archive.errors import ArchiveInputError, StoreUnavailableError
from archive.ingest import Archive
from archive.store.base import ObjectStore
from archive.store.folder import FolderStore
from common.clock import Clock, SystemClock

if TYPE_CHECKING:
    from signing.timestamps import TimeStampSource


class TsaAnchorer:
    """archive.protocols.Anchorer over a time-stamp source (kyso's own TSA in-process, or the
    external one of ``KYSO_TSA_URL``), through the same RFC 3161 client as signing."""

    def __init__(self, source: TimeStampSource) -> None:
        self._source = source

    def timestamp(self, digest: bytes) -> bytes:
        from signing.errors import SigningBackendError
        from signing.timestamps import SourceTimeStamper

        try:
            token = SourceTimeStamper(self._source).timestamp(digest, "sha256")
        except SigningBackendError as exc:
            raise StoreUnavailableError("archive_tsa_refused", exc.message) from exc
        return bytes(token.dump())


def build_store(settings: Settings, clock: Clock) -> ObjectStore:
    if settings.object_store == "folder":
        return FolderStore(settings.data_dir / "archive", clock)
    from minio import Minio

    from archive.store.s3 import S3Store

    if settings.s3_access_key is None or settings.s3_secret_key is None:
        raise ArchiveInputError("archive_s3_credentials", "set KYSO_S3_ACCESS_KEY/SECRET_KEY")
    client = Minio(
        settings.s3_endpoint,
        access_key=settings.s3_access_key.get_secret_value(),
        secret_key=settings.s3_secret_key.get_secret_value(),
        secure=settings.s3_secure,
    )
    store = S3Store(client, settings.s3_bucket, clock)
    store.ensure_bucket()
    return store


def build_archive(settings: Settings, clock: Clock | None = None) -> Archive:
    """The archive alone (the ``kyso archive`` commands): the database opened and migrated
    (the start-up step), the catalog on it, the configured object store."""
    clock = clock or SystemClock()
    return Archive(build_store(settings, clock), SqlCatalog(open_database(settings), clock))
