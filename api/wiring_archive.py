"""Builds the archive (object store + catalog) from Settings; the only place it reads them."""

from __future__ import annotations

import secrets
from typing import Protocol

from asn1crypto import algos, tsp

from api.database import make_engine, migrate
from api.files import private_dir
from api.settings import Settings
from archive.catalog.sql import SqlCatalog
from archive.errors import ArchiveInputError, StoreUnavailableError
from archive.ingest import Archive
from archive.store import ObjectStore
from archive.store.folder import FolderStore
from common.clock import Clock, SystemClock


class Rfc3161Responder(Protocol):
    """What certs.tsa.TimeStampAuthority offers: DER TimeStampReq in, DER TimeStampResp out."""

    def respond(self, request_der: bytes) -> bytes: ...


class TsaAnchorer:
    """archive.protocols.Anchorer over an RFC 3161 responder (kyso's own TSA in-process)."""

    def __init__(self, responder: Rfc3161Responder) -> None:
        self._responder = responder

    def timestamp(self, digest: bytes) -> bytes:
        request = tsp.TimeStampReq(
            {
                "version": "v1",
                "message_imprint": {
                    "hash_algorithm": algos.DigestAlgorithm({"algorithm": "sha256"}),
                    "hashed_message": digest,
                },
                "nonce": secrets.randbits(63),
                "cert_req": True,
            }
        )
        response = tsp.TimeStampResp.load(self._responder.respond(request.dump()))
        if response["status"]["status"].native not in ("granted", "granted_with_mods"):
            raise StoreUnavailableError("archive_tsa_refused", "the TSA refused the request")
        return bytes(response["time_stamp_token"].dump())


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
    """The archive service: migrated catalog plus the configured object store."""
    clock = clock or SystemClock()
    private_dir(settings.data_dir)
    engine = make_engine(settings.resolved_database_url)
    migrate(engine)
    return Archive(build_store(settings, clock), SqlCatalog(engine, clock))
