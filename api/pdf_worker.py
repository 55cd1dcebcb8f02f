"""The inside of a PDF worker process (see api/verifier_pool.py): it builds its own services
from the settings, caps its address space, says it is ready, then runs one task at a time.

Each task gets a CPU budget (``RLIMIT_CPU``: SIGXCPU ends the process when it is spent). A
task that runs out of memory answers ``limit`` and the process is not given another one.
What a task needs that may change while the process lives (trust anchors: ``kyso pki trust
add`` runs in another process) is read again for each task.
"""

from __future__ import annotations

import os
import resource
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path

from api.settings import Settings
from api.wiring import Services, verify_limits
from common.errors import KysoError

#: (kind, value): "report"/"value" a result, "error" a kyso error's (code, message),
#: "limit" the task went over its memory budget (the text says what)
Answer = tuple[str, object]


def _verify(services: Services, path: str, online: bool) -> Answer:
    from verify.engine import verify_pdf

    # trust anchors are read for each document: one added since start-up counts at once
    return "report", verify_pdf(Path(path), services.verify_options(online=online))


TASKS: dict[str, Callable[..., Answer]] = {"verify": _verify}


def _run(services: Services, task: str, args: tuple[object, ...]) -> Answer:
    limits = verify_limits(services.settings)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    spent = int(usage.ru_utime + usage.ru_stime)
    cpu = spent + int(limits.timeout_seconds) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, resource.RLIM_INFINITY))  # SIGXCPU ends it
    try:
        return TASKS[task](services, *args)
    except MemoryError:
        return "limit", f"more than {limits.max_memory_bytes >> 20} MB of memory"
    except KysoError as exc:
        return "error", (exc.code, exc.message)


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
        conn.send(_run(services, task, args))
