"""The inside of a PDF worker process (see api/verifier_pool.py): it builds its own services
from the settings, caps its address space, says it is ready, then runs one task
(api/pdf_tasks.py) at a time.

Each task gets a CPU budget (``RLIMIT_CPU``: SIGXCPU ends the process when it is spent). A
task that runs out of memory answers ``limit`` and the process is not given another one.
What a task needs that may change while the process lives (trust anchors: ``kyso pki trust
add`` runs in another process) is read again for each task.
"""

from __future__ import annotations

import logging
import os
import resource
from collections.abc import Callable
from multiprocessing.connection import Connection

from api import pdf_tasks
from api.settings import Settings
from api.wiring import Services, verify_limits
from common.errors import KysoError

log = logging.getLogger(__name__)
#: (kind, value): "value" the task's result, "error" the KysoError it raised, "limit" it went
#: over its memory budget (the text says what), "crash" a bug (the exception's text)
Answer = tuple[str, object]


def _pages(_services: Services, pdf: bytes) -> int:
    return pdf_tasks.page_count(pdf)


TASKS: dict[str, Callable[..., object]] = {
    "verify": pdf_tasks.verify,
    "pages": _pages,
    "sign_submission": pdf_tasks.sign_submission,
    "sign_result": pdf_tasks.sign_result,
}


def perform(services: Services, task: str, args: tuple[object, ...]) -> Answer:
    """Run ``task``, its result or its refusal as an ``Answer`` (in a worker, or in the API
    process itself when ``KYSO_VERIFY_WORKERS=0``)."""
    try:
        return "value", TASKS[task](services, *args)
    except MemoryError:
        budget = verify_limits(services.settings).max_memory_bytes
        return "limit", f"more than {budget >> 20} MB of memory"
    except KysoError as exc:
        return "error", exc


def _limited(services: Services, task: str, args: tuple[object, ...]) -> Answer:
    limits = verify_limits(services.settings)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    spent = int(usage.ru_utime + usage.ru_stime)
    cpu = spent + int(limits.timeout_seconds) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, resource.RLIM_INFINITY))  # SIGXCPU ends it
    try:
        return perform(services, task, args)
    except Exception as exc:
        log.exception("PDF task %s failed", task)
        return "crash", f"{type(exc).__name__}: {exc}"


def serve_tasks(conn: Connection, values: dict[str, object]) -> None:
    """The worker's main loop, until the pool closes its end of the pipe."""
    from verify.isolate import mapped_bytes

    services = Services(Settings(**values))  # type: ignore[arg-type]
    services.verify_options(online=True)  # connect, load keys and anchors before the cap
    budget = mapped_bytes() + verify_limits(services.settings).max_memory_bytes
    resource.setrlimit(resource.RLIMIT_AS, (budget, budget))
    conn.send(("ready", os.getpid()))
    while True:
        try:
            task, args = conn.recv()
        except EOFError:
            return
        conn.send(_limited(services, task, args))
