"""Celery workers on Redis (production): ``kyso worker`` runs them, ``--beat`` the schedule.

Jobs are acknowledged late and rejected when their worker dies, so a job whose worker is
killed mid-way goes back to the queue and is run again (kinds are idempotent).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import redis
from celery import Celery, Task
from celery.result import AsyncResult
from celery.schedules import crontab
from kombu.exceptions import OperationalError

from api.jobs.base import JSON, JobInfo, Registry, unknown_job
from api.jobs.schedule import VIETNAM, Entry
from common.errors import ExternalServiceError
from common.ids import new_id

log = logging.getLogger(__name__)
TASK_NAME = "kyso.run"
#: seconds a job's kind, owner and result are kept in Redis
KEPT = 7 * 24 * 3600
_STATES = {
    "PENDING": "queued",
    "RECEIVED": "queued",
    "RETRY": "queued",
    "STARTED": "running",
    "PROGRESS": "running",
    "SUCCESS": "succeeded",
    "FAILURE": "failed",
    "REVOKED": "failed",
}


def make_celery(
    redis_url: str,
    registry: Registry,
    *,
    visibility_timeout: int = 3600,
    schedule: tuple[Entry, ...] | None = None,
) -> Celery:
    """The Celery app running ``registry``'s kinds; with ``schedule``, what beat runs."""
    app = Celery("kyso", broker=redis_url, backend=redis_url)
    # kombu looks for unacknowledged jobs past their visibility timeout only every 10th sweep
    # of 10 s: a dead worker's job (or one in flight when Redis went down) waited up to 100 s
    # more. Every sweep looks, a fifth of the timeout apart (1 to 10 s; 10 s at the default).
    restore = {
        "unacked_restore_interval": max(1, min(10, visibility_timeout // 5)),
        "unacked_restore_throttle": 1,
    }
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_track_started=True,
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        result_expires=KEPT,
        broker_transport_options={"visibility_timeout": visibility_timeout, **restore},
        result_backend_transport_options={"visibility_timeout": visibility_timeout},
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
    )
    if schedule is not None:
        app.conf.beat_schedule = beat_schedule(schedule)

    @app.task(name=TASK_NAME, bind=True)  # type: ignore[untyped-decorator]
    def run(self: Task, kind: str, payload: JSON) -> JSON:
        def progress(done: int, total: int) -> None:
            self.update_state(state="PROGRESS", meta={"done": done, "total": total})

        result: JSON = registry.run(kind, payload, progress)
        return result

    return app


def beat_schedule(entries: tuple[Entry, ...]) -> dict[str, dict[str, object]]:
    """Celery beat's ``beat_schedule`` for ``entries`` (Celery's own clock is UTC)."""
    schedule: dict[str, dict[str, object]] = {}
    for entry in entries:
        when: object
        if entry.every is not None:
            when = entry.every
        else:
            assert entry.at is not None
            # a fixed offset: the local hour and weekday shifted to UTC's (1 January 2024
            # was a Monday, weekday 0)
            day = 1 + (entry.weekday or 0)
            local = datetime(2024, 1, day, entry.at.hour, entry.at.minute, tzinfo=VIETNAM)
            utc = local.astimezone(UTC)
            days = "*" if entry.weekday is None else str((utc.weekday() + 1) % 7)  # Sunday 0
            when = crontab(hour=utc.hour, minute=utc.minute, day_of_week=days)
        schedule[entry.name] = {"task": TASK_NAME, "schedule": when,
                                "args": (entry.kind, entry.payload)}  # fmt: skip
    return schedule


@contextmanager
def _broker_errors() -> Iterator[None]:
    try:
        yield
    except (redis.RedisError, OperationalError) as exc:
        raise ExternalServiceError("queue_unavailable", "Redis does not answer") from exc


class CeleryQueue:
    def __init__(self, app: Celery, redis_url: str) -> None:
        self._app = app
        self._redis = redis.Redis.from_url(redis_url)

    def submit(
        self, kind: str, payload: JSON, *, key: str | None = None, owner: str | None = None
    ) -> str:
        with _broker_errors():
            return self._submit(kind, payload, key, owner)

    def _submit(self, kind: str, payload: JSON, key: str | None, owner: str | None) -> str:
        job_id = new_id("job_").lower()
        if key is not None:
            slot = f"kyso:job-key:{key}"
            if not self._redis.set(slot, job_id, nx=True, ex=KEPT):
                existing = self._redis.get(slot)
                assert isinstance(existing, bytes)
                return existing.decode()
        self._redis.set(f"kyso:job-kind:{job_id}", kind, ex=KEPT)
        if owner is not None:
            self._redis.set(f"kyso:job-owner:{job_id}", owner, ex=KEPT)
        self._app.send_task(TASK_NAME, args=(kind, payload), task_id=job_id)
        return job_id

    def info(self, job_id: str) -> JobInfo:
        with _broker_errors():
            return self._info(job_id)

    def _info(self, job_id: str) -> JobInfo:
        kind_raw, owner_raw = self._redis.mget(
            [f"kyso:job-kind:{job_id}", f"kyso:job-owner:{job_id}"]
        )
        if not isinstance(kind_raw, bytes):
            raise unknown_job(job_id)
        kind = kind_raw.decode()
        owner = owner_raw.decode() if isinstance(owner_raw, bytes) else None
        result = AsyncResult(job_id, app=self._app)
        state = str(result.state)
        meta: Any = result.info
        status = _STATES.get(state, "running")
        if status == "succeeded":
            return JobInfo(job_id, kind, status, result=meta, owner=owner)
        if status == "failed":
            code = getattr(meta, "code", None) or type(meta).__name__
            return JobInfo(job_id, kind, status, error=str(code), owner=owner)
        done = int(meta.get("done", 0)) if isinstance(meta, dict) else 0
        total = int(meta.get("total", 0)) if isinstance(meta, dict) else 0
        return JobInfo(job_id, kind, status, done, total, owner=owner)

    def depth(self) -> int:
        with _broker_errors():
            return int(self._redis.llen("celery"))

    def ping(self) -> None:
        with _broker_errors():
            self._redis.ping()

    def wait(self, job_id: str, timeout: float) -> JobInfo:
        deadline = time.monotonic() + timeout
        while True:
            job = self.info(job_id)
            if job.status in ("succeeded", "failed") or time.monotonic() >= deadline:
                return job
            time.sleep(0.1)
