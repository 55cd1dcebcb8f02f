"""Builds the archive (object store + catalog) from Settings; the only place it reads them."""

from __future__ import annotations

from api.build import open_database
from api.settings import Settings
from archive.catalog.sql import SqlCatalog
from archive.errors import ArchiveInputError
from archive.ingest import Archive
from archive.store.base import ObjectStore
from archive.store.folder import FolderStore
from common.clock import Clock, SystemClock


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
