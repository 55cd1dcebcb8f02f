"""The embedded queue: a thread pool in the API process (heavy kinds use their own processes)."""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

from api.jobs.base import JSON, JobInfo, Registry, unknown_job
from common.errors import KysoError
from common.ids import new_id

log = logging.getLogger(__name__)


class InProcessQueue:
    """Jobs kept in memory; of the ended ones, the newest ``kept`` (the schedule submits one
    every minute or so: they must not pile up for the life of the server)."""

    def __init__(self, registry: Registry, workers: int = 2, kept: int = 1000) -> None:
        self._registry = registry
        self._kept = kept
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="kyso-job")
        self._jobs: dict[str, JobInfo] = {}
        self._keys: dict[str, str] = {}
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)

    def submit(
        self, kind: str, payload: JSON, *, key: str | None = None, owner: str | None = None
    ) -> str:
        self._registry.get(kind)  # an unknown kind is refused here, not in the pool
        with self._lock:
            if key is not None and key in self._keys:
                return self._keys[key]
            job_id = new_id("job_").lower()
            self._forget_old()
            self._jobs[job_id] = JobInfo(job_id, kind, "queued", owner=owner)
            if key is not None:
                self._keys[key] = job_id
        self._pool.submit(self._run, job_id, kind, payload)
        return job_id

    def _forget_old(self) -> None:
        """Drop the oldest ended jobs beyond ``kept`` (caller holds the lock)."""
        ended = [i for i, job in self._jobs.items() if job.status in ("succeeded", "failed")]
        gone = set(ended[: max(0, len(ended) - self._kept)])
        if gone:
            self._jobs = {i: job for i, job in self._jobs.items() if i not in gone}
            self._keys = {key: i for key, i in self._keys.items() if i not in gone}

    def _update(self, job_id: str, **changes: object) -> None:
        with self._changed:
            self._jobs[job_id] = replace(self._jobs[job_id], **changes)  # type: ignore[arg-type]
            self._changed.notify_all()

    def _run(self, job_id: str, kind: str, payload: JSON) -> None:
        self._update(job_id, status="running")
        try:
            result = self._registry.run(
                kind, payload, lambda done, total: self._update(job_id, done=done, total=total)
            )
        except KysoError as exc:
            self._update(job_id, status="failed", error=exc.code)
            return
        except Exception:  # a buggy job must not kill the pool: it is logged and marked failed
            log.exception("job %s crashed", job_id)
            self._update(job_id, status="failed", error="job_crashed")
            return
        self._update(job_id, status="succeeded", result=result)

    def info(self, job_id: str) -> JobInfo:
        with self._lock:
            found = self._jobs.get(job_id)
        if found is None:
            raise unknown_job(job_id)
        return found

    def wait(self, job_id: str, timeout: float) -> JobInfo:
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                job = self._jobs.get(job_id)
                if job is None:
                    raise unknown_job(job_id)
                left = deadline - time.monotonic()
                if job.status in ("succeeded", "failed") or left <= 0:
                    return job
                self._changed.wait(left)

    def depth(self) -> int:
        with self._lock:
            return sum(1 for job in self._jobs.values() if job.status == "queued")

    def ping(self) -> None:
        return None

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True)
