"""The job context of a Celery worker process: built once per process, on its first job.

Celery's prefork pool forks its children from the main worker process after the registry is
made; each child builds its own services (database connections, key store, archive) the first
time one of its jobs asks, then keeps them for every later job. One built before a fork is
not used in the child (connections do not survive a fork).
"""

from __future__ import annotations

import os
import threading

from api.jobs.kinds import ContextOf, JobContext


def per_process(build: ContextOf) -> ContextOf:
    """A ``ContextOf`` that calls ``build`` (e.g. ``build_services`` of the worker's settings)
    once per process, on the first job, and gives the same context to every later job."""
    lock = threading.Lock()
    built: dict[int, JobContext] = {}

    def context() -> JobContext:
        with lock:
            pid = os.getpid()
            if pid not in built:
                built.clear()  # the parent's, inherited through a fork
                built[pid] = build()
            return built[pid]

    return context
