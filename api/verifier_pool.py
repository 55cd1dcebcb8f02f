"""Uploaded PDFs are verified in a pool of separate processes, never in the API process.

A hostile PDF (a decompression bomb, deep nesting, a parser bug) can then only exhaust a pool
process: each one caps its address space (``Limits.max_memory_bytes`` over what it maps after
start-up) and its CPU time per document (``Limits.timeout_seconds``). The pool forks from a
clean fork server (the API's threads are never forked), each process builds its own services
(database connection, trust anchors) once; the pool is replaced after ``TASKS_PER_PROCESS``
documents a process. A document that breaks its process or runs out of time gets the
``resource_limit`` finding, like ``kyso verify``; the other requests are retried once on a
fresh pool. A request not answered in three times the CPU budget (a saturated server) gets
503 ``verifier_busy`` rather than a verdict.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import resource
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from pydantic import SecretStr

from api.settings import Settings
from common.errors import ExternalServiceError, KysoError
from verify.errors import VerificationInputError
from verify.model import ValidationReport
from verify.options import VerifyOptions

log = logging.getLogger(__name__)
TASKS_PER_PROCESS = 200
PRELOAD = ["api.wiring", "verify.engine", "certs.fetching"]

_child_options: dict[bool, VerifyOptions] = {}
_child_settings: Settings | None = None


def _child_init(values: dict[str, object]) -> None:
    global _child_settings
    _child_settings = Settings(**values)  # type: ignore[arg-type]
    options = _options(True)  # connect and load trust anchors before the limits apply
    budget = _mapped() + options.limits.max_memory_bytes
    resource.setrlimit(resource.RLIMIT_AS, (budget, budget))


def _mapped() -> int:
    from verify.isolate import mapped_bytes

    return mapped_bytes()


def _options(online: bool) -> VerifyOptions:
    if online not in _child_options:
        from api.wiring import Services

        assert _child_settings is not None
        _child_options[online] = Services(_child_settings).verify_options(online=online)
    return _child_options[online]


def _child_verify(path: str, online: bool) -> tuple[str, object]:
    from verify.engine import verify_pdf

    options = _options(online)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    spent = int(usage.ru_utime + usage.ru_stime)
    cpu = spent + int(options.limits.timeout_seconds) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, resource.RLIM_INFINITY))  # SIGXCPU ends it
    try:
        return "report", verify_pdf(Path(path), options)
    except MemoryError:
        return "limit", f"more than {options.limits.max_memory_bytes // (1 << 20)} MB of memory"
    except KysoError as exc:
        return "error", (exc.code, exc.message)


def _plain(settings: Settings) -> dict[str, object]:
    """The settings as constructor arguments (secrets revealed: they stay on this machine)."""
    values: dict[str, object] = {}
    for name in Settings.model_fields:
        value = getattr(settings, name)
        values[name] = value.get_secret_value() if isinstance(value, SecretStr) else value
    return values


class VerifierPool:
    def __init__(self, settings: Settings, workers: int) -> None:
        self._settings = settings
        self._workers = workers
        self._lock = threading.Lock()
        self._executor: ProcessPoolExecutor | None = None
        self._submitted = 0

    def _pool(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._executor is not None and self._submitted >= TASKS_PER_PROCESS * self._workers:
                # Recycled by replacing the pool, not with max_tasks_per_child: on CPython
                # 3.11-3.12 a process retiring at that limit may never be replaced, and the
                # queued documents then wait forever (python/cpython#115634).
                self._executor.shutdown(wait=False)  # what it was given still completes
                self._executor = None
            if self._executor is None:
                context = multiprocessing.get_context("forkserver")
                context.set_forkserver_preload(PRELOAD)
                self._executor = ProcessPoolExecutor(
                    self._workers,
                    mp_context=context,
                    initializer=_child_init,
                    initargs=(_plain(self._settings),),
                )
                self._submitted = 0
            self._submitted += 1
            return self._executor

    def _replace(self, broken: ProcessPoolExecutor) -> None:
        with self._lock:
            if self._executor is broken:
                self._executor = None
        broken.shutdown(wait=False, cancel_futures=True)

    async def verify(
        self, path: Path, *, online: bool, options: Callable[[], VerifyOptions]
    ) -> ValidationReport:
        """``options`` (the API process's own, built only when needed) words a limit report."""
        wait = self._settings.verify_timeout_seconds * 3  # CPU budget plus revocation look-ups
        kind: str = "limit"
        value: object = "the verifier process stopped"
        for attempt in (1, 2):
            executor = self._pool()
            try:
                future = executor.submit(_child_verify, str(path), online)
                kind, value = await asyncio.wait_for(asyncio.wrap_future(future), wait)
                break
            except BrokenProcessPool:
                self._replace(executor)
                log.warning("a verifier process stopped (attempt %d)", attempt)
            except TimeoutError as exc:
                # no answer in time: the server is saturated (or a revocation server hangs); a
                # document over its own CPU budget is stopped by RLIMIT_CPU and reported above
                log.warning("verification not answered within %g s", wait)
                raise ExternalServiceError(
                    "verifier_busy", "the verifier did not answer in time; try again"
                ) from exc
        if kind == "report":
            assert isinstance(value, ValidationReport)
            return value
        if kind == "error":
            assert isinstance(value, tuple)
            raise VerificationInputError(str(value[0]), str(value[1]))
        from verify.isolate import limited_report

        log.warning("verification stopped by a resource limit: %s", value)
        return limited_report(path.read_bytes(), str(value), options())

    def close(self) -> None:
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)
