"""Builds kyso's services from the settings: the one place where configuration meets code.

A ``Services`` object is made once per process (the app keeps it on ``app.state``; each CLI
command makes one) and creates what it is asked for lazily: keys are loaded once per process.
"""

from __future__ import annotations

import base64
import binascii
import os
import secrets
from datetime import timedelta
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from api.settings import Settings
from common.clock import Clock, SystemClock
from common.errors import InputError

if TYPE_CHECKING:  # the heavy packages load when a service is first asked for
    from sqlalchemy import Engine

    from api.accounts.notifications import Notifications
    from api.accounts.service import Accounts
    from api.adapters import ArchiveTimeStampRenewer
    from api.jobs.base import JobQueue
    from api.ratelimit import Limiter
    from api.reportcache import ReportCache
    from api.verifier_pool import VerifierPool
    from archive.ingest import Archive
    from archive.protocols import Catalog
    from certs.enrolment import EnrolmentDesk
    from certs.fetching import HttpUrlSource
    from certs.keys import KeyStore
    from certs.ocsp import OcspResponder
    from certs.pki import Pki
    from certs.revcache import RevocationCache
    from certs.revocation import Revocation
    from certs.tsa import TimeStampAuthority
    from signing.cache import SignerCache
    from signing.pades import SigningContext
    from signing.remote import RemoteSigningService
    from signing.timestamps import TimeStampSource
    from verify.model import ValidationReport
    from verify.options import Limits, VerifyOptions


def _dev_passphrase(data_dir: Path) -> bytes:
    """The development key passphrase: random, created once, readable by the owner only."""
    path = data_dir / "secrets" / "keystore.passphrase"
    return _local_secret(path, secrets.token_urlsafe(32).encode())


def _local_secret(path: Path, make: bytes) -> bytes:
    """A secret kept in the data dir: written once, readable by the owner only, and the same
    for every process (one that loses the race to create it reads the winner's)."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, make)
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            os.link(draft, path)  # atomic, and never over a key another process made
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_bytes().strip()


def _seed_key(settings: Settings) -> bytes:
    """The 32-byte key sealing remote-signing seeds: ``KYSO_OTP_SEED_KEY``, else one generated
    once in data_dir/secrets/otp-seed.key (base64, the same form as the setting)."""
    if settings.otp_seed_key is not None:
        encoded = settings.otp_seed_key.get_secret_value().encode()
    else:
        fresh = base64.b64encode(secrets.token_bytes(32))
        encoded = _local_secret(settings.data_dir / "secrets" / "otp-seed.key", fresh)
    try:
        key = base64.b64decode(encoded, validate=True)
    except binascii.Error:
        key = b""
    if len(key) != 32:
        raise InputError(
            "settings_invalid",
            "the seed key (KYSO_OTP_SEED_KEY or secrets/otp-seed.key) must be 32 bytes in base64",
        )
    return key


def verify_limits(settings: Settings) -> Limits:
    """The bounds on verifying one untrusted PDF, from the settings."""
    from verify.options import Limits

    return Limits(
        max_memory_bytes=settings.verify_max_memory_mb << 20,
        timeout_seconds=settings.verify_timeout_seconds,
        fetch_timeout_seconds=settings.fetch_timeout_seconds,
        fetch_max_bytes=settings.fetch_max_mb << 20,
        revocation_budget_seconds=settings.revocation_budget_seconds,
    )


class Services:
    def __init__(self, settings: Settings, clock: Clock | None = None) -> None:
        self.settings = settings
        self.clock = clock or SystemClock()

    @cached_property
    def engine(self) -> Engine:
        from api.database import make_engine, migrate
        from api.files import private_dir

        private_dir(self.settings.data_dir)
        engine = make_engine(self.settings.resolved_database_url)
        migrate(engine)
        return engine

    def use_engine(self, engine: Engine) -> None:
        """Use ``engine`` as the services' database, as it is (no migration): for a caller
        that found its schema at head itself (``kyso verify``, api/cli/verify_setup.py)."""
        self.__dict__["engine"] = engine

    @cached_property
    def keystore(self) -> KeyStore:
        from certs.keystore_file import FileKeyStore
        from certs.keystore_pkcs11 import Pkcs11KeyStore

        settings = self.settings
        if settings.keystore == "pkcs11":
            if settings.pkcs11_user_pin is None:
                raise InputError("settings_invalid", "KYSO_PKCS11_USER_PIN is required")
            return Pkcs11KeyStore(
                settings.pkcs11_module,
                settings.pkcs11_token_label,
                settings.pkcs11_user_pin.get_secret_value(),
            )
        if settings.key_passphrase is not None:
            passphrase = settings.key_passphrase.get_secret_value().encode()
        else:
            passphrase = _dev_passphrase(settings.data_dir)
        return FileKeyStore(settings.data_dir / "keys", passphrase)

    @cached_property
    def pki(self) -> Pki:
        from certs.keys import KeyAlgorithm
        from certs.pki import Pki, PkiOptions

        options = PkiOptions(
            public_url=self.settings.public_url,
            key_algorithm=KeyAlgorithm(self.settings.key_algorithm),
        )
        return Pki(self.engine, self.keystore, options, self.clock)

    @cached_property
    def revocation(self) -> Revocation:
        from certs.revocation import Revocation

        return Revocation(self.pki)

    @cached_property
    def ocsp(self) -> OcspResponder:
        from certs.ocsp import OcspResponder

        return OcspResponder(self.pki, self.revocation)

    @cached_property
    def tsa(self) -> TimeStampAuthority:
        from certs.tsa import tsa_from_pki

        return tsa_from_pki(self.pki)

    @cached_property
    def enrolment(self) -> EnrolmentDesk:
        from certs.enrolment import EnrolmentDesk

        return EnrolmentDesk(self.pki)

    @cached_property
    def jobs(self) -> JobQueue:
        from api.jobs.celery_queue import CeleryQueue, make_celery
        from api.jobs.inprocess import InProcessQueue
        from api.jobs.kinds import default_registry

        registry = default_registry(self.settings)
        if self.settings.queue == "celery":
            app = make_celery(
                self.settings.redis_url,
                registry,
                visibility_timeout=self.settings.job_visibility_timeout,
            )
            return CeleryQueue(app, self.settings.redis_url)
        return InProcessQueue(registry)

    @cached_property
    def catalog(self) -> Catalog:
        """The archive's catalog and its audit log (on the service database)."""
        from archive.catalog.sql import SqlCatalog

        return SqlCatalog(self.engine, self.clock)

    @cached_property
    def archive(self) -> Archive:
        """The archive; signed PDFs get a verification summary in the catalog on ingest."""
        from api.adapters import ReportVerifier
        from api.wiring_archive import build_store
        from archive.ingest import Archive

        return Archive(
            build_store(self.settings, self.clock),
            self.catalog,
            verifier=ReportVerifier(self.verify_file, self.settings.data_dir / "tmp"),
        )

    @cached_property
    def timestamp_source(self) -> TimeStampSource:
        """The TSA of ``KYSO_TSA_URL`` over HTTP when it names another service; else kyso's
        own TSA, in-process."""
        from signing.pki_adapter import tsa as own_tsa
        from signing.timestamps import HttpTimeStampSource

        url = self.settings.tsa_url
        own = f"{self.settings.public_url.rstrip('/')}/pki/tsa"
        if url is not None and url.rstrip("/") != own:
            return HttpTimeStampSource(url)
        return own_tsa(self.pki)

    @cached_property
    def signing_context(self) -> SigningContext:
        """Trust and revocation from kyso's own PKI (in-process; HTTP for others), time-stamps
        from ``timestamp_source``."""
        from signing.pades import SigningContext
        from signing.pki_adapter import trust_from_pki

        return SigningContext(
            trust=trust_from_pki(self.pki, fallback=self.http_source()),
            timestamps=self.timestamp_source,
            clock=self.clock,
        )

    @cached_property
    def signers(self) -> SignerCache:
        """One PAdES signer per certificate for this process (its caches kept)."""
        from signing.cache import SignerCache

        return SignerCache(self.pki, self.keystore, self.signing_context)

    def lta_renewer(self, horizon: timedelta = timedelta(days=365)) -> ArchiveTimeStampRenewer:
        from api.adapters import ArchiveTimeStampRenewer

        return ArchiveTimeStampRenewer(self.signing_context, self.clock, horizon)

    @cached_property
    def remote_signing(self) -> RemoteSigningService:
        from signing.remote import RemoteSigningService

        service = RemoteSigningService(
            self.engine, self.keystore, self.clock, seed_key=_seed_key(self.settings)
        )
        service.seal_clear_seeds()  # seeds an install older than sealing kept in clear
        return service

    @cached_property
    def accounts(self) -> Accounts:
        from api.accounts.service import Accounts

        return Accounts(self.engine, self.clock)

    @cached_property
    def notifications(self) -> Notifications:
        from api.accounts.notifications import Notifications

        return Notifications(self.engine, self.clock)

    @cached_property
    def rate_limiter(self) -> Limiter:
        from api.ratelimit import RateLimiter, RedisRateLimiter

        settings = self.settings
        limits = {
            "login": (settings.rate_login_per_minute, 60.0),
            "pin": (settings.rate_pin_per_minute, 60.0),
            "verify": (settings.rate_verify_per_minute, 60.0),
        }
        if settings.rate_limit_store == "redis":
            return RedisRateLimiter(settings.redis_url, limits)
        return RateLimiter(limits)

    @cached_property
    def report_cache(self) -> ReportCache:
        """Recent reports of archived documents (the public QR landing page)."""
        from api.reportcache import ReportCache

        return ReportCache()

    @cached_property
    def verifier_pool(self) -> VerifierPool:
        """Processes that verify uploaded PDFs apart from the API (started on first use)."""
        from api.verifier_pool import VerifierPool

        return VerifierPool(self.settings, self.settings.verify_workers)

    def close(self) -> None:
        """Stop what this process started (the verifier pool); the services stay usable."""
        if "verifier_pool" in self.__dict__:
            self.__dict__.pop("verifier_pool").close()

    def http_source(self) -> HttpUrlSource:
        """OCSP/CRL fetching over HTTP where the fetch policy allows, each fetch bounded in
        time and size."""
        from certs.fetch_policy import FetchPolicy, parse_hosts
        from certs.fetching import HttpUrlSource

        settings = self.settings
        policy = FetchPolicy(
            public=settings.fetch_revocation == "public",
            hosts=parse_hosts(settings.fetch_allow_hosts),
        )
        return HttpUrlSource(settings.fetch_timeout_seconds, settings.fetch_max_mb << 20, policy)

    @cached_property
    def revocation_cache(self) -> RevocationCache:
        """Other responders' OCSP/CRL answers kept by this process between verifications (a
        verifier worker's requests) while valid; kyso's own, answered in-process, never."""
        from certs.revcache import RevocationCache

        own = f"{self.settings.public_url.rstrip('/')}/"
        return RevocationCache(self.settings.revocation_cache_seconds, uncached_prefixes=(own,))

    def verify_options(self, *, online: bool = True) -> VerifyOptions:
        """Trust kyso's roots and imported anchors; kyso's own revocation data in-process."""
        from certs.fetching import PkiUrlSource
        from verify.options import VerifyOptions

        source = PkiUrlSource(self.pki, self.http_source(), self.revocation, self.ocsp)
        return VerifyOptions(
            trust_roots=tuple(self.pki.trust_anchors()),
            online=online,
            revocation_source=source,
            limits=verify_limits(self.settings),
            revocation_cache=self.revocation_cache,
        )

    def verify_file(self, path: Path, *, online: bool = True) -> ValidationReport:
        """Verify a PDF that came from outside in a bounded PDF worker (in this process,
        unconfined, when ``KYSO_VERIFY_WORKERS=0``). Blocking: call it from a thread."""
        from api.verifier_pool import verify_in_worker

        return verify_in_worker(self, path, online)

    def ensure_pki(self) -> bool:
        """Create the development PKI on first start (idempotent; one process at a time, so
        concurrent first commands never pair a CA certificate with another process's key)."""
        from api.database import exclusive

        with exclusive(self.engine, "pki-init"):
            return self.pki.init()
