"""Prometheus metrics (``/metrics``) and health/readiness (``/health``, ``/ready``).

Each app has its own registry. Counters count what this API process did; the queue depth and
the newest fixity audit's failures are read when Prometheus scrapes. ``/metrics`` is off until
``KYSO_METRICS_TOKEN`` is set, then answers only that bearer token: what it shows (routes, how
many signatures and failed verifications, audit failures) is for the operator. Telling apart
local scrapers by address would not do: a reverse proxy on the same host makes every client
look local.
"""

from __future__ import annotations

import hmac
import logging
import time
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from starlette.concurrency import run_in_threadpool

from api.settings import Settings
from api.wiring import Services
from common.errors import AuthenticationError, KysoError, NotFoundError

log = logging.getLogger(__name__)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "kyso_http_requests", "HTTP requests", ["method", "route", "status"],
            registry=self.registry,
        )  # fmt: skip
        self.latency = Histogram(
            "kyso_http_request_seconds", "HTTP request latency", ["route"], registry=self.registry
        )
        self.signatures = Counter(
            "kyso_signatures", "signatures made by the service", ["kind"], registry=self.registry
        )
        self.verifications = Counter(
            "kyso_verifications", "verification reports by indication", ["indication"],
            registry=self.registry,
        )  # fmt: skip
        self.fixity_failures = Gauge(
            "kyso_fixity_failures_last_audit",
            "missing or corrupted versions found by the newest finished fixity audit",
            registry=self.registry,
        )
        self.queue_depth = Gauge(
            "kyso_job_queue_depth", "jobs waiting in the queue", registry=self.registry
        )


def _route(request: Request) -> str:
    """The matched route's template (``/v/{code}``), so paths do not explode the labels."""
    return str(getattr(request.scope.get("route"), "path", "unmatched"))


def checks(svc: Services) -> dict[str, str]:
    """Each backend the service needs, and whether it answers."""
    results: dict[str, str] = {}

    def probe(name: str, action: Callable[[], object]) -> None:
        try:
            action()
            results[name] = "ok"
        except (KysoError, OSError, ConnectionError) as exc:
            log.warning("readiness: %s failed", name)
            results[name] = getattr(exc, "code", type(exc).__name__)

    from api.readiness import check_data_disk, check_database

    probe("data_disk", lambda: check_data_disk(svc.settings))
    probe("database", lambda: check_database(svc.engine))
    probe("object_store", svc.archive.store.ping)
    probe("queue", svc.jobs.ping)
    probe("key_store", lambda: svc.keystore.public_key("ca-root"))
    return results


def _last_audit_failures(svc: Services) -> int:
    newest = svc.catalog.fixity_runs(1, finished=True)
    return len(newest[0].problems) if newest else 0


def check_scraper(request: Request, settings: Settings) -> None:
    """Let through only a request with the metrics bearer token (404 when metrics are off)."""
    if settings.metrics_token is None:
        raise NotFoundError("metrics_disabled", "set KYSO_METRICS_TOKEN to serve /metrics")
    scheme, _, sent = request.headers.get("authorization", "").partition(" ")
    expected = settings.metrics_token.get_secret_value().encode()
    if scheme.lower() != "bearer" or not hmac.compare_digest(sent.strip().encode(), expected):
        raise AuthenticationError("metrics_token_invalid", "send the metrics bearer token")


def install(app: FastAPI, svc: Services) -> Metrics:
    metrics = Metrics()

    @app.middleware("http")
    async def record(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        started = time.perf_counter()
        response = await call_next(request)
        route = _route(request)
        metrics.requests.labels(request.method, route, str(response.status_code)).inc()
        metrics.latency.labels(route).observe(time.perf_counter() - started)
        return response

    @app.get("/metrics", include_in_schema=False)
    def prometheus(request: Request) -> Response:
        check_scraper(request, svc.settings)
        metrics.queue_depth.set(svc.jobs.depth())
        metrics.fixity_failures.set(_last_audit_failures(svc))
        from api.jobs import metrics as job_metrics  # jobs run in this process (in-process queue)

        body = generate_latest(metrics.registry) + generate_latest(job_metrics.REGISTRY)
        return Response(body, media_type=CONTENT_TYPE_LATEST)

    @app.get("/health", tags=["ops"])
    def health() -> dict[str, str]:
        """The process answers (liveness)."""
        return {"status": "ok"}

    @app.get("/ready", tags=["ops"])
    async def ready() -> Response:
        """Every backend answers: database, object store, queue, key store (readiness)."""
        import json

        results = await run_in_threadpool(checks, svc)
        ok = all(value == "ok" for value in results.values())
        body = json.dumps({"status": "ok" if ok else "unavailable", "checks": results})
        return Response(body, status_code=200 if ok else 503, media_type="application/json")

    return metrics
