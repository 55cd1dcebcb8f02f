"""Builds kyso's services from the settings: the one place where configuration meets code.

``build_services(settings)`` is the start-up of a process (the API, a CLI command, a Celery
worker): the database is opened and migrated once, in that explicit step, then every piece
is built and the whole returned as a frozen ``Services``. Keys load once per process (the key
store keeps what it decrypted; ``Signing`` keeps one signer per certificate). The PDF workers
build their own, smaller context (api/pdf_worker.py); routes ask for the pieces they use
(api/deps.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from api import build
from api.settings import Settings
from common.clock import Clock, SystemClock

if TYPE_CHECKING:  # the heavy packages load when the services are built
    from sqlalchemy import Engine

    from api.accounts.notifications import Notifications
    from api.accounts.service import Accounts
    from api.adapters import ArchiveTimeStampRenewer
    from api.jobs.base import JobQueue
    from api.jobs.kinds import JobContext
    from api.pdf_tasks import VerifyConfig
    from api.ratelimit import Limiter
    from api.reportcache import ReportCache
    from api.signers import Signing
    from api.verifier_pool import PdfRunner, VerifierPool
    from archive.ingest import Archive
    from archive.protocols import Catalog
    from certs.enrolment import EnrolmentDesk
    from certs.keys import KeyStore
    from certs.ocsp import OcspResponder
    from certs.pki import Pki
    from certs.revcache import RevocationCache
    from certs.revocation import Revocation
    from certs.sources import HttpUrlSource
    from certs.tsa import TimeStampAuthority
    from signing.cache import SignerCache
    from signing.pades import SigningContext
    from signing.remote import RemoteSigningService
    from signing.timestamps import TimeStampSource
    from verify.model import ValidationReport
    from verify.options import VerifyOptions


@dataclass(frozen=True, eq=False)
class Services:
    """The built services of one process (see ``build_services``)."""

    settings: Settings
    clock: Clock
    engine: Engine
    keystore: KeyStore
    pki: Pki
    revocation: Revocation
    ocsp: OcspResponder
    enrolment: EnrolmentDesk
    catalog: Catalog
    archive: Archive
    remote_signing: RemoteSigningService
    accounts: Accounts
    notifications: Notifications
    rate_limiter: Limiter
    report_cache: ReportCache
    #: other responders' OCSP/CRL answers kept between verifications in this process
    revocation_cache: RevocationCache
    signing: Signing
    verifier_pool: VerifierPool
    pdf: PdfRunner
    jobs: JobQueue

    @property
    def tsa(self) -> TimeStampAuthority:
        return self.signing.tsa

    @property
    def timestamp_source(self) -> TimeStampSource:
        """The TSA of ``KYSO_TSA_URL`` over HTTP when it names another service; else kyso's
        own TSA, in-process."""
        return self.signing.timestamp_source

    @property
    def signing_context(self) -> SigningContext:
        return self.signing.context

    @property
    def signers(self) -> SignerCache:
        """One PAdES signer per certificate for this process (its caches kept)."""
        return self.signing.signers

    def lta_renewer(self, horizon: timedelta = timedelta(days=365)) -> ArchiveTimeStampRenewer:
        from api.adapters import ArchiveTimeStampRenewer

        return ArchiveTimeStampRenewer(self.signing_context, self.clock, horizon)

    def anchor_audit_log(self, every: timedelta) -> int | None:
        """Time-stamp the audit log's head if it has new entries and the last anchor is older
        than ``every``; the anchored sequence number, or None."""
        from api.adapters import TsaAnchorer

        return self.catalog.audit_log.anchor_if_due(TsaAnchorer(self.timestamp_source), every)

    def close(self) -> None:
        """Stop what this process started (the verifier pool's workers)."""
        self.verifier_pool.close()

    def http_source(self) -> HttpUrlSource:
        """OCSP/CRL fetching over HTTP where the fetch policy allows, each fetch bounded in
        time and size."""
        return build.http_source(self.settings)

    def verify_config(self, *, online: bool = True) -> VerifyConfig:
        """How a PDF worker verifies a document now: the trust anchors as they are (read
        for each document, so one added since start-up counts at once), the limits, the
        fetch policy."""
        from api.pdf_tasks import VerifyConfig

        return VerifyConfig(
            trust_anchors=tuple(cert.dump() for cert in self.pki.trust_anchors()),
            online=online,
            limits=build.verify_limits(self.settings),
            fetch_policy=build.fetch_policy(self.settings),
        )

    def verify_options(self, *, online: bool = True) -> VerifyOptions:
        """Trust kyso's roots and imported anchors; kyso's own revocation data in-process."""
        from certs.sources import PkiUrlSource
        from verify.options import VerifyOptions

        source = PkiUrlSource(self.pki, self.http_source(), self.revocation, self.ocsp)
        return VerifyOptions(
            trust_roots=tuple(self.pki.trust_anchors()),
            online=online,
            revocation_source=source,
            limits=build.verify_limits(self.settings),
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


class _Later:
    """The services, for the jobs of the in-process queue (made before the services are)."""

    services: Services | None = None

    def __call__(self) -> JobContext:
        assert self.services is not None, "a job ran before the services were built"
        return self.services


def _jobs(settings: Settings, later: _Later) -> JobQueue:
    from api.jobs.inprocess import InProcessQueue
    from api.jobs.kinds import default_registry

    if settings.queue == "celery":  # the jobs run in the workers (api/jobs/context.py)
        from api.jobs.celery_queue import CeleryQueue, make_celery
        from api.jobs.context import per_process

        registry = default_registry(settings, per_process(lambda: build_services(settings)))
        app = make_celery(
            settings.redis_url, registry, visibility_timeout=settings.job_visibility_timeout
        )
        return CeleryQueue(app, settings.redis_url)
    return InProcessQueue(default_registry(settings, later))


def _rate_limiter(settings: Settings) -> Limiter:
    from api.ratelimit import RateLimiter, RedisRateLimiter

    limits = {
        "login": (settings.rate_login_per_minute, 60.0),
        "pin": (settings.rate_pin_per_minute, 60.0),
        "verify": (settings.rate_verify_per_minute, 60.0),
        "exchange": (settings.rate_exchange_per_minute, 60.0),
    }
    if settings.rate_limit_store == "redis":
        return RedisRateLimiter(settings.redis_url, limits)
    return RateLimiter(limits)


def build_services(settings: Settings, clock: Clock | None = None) -> Services:
    """The start-up: the database opened and migrated (once, here), then every service."""
    from api.accounts.notifications import Notifications
    from api.accounts.service import Accounts
    from api.adapters import ReportVerifier
    from api.pdf_tasks import TaskContext
    from api.reportcache import ReportCache
    from api.signers import Signing
    from api.verifier_pool import PdfRunner, VerifierPool, verify_in_worker
    from api.wiring_archive import build_store
    from archive.catalog.sql import SqlCatalog
    from archive.ingest import Archive
    from certs.enrolment import EnrolmentDesk
    from certs.ocsp import OcspResponder
    from certs.revocation import Revocation

    clock = clock or SystemClock()
    engine = build.open_database(settings)
    store = build.keystore(settings)
    pki = build.pki(settings, engine, store, clock)
    revocation = Revocation(pki)
    ocsp = OcspResponder(pki, revocation)
    remote = build.remote_signing(settings, engine, store, clock)
    remote.seal_clear_seeds()  # seeds an install older than sealing kept in clear
    signing = Signing(settings, pki, store, clock)
    revocations = build.revocation_cache(settings)
    pool = VerifierPool(settings, settings.verify_workers)
    inline = None
    if not settings.verify_workers:
        inline = TaskContext(
            settings.max_pages, pki, store, revocation, ocsp, remote, signing, revocations,
            build.batch_cache(settings),
        )  # fmt: skip
    pdf = PdfRunner(
        pool if settings.verify_workers else None,
        inline,
        build.verify_limits(settings).max_memory_bytes,
    )
    later = _Later()
    catalog = SqlCatalog(engine, clock)

    def verify(path: Path) -> ValidationReport:
        assert later.services is not None
        return verify_in_worker(later.services, path, True)

    services = Services(
        settings=settings,
        clock=clock,
        engine=engine,
        keystore=store,
        pki=pki,
        revocation=revocation,
        ocsp=ocsp,
        enrolment=EnrolmentDesk(pki),
        catalog=catalog,
        archive=Archive(
            build_store(settings, clock),
            catalog,
            verifier=ReportVerifier(verify, settings.data_dir / "tmp"),
        ),
        remote_signing=remote,
        accounts=Accounts(engine, clock),
        notifications=Notifications(engine, clock),
        rate_limiter=_rate_limiter(settings),
        report_cache=ReportCache(),
        revocation_cache=revocations,
        signing=signing,
        verifier_pool=pool,
        pdf=pdf,
        jobs=_jobs(settings, later),
    )
    later.services = services
    return services
