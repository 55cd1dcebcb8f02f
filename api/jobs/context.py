"""The job context of a Celery worker process: built once per process, on its first job.

Celery's prefork pool forks its children from the main worker process after the registry is
made; each child builds its own services (database connections, key store, archive) the first
time one of its jobs asks, then keeps them for every later job. One built before a fork is
not used in the child (connections do not survive a fork).
"""

from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING

from api.jobs.kinds import ContextOf, JobContext
from api.settings import Settings

if TYPE_CHECKING:
    from api.wiring import Services


def per_process(settings: Settings) -> ContextOf:
    """A ``ContextOf`` that builds the services from ``settings`` once per process."""
    lock = threading.Lock()
    built: dict[int, Services] = {}

    def context() -> JobContext:
        from api.wiring import build_services

        with lock:
            pid = os.getpid()
            if pid not in built:
                built.clear()  # the parent's, inherited through a fork
                built[pid] = build_services(settings)
            return built[pid]

    return context
