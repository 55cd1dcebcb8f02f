"""Uploaded PDFs are parsed in a pool of separate worker processes, never in the API process.

A hostile PDF (a decompression bomb, deep nesting, a parser bug) can then only exhaust a
worker: each caps its address space (``Limits.max_memory_bytes`` over what it maps after
start-up) and its CPU time per task (``Limits.timeout_seconds``); see api/pdf_worker.py.
Workers fork from a clean fork server (the API's threads are never forked), get the settings
(pickled) and build their task context once (api/pdf_worker.py), and are replaced after
``TASKS_PER_PROCESS`` tasks. What a verification depends on that may change while they live
(the trust anchors) is sent with each task in a picklable ``VerifyConfig``.

Each task has a wall-clock deadline (``Limits.wall_seconds``: the CPU budget plus
the revocation look-ups' budget). A worker that misses it is killed and replaced, so a stuck
worker never holds its place: the request gets 503 ``verifier_busy`` (try again) and the
next upload is served. A worker that dies during a task (its memory or CPU budget, or killed
from outside) costs one retry on a fresh worker; dying twice, the document gets the
``resource_limit`` finding, like ``kyso verify``. A request that finds every worker busy
for the length of a deadline also gets 503 ``verifier_busy``.
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import threading
import weakref
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from starlette.concurrency import run_in_threadpool

from api.build import verify_limits
from api.pdf_tasks import PdfLimitError, PdfTaskCrash
from api.settings import Settings
from common.errors import ExternalServiceError, InputError, KysoError

if TYPE_CHECKING:  # verify/ (pyHanko) loads in the workers, and here when a report is made
    from api.pdf_tasks import TaskContext, VerifyConfig
    from verify.model import ValidationReport
    from verify.options import VerifyOptions

log = logging.getLogger(__name__)
TASKS_PER_PROCESS = 200
PRELOAD = ["api.pdf_worker", "verify.engine", "certs.fetching", "signing.pades"]
#: a worker builds its task context (database, keys) before its first task
START_SECONDS = 120.0
Answer = tuple[str, object]


def _busy() -> ExternalServiceError:
    return ExternalServiceError("verifier_busy", "the verifier did not answer in time; try again")


@dataclass(eq=False)
class _Worker:
    process: BaseProcess
    conn: Connection
    tasks: int = 0

    def ask(self, task: str, args: tuple[object, ...], seconds: float) -> Answer | None:
        """The task's answer; None when there is none within ``seconds``. Raises EOFError
        or OSError when the process died."""
        self.conn.send((task, args))
        if not self.conn.poll(seconds):
            return None
        answer: Answer = self.conn.recv()
        return answer

    def stop(self) -> None:
        """Kill it and reap it (it may be stuck anywhere: no polite request)."""
        self.conn.close()
        if self.process.pid is None:
            return  # never started
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=10)


class VerifierPool:
    """At most ``workers`` worker processes, started when needed."""

    def __init__(self, settings: Settings, workers: int) -> None:
        self._settings = settings
        self._size = workers
        self._deadline = verify_limits(settings).wall_seconds()
        self._lock = threading.Lock()
        self._idle: list[_Worker] = []
        self._all: set[_Worker] = set()
        self._slots = threading.BoundedSemaphore(workers)
        self._closed = False
        #: processes started so far (the tests watch replacements)
        self.started = 0
        _POOLS.add(self)

    def pids(self) -> list[int]:
        with self._lock:
            return [w.process.pid for w in self._all if w.process.pid is not None]

    def live(self) -> int:
        """Worker processes started or starting, not yet stopped."""
        with self._lock:
            return len(self._all)

    def _start(self) -> _Worker:
        from api.pdf_worker import serve_tasks

        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(PRELOAD)
        mine, theirs = context.Pipe()
        process = context.Process(
            target=serve_tasks, args=(theirs, self._settings), name="kyso-pdf-worker", daemon=True
        )
        worker = _Worker(process, mine)
        with self._lock:
            if self._closed:
                raise _busy()  # shutting down
            self._all.add(worker)  # counted before it runs (see stop_process_helpers)
            self.started += 1
        try:
            process.start()
            theirs.close()
            if mine.poll(START_SECONDS) and mine.recv()[0] == "ready":
                return worker
        except (EOFError, OSError):
            pass
        self._discard(worker)
        log.error("a PDF worker did not start (exit %s)", process.exitcode)
        raise ExternalServiceError("verifier_unavailable", "the verifier could not start")

    def _take(self) -> _Worker:
        with self._lock:
            if self._closed:
                raise _busy()  # shutting down
            while self._idle:
                worker = self._idle.pop()
                if worker.process.is_alive():
                    return worker
                self._all.discard(worker)
        return self._start()

    def _give_back(self, worker: _Worker) -> None:
        worker.tasks += 1
        if worker.tasks >= TASKS_PER_PROCESS:
            self._discard(worker)  # retired: a fresh one starts when needed
            return
        with self._lock:
            if worker in self._all:
                self._idle.append(worker)
                return
        worker.stop()  # the pool was closed meanwhile

    def _discard(self, worker: _Worker) -> None:
        with self._lock:
            self._all.discard(worker)
        worker.stop()

    def run(self, task: str, *args: object) -> Answer:
        """Run ``task`` (api/pdf_worker.py ``TASKS``) in a worker; blocking: call it from a
        thread. Raises ExternalServiceError ``verifier_busy`` when no answer comes in time."""
        if not self._slots.acquire(timeout=self._deadline):
            log.warning("no PDF worker free within %g s", self._deadline)
            raise _busy()
        try:
            stopped = "the PDF worker stopped"
            for attempt in (1, 2):
                worker = self._take()
                try:
                    answer = worker.ask(task, args, self._deadline)
                except (EOFError, OSError):
                    self._discard(worker)
                    stopped = self._why_stopped(worker.process.exitcode)
                    log.warning("a PDF worker stopped during %s (attempt %d)", task, attempt)
                    continue
                if answer is None:
                    self._discard(worker)  # stuck: killed, the next task gets a fresh one
                    log.warning("a PDF worker missed its %g s deadline: replaced", self._deadline)
                    raise _busy()
                if isinstance(answer[1], PdfLimitError):
                    self._discard(worker)  # after a MemoryError it is not trusted again
                else:
                    self._give_back(worker)
                return answer
            return "error", PdfLimitError("resource_limit", stopped)
        finally:
            self._slots.release()

    def _why_stopped(self, exitcode: int | None) -> str:
        if exitcode == -signal.SIGXCPU:
            seconds = verify_limits(self._settings).timeout_seconds
            return f"more than {seconds:g} s of CPU time"
        return f"the PDF worker stopped (exit {exitcode})"

    def close(self) -> None:
        """Stop every worker, busy or not (their tasks get 503 or a retry elsewhere)."""
        with self._lock:
            workers, self._all, self._idle = list(self._all), set(), []
            self._closed = True
        for worker in workers:
            worker.stop()


#: every pool of this process (tests run several apps in one process)
_POOLS: weakref.WeakSet[VerifierPool] = weakref.WeakSet()


@dataclass(frozen=True)
class PdfRunner:
    """Where PDF tasks run: the ``pool``, or this process (``inline``, unconfined) when
    ``KYSO_VERIFY_WORKERS=0``; ``memory`` is a worker's budget in bytes."""

    pool: VerifierPool | None
    inline: TaskContext | None
    memory: int

    def run(self, task: str, args: tuple[object, ...]) -> object:
        """The task's result; the error it reported raised here as itself (a KysoError with
        its code and HTTP status, ``PdfLimitError`` over the limits, ``PdfTaskCrash``)."""
        from api.pdf_worker import perform

        if self.pool is not None:
            kind, value = self.pool.run(task, *args)
        else:
            assert self.inline is not None
            kind, value = perform(self.inline, task, args, self.memory)
        if kind == "error":
            assert isinstance(value, KysoError | PdfTaskCrash)
            raise value
        return value


class PdfServices(Protocol):
    """What the PDF task helpers below need of the services."""

    @property
    def pdf(self) -> PdfRunner: ...

    def verify_config(self, *, online: bool = True) -> VerifyConfig: ...

    def verify_options(self, *, online: bool = True) -> VerifyOptions: ...


def run_pdf_task(services: PdfServices, task: str, *args: object) -> object:
    """Run a PDF task (api/pdf_tasks.py) in a bounded worker (see ``PdfRunner``). Blocking:
    call it from a thread. Over the worker's limits: ``InputError`` ``resource_limit`` (the
    PDF is refused)."""
    try:
        return services.pdf.run(task, args)
    except PdfLimitError as exc:
        log.warning("PDF task %s stopped by a resource limit: %s", task, exc.message)
        text = f"the PDF exceeds the safe processing limits ({exc.message})"
        raise InputError("resource_limit", text) from None


def verify_in_worker(services: PdfServices, path: Path, online: bool) -> ValidationReport:
    """The report on ``path``, verified like ``run_pdf_task``; over the worker's limits the
    report says ``resource_limit`` (as ``kyso verify`` does) rather than refusing. The trust
    anchors are read now, for this document."""
    config = services.verify_config(online=online)
    try:
        report = services.pdf.run("verify", (str(path), config))
    except PdfLimitError as exc:
        from verify.isolate import limited_report

        log.warning("verification stopped by a resource limit: %s", exc.message)
        # the API process builds verify options only for this (the policy words the finding)
        options = services.verify_options(online=online)
        return limited_report(path.read_bytes(), exc.message, options)
    from verify.model import ValidationReport

    assert isinstance(report, ValidationReport)
    return report


async def pdf_task(services: PdfServices, task: str, *args: object) -> object:
    """``run_pdf_task`` off the event loop."""
    return await run_in_threadpool(run_pdf_task, services, task, *args)


def stop_process_helpers() -> None:
    """At shutdown: stop the fork server the workers came from and multiprocessing's resource
    tracker, once no worker of any pool of this process is left (each worker holds both
    open: stopping them earlier would wait for it). They would end after the last worker
    and this process, but not before uvicorn's exit, nor for sure before a supervisor that
    waits for the process's children. ``_stop`` is the method CPython's own tests use
    (3.11-3.13); a Python without it leaves them to end by themselves."""
    from multiprocessing import forkserver, resource_tracker

    if any(pool.live() for pool in list(_POOLS)):
        log.info("PDF workers of another pool still run: the fork server stays")
        return
    for helper in (forkserver._forkserver, resource_tracker._resource_tracker):
        stop = getattr(helper, "_stop", None)
        if callable(stop):
            stop()
