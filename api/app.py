"""The FastAPI application factory."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from api.errors import install_error_handlers
from api.limits import BodyLimitMiddleware
from api.logs import configure as configure_logs
from api.logs import install as install_request_ids
from api.observability import install as install_observability
from api.recovery import recover
from api.routes import (
    archivist,
    bags,
    csc,
    csc_enrolment,
    dossiers,
    exchange,
    lookup,
    pki,
    printcheck,
    results,
    v1,
    verify,
)
from api.settings import Settings
from api.web import api_docs
from api.web.archive_pages import router as archive_pages
from api.web.dossier_pages import router as dossier_pages
from api.web.exchange_pages import router as exchange_pages
from api.web.keeping_pages import router as keeping_pages
from api.web.print_pages import router as print_pages
from api.web.result_pages import router as result_pages
from api.web.routes import router as pages
from api.wiring import Services, build_services
from common.version import kyso_version


def create_app(settings: Settings | None = None, services: Services | None = None) -> FastAPI:
    """The kyso app; the development PKI is created on first start (embedded defaults)."""
    settings = settings or Settings()
    services = services or build_services(settings)
    services.ensure_pki()
    recover(services)

    now = services.clock.now

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        running: list[asyncio.Task[None]] = []
        if settings.queue != "celery":  # with Celery, `kyso worker --beat` runs the timetable
            from api.exchange_retry import run_periodically
            from api.jobs.schedule import run_embedded, timetable

            entries = timetable(settings, exchange=False)
            running.append(asyncio.create_task(run_embedded(services.jobs, entries, now)))
            if settings.agency_code and settings.exchange_retry_seconds > 0:
                every = settings.exchange_retry_seconds
                retries = run_periodically(lambda: app.state.services, every)
                running.append(asyncio.create_task(retries))
        yield
        for task in running:
            task.cancel()
        # what this process started ends with it (SIGTERM included): the PDF workers,
        # their fork server, the resource tracker
        services.close()
        from api.verifier_pool import stop_process_helpers

        stop_process_helpers()

    app = FastAPI(
        title="kyso",
        version=kyso_version(),
        openapi_url="/api/v1/openapi.json",
        docs_url=None,  # api/web/api_docs.py: served here, under the CSP
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.services = services
    install_error_handlers(app)
    # in this order: the API, then the HTML pages
    routers = (
        pki.router,
        v1.router,
        verify.router,
        printcheck.router,
        lookup.router,
        csc.v1_router,
        csc.v2_router,
        csc_enrolment.router,
        dossiers.router,
        results.router,
        archivist.router,
        bags.router,
        exchange.router,
        pages,
        dossier_pages,
        archive_pages,
        keeping_pages,
        print_pages,
        exchange_pages,
        result_pages,
    )
    for router in routers:
        app.include_router(router)
    api_docs.install(app)
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "web" / "static"), "static")
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_upload_mb * 1024 * 1024)
    app.state.metrics = install_observability(app, services)
    install_request_ids(app)

    return app


def create_worker_app() -> FastAPI:
    """The factory of `kyso serve --workers N`: a worker process is spawned with no logging
    set up, so it configures its logs as the single-process server does, then builds the app."""
    settings = Settings()
    configure_logs(settings.log_level, settings.log_format == "json")
    return create_app(settings)
