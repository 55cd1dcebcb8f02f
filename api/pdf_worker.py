"""The inside of a PDF worker process (see api/verifier_pool.py): it builds its task context
(database, keys, PKI) once from the settings it was started with, caps its address space,
says it is ready, then runs one task (api/pdf_tasks.py) at a time.

Each task gets a CPU budget (``RLIMIT_CPU``: SIGXCPU ends the process when it is spent). A
task that runs out of memory answers a ``PdfLimitError`` and the process is not given
another one.
What may change while the process lives comes with each task: a verification's trust
anchors (``kyso pki trust add`` runs in another process) are in its ``VerifyConfig``.
"""

from __future__ import annotations

import logging
import os
import resource
import signal
from collections.abc import Callable
from multiprocessing.connection import Connection

from api import build, pdf_tasks
from api.pdf_tasks import PdfLimitError, PdfTaskCrash, TaskContext
from api.settings import Settings
from api.signers import Signing
from common.clock import SystemClock
from common.errors import KysoError

log = logging.getLogger(__name__)
#: ("value", the task's result) or ("error", the exception, raised again by the pool): the
#: KysoError the task raised, a ``PdfLimitError`` when it went over its memory budget, a
#: ``PdfTaskCrash`` for a bug (its text)
Answer = tuple[str, object]

TASKS: dict[str, Callable[..., object]] = {
    "verify": pdf_tasks.verify,
    "pages": pdf_tasks.pages,
    "sign_submission": pdf_tasks.sign_submission,
    "sign_result": pdf_tasks.sign_result,
}


def task_context(settings: Settings) -> TaskContext:
    """A worker's own context: its database connections, key store and PKI."""
    from certs.ocsp import OcspResponder
    from certs.revocation import Revocation

    clock = SystemClock()
    engine = build.open_database(settings)
    store = build.keystore(settings)
    pki = build.pki(settings, engine, store, clock)
    revocation = Revocation(pki)
    return TaskContext(
        max_pages=settings.max_pages,
        pki=pki,
        keystore=store,
        revocation=revocation,
        ocsp=OcspResponder(pki, revocation),
        remote_signing=build.remote_signing(settings, engine, store, clock),
        signing=Signing(settings, pki, store, clock),
        revocation_cache=build.revocation_cache(settings),
        batch_cache=build.batch_cache(settings),
    )


def perform(context: TaskContext, task: str, args: tuple[object, ...], memory: int) -> Answer:
    """Run ``task``, its result or its refusal as an ``Answer`` (in a worker, or in the API
    process itself when ``KYSO_VERIFY_WORKERS=0``); ``memory`` is the budget in bytes."""
    try:
        return "value", TASKS[task](context, *args)
    except MemoryError:
        return "error", PdfLimitError("resource_limit", f"more than {memory >> 20} MB of memory")
    except KysoError as exc:
        return "error", exc


def _limited(
    context: TaskContext, task: str, args: tuple[object, ...], settings: Settings
) -> Answer:
    limits = build.verify_limits(settings)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    spent = int(usage.ru_utime + usage.ru_stime)
    cpu = spent + int(limits.timeout_seconds) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, resource.RLIM_INFINITY))  # SIGXCPU ends it
    try:
        return perform(context, task, args, limits.max_memory_bytes)
    except Exception as exc:
        log.exception("PDF task %s failed", task)
        return "error", PdfTaskCrash(
            f"PDF task {task} failed in its worker: {type(exc).__name__}: {exc}"
        )


def serve_tasks(conn: Connection, settings: Settings) -> None:
    """The worker's main loop, until the pool closes its end of the pipe."""
    from verify.isolate import mapped_bytes

    # Ctrl-C in the terminal of `kyso serve` reaches every process of its group: the server
    # stops the workers in its shutdown, a worker's own KeyboardInterrupt only printed a
    # traceback over the server's log
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    context = task_context(settings)  # connect and open the key store before the cap
    context.pki.trust_anchors()
    budget = mapped_bytes() + build.verify_limits(settings).max_memory_bytes
    resource.setrlimit(resource.RLIMIT_AS, (budget, budget))
    conn.send(("ready", os.getpid()))
    while True:
        try:
            task, args = conn.recv()
        except EOFError:
            return
        conn.send(_limited(context, task, args, settings))
