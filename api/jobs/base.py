"""The job model shared by both queues, and the registry of job kinds."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from common.errors import ConflictError, InputError, NotFoundError

JSON = dict[str, object]
#: called by a running job: (done, total)
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class JobInfo:
    id: str
    kind: str
    status: str  # queued | running | succeeded | failed
    done: int = 0
    total: int = 0
    result: JSON | None = None
    error: str | None = None
    #: the username that started it (None: the schedule, a CLI, or a restarted scan job)
    owner: str | None = None


class JobQueue(Protocol):
    def submit(
        self, kind: str, payload: JSON, *, key: str | None = None, owner: str | None = None
    ) -> str:
        """Queue a job for ``owner``; with ``key``, submitting the same key again returns the
        first job's id (and keeps its owner)."""
        ...

    def info(self, job_id: str) -> JobInfo: ...

    def wait(self, job_id: str, timeout: float) -> JobInfo:
        """Block until the job ends or ``timeout`` seconds pass; returns its latest state."""
        ...

    def depth(self) -> int:
        """Jobs waiting to start."""
        ...

    def ping(self) -> None:
        """Raise when the queue's broker cannot be reached."""
        ...


class JobError(ConflictError):
    default_code = "job_failed"


def unknown_job(job_id: str) -> NotFoundError:
    return NotFoundError("job_unknown", f"no job {job_id}")


@dataclass(frozen=True)
class JobKind:
    """A kind of job: ``run(payload, progress)`` does the work and returns a JSON result.

    Runs must be idempotent: a job whose worker died is run again from the start.
    """

    name: str
    run: Callable[[JSON, Progress], JSON]


@dataclass
class Registry:
    kinds: dict[str, JobKind] = field(default_factory=dict)

    def add(self, kind: JobKind) -> None:
        self.kinds[kind.name] = kind

    def run(self, name: str, payload: JSON, progress: Progress) -> JSON:
        """Run a job of kind ``name`` here, timed and counted in the job metrics."""
        import time

        from sqlalchemy.exc import DBAPIError

        from api.failures import infrastructure_error
        from api.jobs import metrics

        kind = self.get(name)
        started = time.perf_counter()
        status = "failed"
        try:
            result = kind.run(payload, progress)
            status = "succeeded"
            return result
        except (OSError, DBAPIError) as exc:  # a full disk, a damaged database: the job failed
            error = infrastructure_error(exc)  # with that code, it did not crash
            if error is None:
                raise
            raise error from exc
        finally:
            metrics.JOBS.labels(name, status).inc()
            metrics.JOB_SECONDS.labels(name).observe(time.perf_counter() - started)

    def get(self, name: str) -> JobKind:
        found = self.kinds.get(name)
        if found is None:
            raise InputError("job_kind_unknown", f"no job kind {name!r}")
        return found

    def names(self) -> Mapping[str, JobKind]:
        return dict(self.kinds)
