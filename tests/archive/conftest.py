"""Fixtures of the archive tests: both object stores, both catalog databases."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest
import sqlalchemy as sa
from minio import Minio

from archive.catalog.sql import SqlCatalog
from archive.ingest import Archive
from archive.store.base import ObjectStore
from archive.store.folder import FolderStore
from archive.store.s3 import S3Store
from common.clock import FrozenClock
from tests.s3 import SeaweedFS, seaweedfs

__all__ = ["seaweedfs"]


def minio_client(server: SeaweedFS) -> Minio:
    return Minio(
        server.endpoint, access_key=server.access_key, secret_key=server.secret_key, secure=False
    )


def make_s3_store(server: SeaweedFS, clock: FrozenClock) -> S3Store:
    store = S3Store(minio_client(server), "kyso-" + secrets.token_hex(6), clock)
    store.ensure_bucket()
    return store


@pytest.fixture(params=["folder", pytest.param("s3", marks=pytest.mark.s3)])
def store(request: pytest.FixtureRequest, tmp_path: Path, clock: FrozenClock) -> ObjectStore:
    """Each behaviour test runs once on the folder store and once on SeaweedFS."""
    if request.param == "folder":
        return FolderStore(tmp_path / "store", clock)
    server: SeaweedFS = request.getfixturevalue("seaweedfs")
    return make_s3_store(server, clock)


@pytest.fixture
def s3_store(seaweedfs: SeaweedFS, clock: FrozenClock) -> S3Store:
    """A fresh bucket with versioning and object lock on the session's SeaweedFS."""
    return make_s3_store(seaweedfs, clock)


@pytest.fixture
def catalog(engine: sa.Engine, clock: FrozenClock) -> SqlCatalog:
    return SqlCatalog(engine, clock)


@pytest.fixture
def archive(catalog: SqlCatalog, tmp_path: Path, clock: FrozenClock) -> Archive:
    """An archive on the folder store, once per database (SQLite, PostgreSQL)."""
    return Archive(FolderStore(tmp_path / "objects", clock), catalog)
