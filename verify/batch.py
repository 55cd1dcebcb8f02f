"""Many documents through one isolated verifier: ``kyso verify A.pdf B.pdf dir/``.

One forked child verifies document after document, on one event loop, so what one
verification learnt serves the next: the revocation answers (``VerifyOptions.revocation_cache``),
signer path outcomes and signature checks (``VerifyOptions.batch_cache``) and everything
Python and the libraries load or warm on first use. Each document keeps the guarantees of
``verify.isolate``: the child's address space is capped once (what it maps when it starts
plus ``Limits.max_memory_bytes``), each document gets ``Limits.timeout_seconds`` of CPU time
more than the child has spent so far (``RLIMIT_CPU``: SIGXCPU ends it) and a wall-clock
deadline (``Limits.wall_seconds``). A child that dies, runs out of memory or misses its
deadline is replaced by a fresh fork for the next document; that document gets the same
report as from ``verify_isolated`` (``resource_limit`` or ``verification_incomplete``).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import resource
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path

from common.errors import KysoError
from verify.engine import verify_pdf_async
from verify.errors import VerificationInputError
from verify.isolate import incomplete_report, limited_report, mapped_bytes
from verify.model import ValidationReport
from verify.options import VerifyOptions

_MB = 1024 * 1024


def _serve(conn: Connection, options: VerifyOptions) -> None:
    """The child: one document at a time, until the parent closes its end."""
    limits = options.limits
    budget = mapped_bytes() + limits.max_memory_bytes
    resource.setrlimit(resource.RLIMIT_AS, (budget, budget))
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    # one event loop (and its executor thread) for all the documents: a loop per document
    # started and joined a thread each time (about 1 ms)
    with asyncio.Runner() as runner:
        while True:
            try:
                path = conn.recv()
            except EOFError:
                return
            usage = resource.getrusage(resource.RUSAGE_SELF)
            cpu = int(usage.ru_utime + usage.ru_stime + limits.timeout_seconds) + 1
            resource.setrlimit(resource.RLIMIT_CPU, (cpu, hard))
            try:
                conn.send(("report", runner.run(verify_pdf_async(Path(path), options))))
            except MemoryError:
                conn.send(("limit", f"more than {limits.max_memory_bytes // _MB} MB of memory"))
                return  # what a MemoryError left behind is not trusted with another document
            except KysoError as exc:
                conn.send(("error", (exc.code, exc.message)))


class BatchVerifier:
    """Verifies documents one after another in a reusable, limited child (Linux fork).

    Use as a context manager. A caller whose revocation source uses a database disposes of
    its connection pool before the first document (see ``verify_isolated``)."""

    def __init__(self, options: VerifyOptions) -> None:
        self.options = options
        self._child: tuple[BaseProcess, Connection] | None = None
        #: children started so far (the tests watch replacements)
        self.started = 0

    def __enter__(self) -> BatchVerifier:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _start(self) -> tuple[BaseProcess, Connection]:
        context = multiprocessing.get_context("fork")
        mine, theirs = context.Pipe()
        process = context.Process(target=_serve, args=(theirs, self.options), daemon=True)
        process.start()
        theirs.close()
        self.started += 1
        return process, mine

    def _stop(self) -> None:
        if self._child is None:
            return
        process, conn = self._child
        self._child = None
        conn.close()
        if process.is_alive():
            process.kill()
        process.join(timeout=5)

    def close(self) -> None:
        self._stop()

    def verify(self, path: Path) -> ValidationReport:
        """The report on ``path``; raises ``VerificationInputError`` as ``verify_isolated``
        does (missing file, too large)."""
        _check_file(path, self.options)
        if self._child is not None and not self._child[0].is_alive():
            self._stop()  # died between documents (killed from outside): a fresh one
        if self._child is None:
            self._child = self._start()
        process, conn = self._child
        wall = self.options.limits.wall_seconds()
        try:
            conn.send(str(path))
            if not conn.poll(wall):
                self._stop()
                return incomplete_report(path.read_bytes(), wall, self.options)
            kind, value = conn.recv()
        except (EOFError, OSError):
            process.join(timeout=5)
            kind, value = "limit", f"the verifier stopped (exit {process.exitcode})"
        if kind == "report":
            assert isinstance(value, ValidationReport)
            return value
        if kind == "error":
            code, message = value
            raise VerificationInputError(str(code), str(message))
        self._stop()
        return limited_report(path.read_bytes(), str(value), self.options)


def _check_file(path: Path, options: VerifyOptions) -> None:
    """``read_input``'s refusals (missing file, too large) without reading the bytes here."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise VerificationInputError("verify_file_missing", f"{path}: {exc}") from exc
    if size > options.limits.max_bytes:
        raise VerificationInputError("verify_too_large", f"{size} bytes is too large")
