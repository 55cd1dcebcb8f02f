"""``kyso worker``: Celery workers on Redis for OCR, fixity audits and LTA renewal."""

from __future__ import annotations

import typer

from api.settings import Settings


def worker_command(
    beat: bool = typer.Option(
        False,
        "--beat",
        help="Also run the schedule (fixity, LTA renewal, log anchors, exchange retries).",
    ),
    concurrency: int = typer.Option(2, help="Worker processes."),
    pool: str = typer.Option("prefork", help="prefork | solo | threads"),
    queues: str = typer.Option("celery", help="Queues to consume, comma-separated."),
    metrics_port: int = typer.Option(
        0, help="Serve Prometheus job metrics (jobs, durations, OCR pages) on this port."
    ),
) -> None:
    """Chạy tiến trình xử lý nền (run background workers; needs KYSO_REDIS_URL)."""
    if metrics_port:
        _serve_metrics(metrics_port)
    from api.exchange_retry import retry_job
    from api.jobs.celery_queue import make_celery
    from api.jobs.context import per_process
    from api.jobs.kinds import default_registry
    from api.jobs.schedule import timetable
    from api.wiring import Services, build_services

    settings = Settings()
    context = per_process(lambda: build_services(settings))

    def services() -> Services:
        built = context()
        assert isinstance(built, Services)  # per_process gives what build_services built
        return built

    registry = default_registry(settings, context)
    registry.add(retry_job(services))
    app = make_celery(
        settings.redis_url,
        registry,
        visibility_timeout=settings.job_visibility_timeout,
        schedule=timetable(settings) if beat else None,
    )
    argv = ["worker", "--loglevel=INFO", f"--concurrency={concurrency}", f"--pool={pool}"]
    argv += [f"--queues={queues}"]
    if beat:  # beat's own state (when each entry last ran) lives in the data dir
        settings.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        argv += ["--beat", f"--schedule={settings.data_dir / 'celerybeat-schedule'}"]
    app.worker_main(argv)


def _serve_metrics(port: int) -> None:
    """Job metrics of every worker process (prometheus_client's multiprocess mode)."""
    import os
    import tempfile
    from pathlib import Path

    folder = os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp(prefix="kyso-"))
    for stale in Path(folder).glob("*.db"):  # counts of an earlier run of this worker
        stale.unlink()
    from prometheus_client import CollectorRegistry, multiprocess, start_http_server

    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    start_http_server(port, registry=registry)
